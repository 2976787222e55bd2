package main

import (
	"strings"
	"testing"
	"time"
)

func TestFaultFor(t *testing.T) {
	tests := []struct {
		mode mode
		want map[fault]int // over calls 1 to 20
	}{
		{modeHealthy, map[fault]int{faultNone: 20}},
		{modeMixed, map[fault]int{faultNone: 10, faultServer: 4, faultRateLimit: 4, faultHang: 2}},
		{modeHang, map[fault]int{faultHang: 20}},
		{modeDown, map[fault]int{faultServer: 20}},
		{modeSlow, map[fault]int{faultSlow: 20}},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			got := map[fault]int{}
			for call := int64(1); call <= 20; call++ {
				got[faultFor(tt.mode, call)]++
			}
			if len(got) != len(tt.want) {
				t.Fatalf("faults over 20 calls = %v, want %v", got, tt.want)
			}
			for f, n := range tt.want {
				if got[f] != n {
					t.Errorf("faults over 20 calls = %v, want %v", got, tt.want)
					break
				}
			}
		})
	}
}

// TestFaultForMixedNeverFailsFiveInARow checks that mixed faults alone
// leave the primary's breaker (5 consecutive failures) closed, so that the
// mixed stretch exercises retries and the down stretch the breaker.
func TestFaultForMixedNeverFailsFiveInARow(t *testing.T) {
	run, longest := 0, 0
	for call := int64(1); call <= 100; call++ {
		if faultFor(modeMixed, call) == faultNone {
			run = 0
			continue
		}
		run++
		longest = max(longest, run)
	}
	if longest >= 5 {
		t.Errorf("longest run of failed calls = %d, want under 5", longest)
	}
}

func TestValidateSchedule(t *testing.T) {
	s := func(at time.Duration, do action) step { return step{at: at, do: do} }
	tests := []struct {
		name    string
		phases  []phase
		wantErr string // "" for none
	}{
		{"default", defaultSchedule(), ""},
		{"redis never back", []phase{{name: "p", length: 5 * time.Second, steps: []step{s(time.Second, actKillRedis)}}},
			"Redis is never started again"},
		{"redis killed twice", []phase{{name: "p", length: 5 * time.Second, steps: []step{
			s(time.Second, actKillRedis), s(2*time.Second, actKillRedis), s(3*time.Second, actStartRedis)}}},
			"Redis is already down"},
		{"steps out of order", []phase{{name: "p", length: 5 * time.Second, steps: []step{
			s(3*time.Second, actKillRedis), s(time.Second, actStartRedis)}}},
			"out of order"},
		{"step past the end", []phase{{name: "p", length: 5 * time.Second, steps: []step{
			s(time.Second, actKillRedis), s(5*time.Second, actStartRedis)}}},
			"past the phase's end"},
		{"gateway never back", []phase{{name: "p", length: 5 * time.Second, steps: []step{
			{at: time.Second, do: actStopGateway, gateway: 1}}}},
			"gateway-b is never started again"},
		{"both gateways down", []phase{{name: "p", length: 5 * time.Second, steps: []step{
			{at: time.Second, do: actStopGateway, gateway: 0}, {at: time.Second, do: actStopGateway, gateway: 1},
			{at: 2 * time.Second, do: actStartGateway, gateway: 0}, {at: 2 * time.Second, do: actStartGateway, gateway: 1}}}},
			"no gateway would be left"},
		{"primary left broken", []phase{{name: "p", length: 5 * time.Second, steps: []step{
			{at: 0, do: actPrimary, mode: modeDown}}}},
			"the primary ends down"},
		{"too long", []phase{{name: "p", length: 2 * time.Minute}}, "over the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateSchedule(tt.phases, 2, time.Minute)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("validateSchedule = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("validateSchedule = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestDefaultScheduleFitsTheRun keeps `make chaos` under its time budget:
// the phases, plus start-up and the report.
func TestDefaultScheduleFitsTheRun(t *testing.T) {
	var total time.Duration
	faults := map[action]bool{}
	for _, p := range defaultSchedule() {
		total += p.length
		for _, s := range p.steps {
			faults[s.do] = true
		}
	}
	if total > 60*time.Second {
		t.Errorf("phases last %v, want at most 60s", total)
	}
	for _, a := range []action{actKillRedis, actStartRedis, actPrimary, actStopGateway, actStartGateway} {
		if !faults[a] {
			t.Errorf("the default schedule never does %s", a)
		}
	}
}
