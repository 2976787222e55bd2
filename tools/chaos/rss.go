package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// parseProcStatus reads VmRSS (resident memory now) and VmHWM (its peak since
// the process started, as the kernel keeps it) from a /proc/PID/status, in
// bytes.
func parseProcStatus(r io.Reader) (rss, hwm int64, err error) {
	sc := bufio.NewScanner(r)
	found := 0
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, 0, fmt.Errorf("%s: unexpected value %q", name, strings.TrimSpace(value))
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", name, err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if found != 2 {
		// A zombie has no memory lines: the process is gone.
		return 0, 0, errors.New("no VmRSS and VmHWM: the process has exited")
	}
	return rss, hwm, nil
}

// memoryWatch samples a process's memory and kills it when its resident
// memory passes a guard, so that a gateway that does not bound its memory
// fails the run instead of taking the machine down with it.
type memoryWatch struct {
	pid   int
	guard int64  // bytes of VmRSS at which the process is killed
	kill  func() // SIGKILL

	mu       sync.Mutex
	samples  int
	peakRSS  int64 // highest VmRSS sampled
	peakHWM  int64 // highest VmHWM read: the peak between samples too
	killed   bool
	killRSS  int64
	killedAt time.Time
	dead     chan struct{} // closed when the guard killed the process
}

func newMemoryWatch(pid int, guard int64, kill func()) *memoryWatch {
	return &memoryWatch{pid: pid, guard: guard, kill: kill, dead: make(chan struct{})}
}

// run samples every interval until ctx is done or the process is gone.
func (m *memoryWatch) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	path := fmt.Sprintf("/proc/%d/status", m.pid)
	for {
		if !m.sample(path) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sample reads the process's memory once; it returns false when the process
// is gone or was killed.
func (m *memoryWatch) sample(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	rss, hwm, err := parseProcStatus(f)
	f.Close()
	if err != nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.samples++
	m.peakRSS = max(m.peakRSS, rss)
	m.peakHWM = max(m.peakHWM, hwm, rss)
	if m.guard > 0 && rss >= m.guard && !m.killed {
		m.killed, m.killRSS, m.killedAt = true, rss, time.Now()
		m.kill()
		close(m.dead)
		return false
	}
	return true
}

// peak is the highest resident memory seen: the kernel's high-water mark,
// which counts the peaks between samples too.
func (m *memoryWatch) peak() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.peakHWM
}

// guardKill says whether, when and at what RSS the guard killed the process.
func (m *memoryWatch) guardKill() (bool, time.Time, int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.killed, m.killedAt, m.killRSS
}

// mib formats bytes as MiB.
func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
