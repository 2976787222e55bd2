package main

import (
	"context"
	"sync"
	"time"
)

// pauseMonitor notices when this process is not scheduled for a while: on a
// busy machine every process of the run stalls together, and the gateways'
// 200ms cache timeouts expire with no fault of Redis. The report shows the
// pauses so that what happens during them is read as what it is.
type pauseMonitor struct {
	mu     sync.Mutex
	pauses []outage // from the last tick on time to the late one
}

// run ticks every interval until ctx is done and records every tick later
// than threshold.
func (m *pauseMonitor) run(ctx context.Context, every, threshold time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if late := now.Sub(last) - every; late > threshold {
				m.mu.Lock()
				m.pauses = append(m.pauses, outage{down: last, up: now})
				m.mu.Unlock()
			}
			last = now
		}
	}
}

func (m *pauseMonitor) snapshot() []outage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]outage(nil), m.pauses...)
}
