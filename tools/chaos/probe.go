package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// readinessProbe asks each replica's /readyz at a fixed interval, as an
// orchestrator would, and records the answers by phase.
type readinessProbe struct {
	urls  []string
	phase func() string

	mu      sync.Mutex
	answers map[string]map[string]int // phase -> "gateway-a: degraded" -> count
}

func (p *readinessProbe) run(ctx context.Context, every time.Duration) {
	client := &http.Client{Timeout: 2 * time.Second}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for i, u := range p.urls {
			answer := "no answer"
			if resp, err := client.Get(u + "/readyz"); err == nil {
				var body struct {
					Status string `json:"status"`
				}
				_ = json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				answer = fmt.Sprintf("%d %s", resp.StatusCode, body.Status)
			}
			p.record(p.phase(), replicaName(i)+" "+answer)
		}
	}
}

func (p *readinessProbe) record(phase, answer string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.answers == nil {
		p.answers = map[string]map[string]int{}
	}
	if p.answers[phase] == nil {
		p.answers[phase] = map[string]int{}
	}
	p.answers[phase][answer]++
}

func (p *readinessProbe) snapshot() map[string]map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]map[string]int{}
	for ph, m := range p.answers {
		out[ph] = map[string]int{}
		for k, v := range m {
			out[ph][k] = v
		}
	}
	return out
}
