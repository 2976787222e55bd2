package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const procStatus = `Name:	passerelle
State:	S (sleeping)
VmPeak:	 3145728 kB
VmSize:	 2097152 kB
VmHWM:	 1572864 kB
VmRSS:	  524288 kB
RssAnon:	  500000 kB
Threads:	12
`

func TestParseProcStatus(t *testing.T) {
	rss, hwm, err := parseProcStatus(strings.NewReader(procStatus))
	if err != nil {
		t.Fatal(err)
	}
	if rss != 512<<20 || hwm != 1536<<20 {
		t.Errorf("rss %d, hwm %d; want %d, %d", rss, hwm, 512<<20, 1536<<20)
	}
	// A zombie's status has no memory lines.
	if _, _, err := parseProcStatus(strings.NewReader("Name:\tpasserelle\nState:\tZ (zombie)\n")); err == nil {
		t.Error("a status without VmRSS parsed")
	}
	if _, _, err := parseProcStatus(strings.NewReader("VmRSS:\t12 MB\nVmHWM:\t12 kB\n")); err == nil {
		t.Error("a status in another unit parsed")
	}
}

// TestParseProcStatusOfThisProcess reads the real file, whose format the
// kernel owns.
func TestParseProcStatusOfThisProcess(t *testing.T) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	defer f.Close()
	rss, hwm, err := parseProcStatus(f)
	if err != nil {
		t.Fatal(err)
	}
	if rss <= 0 || hwm < rss {
		t.Errorf("rss %d, hwm %d: want 0 < rss <= hwm", rss, hwm)
	}
}

func TestMemoryWatchGuard(t *testing.T) {
	path := filepath.Join(t.TempDir(), "status")
	write := func(rss, hwm string) {
		if err := os.WriteFile(path, []byte("VmHWM:\t"+hwm+" kB\nVmRSS:\t"+rss+" kB\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	kills := 0
	m := newMemoryWatch(0, 2<<30, func() { kills++ })
	write("524288", "1048576") // 512 MiB now, 1 GiB at the peak
	if !m.sample(path) {
		t.Fatal("sampling stopped under the guard")
	}
	if m.peak() != 1<<30 || kills != 0 {
		t.Fatalf("peak %d, kills %d; want the high-water mark %d and no kill", m.peak(), kills, 1<<30)
	}
	write("2097152", "2097152") // 2 GiB: the guard
	if m.sample(path) {
		t.Error("sampling went on after the guard killed the process")
	}
	killed, _, rss := m.guardKill()
	if kills != 1 || !killed || rss != 2<<30 {
		t.Errorf("kills %d, killed %v at %d; want one kill at %d", kills, killed, rss, 2<<30)
	}
	select {
	case <-m.dead:
	default:
		t.Error("dead not closed after the kill")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if m.sample(path) {
		t.Error("sampling a process that is gone went on")
	}
}
