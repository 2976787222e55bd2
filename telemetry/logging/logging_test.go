package logging

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is an io.Writer the test can read while the logger writes.
type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestInformationWaitsWarningsDoNot(t *testing.T) {
	out := &lockedBuffer{}
	log := New(out, Options{FlushInterval: time.Hour})
	defer log.Close()
	log.Info("request", "n", 1)
	log.Info("request", "n", 2)
	if got := out.String(); got != "" {
		t.Fatalf("information lines written before a flush: %q", got)
	}
	log.Warn("cache read failed")
	got := out.String()
	if strings.Count(got, "\n") != 3 || !strings.Contains(got, `"n":1`) || !strings.Contains(got, "cache read failed") {
		t.Fatalf("a warning must write itself and the lines before it, in order; got %q", got)
	}
	if out.writes != 1 {
		t.Errorf("%d writes for three lines, want 1", out.writes)
	}
	log.With("component", "x").Error("boom")
	if !strings.Contains(out.String(), "boom") {
		t.Error("a logger derived With attributes must flush on errors too")
	}
}

func TestPeriodicFlushAndClose(t *testing.T) {
	out := &lockedBuffer{}
	log := New(out, Options{FlushInterval: 10 * time.Millisecond})
	log.Info("listening")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "listening") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "listening") {
		t.Fatal("the line was never flushed by the interval")
	}
	log.Info("stopped")
	log.Close()
	if !strings.Contains(out.String(), "stopped") {
		t.Error("Close must flush")
	}
	log.Close() // twice is harmless
}

func TestUnbufferedWritesEachLine(t *testing.T) {
	out := &lockedBuffer{}
	log := New(out, Options{Format: "text", Level: slog.LevelDebug})
	log.Debug("one")
	if !strings.Contains(out.String(), "msg=one") {
		t.Fatalf("unbuffered text logger wrote %q", out.String())
	}
	log.Close()
	log.Flush()
}

// Lines written together stay whole and all arrive, however many overflow
// the buffer.
func TestConcurrentLinesStayWhole(t *testing.T) {
	out := &lockedBuffer{}
	log := New(out, Options{FlushInterval: time.Millisecond})
	var wg sync.WaitGroup
	const writers, lines = 8, 500
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				log.Info("request", "writer", w, "line", i, "pad", strings.Repeat("x", 200))
			}
		}()
	}
	wg.Wait()
	log.Close()
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("%d lines, want %d", len(got), writers*lines)
	}
	for _, line := range got {
		if !strings.HasPrefix(line, "{") || !strings.HasSuffix(line, "}") {
			t.Fatalf("a line was cut or mixed: %q", line)
		}
	}
	if want := fmt.Sprintf(`"writer":%d`, writers-1); !strings.Contains(out.String(), want) {
		t.Errorf("lines of the last writer missing")
	}
}
