package main

import (
	"errors"
	"fmt"
	"time"
)

// fault is how the primary stand-in answers one chat completion.
type fault string

const (
	faultNone      fault = "ok"
	faultServer    fault = "500"  // 500 server_error
	faultRateLimit fault = "429"  // 429 with Retry-After: 1
	faultHang      fault = "hang" // no answer until the gateway gives up
	faultSlow      fault = "slow" // a correct answer after slowDelay
)

// slowDelay is how long a slow answer takes: under the gateway's provider
// timeout (1s), so that the answer arrives, but long enough that requests
// are in flight when a gateway is told to stop.
const slowDelay = 400 * time.Millisecond

// mode is the primary stand-in's behaviour for a stretch of the run.
type mode string

const (
	modeHealthy mode = "healthy" // every call answered
	modeMixed   mode = "mixed"   // 1 call in 2 fails: 500, 429 or a hang
	modeHang    mode = "hang"    // every call hangs past the timeout
	modeDown    mode = "down"    // every call answers 500
	modeSlow    mode = "slow"    // every call answered after slowDelay
)

// faultFor returns the fault of the call-th call (counted from 1) in mode m.
// Mixed faults follow the call number rather than chance, so that two runs
// inject the same faults in the same order.
func faultFor(m mode, call int64) fault {
	switch m {
	case modeMixed:
		switch call % 10 {
		case 1, 5:
			return faultServer
		case 3, 8:
			return faultRateLimit
		case 6:
			return faultHang
		}
		return faultNone
	case modeHang:
		return faultHang
	case modeDown:
		return faultServer
	case modeSlow:
		return faultSlow
	}
	return faultNone
}

// action is what a step of the schedule does.
type action string

const (
	actKillRedis    action = "kill-redis"    // SIGKILL the Redis server
	actStartRedis   action = "start-redis"   // start it again, empty, on the same port
	actPrimary      action = "primary"       // set the primary stand-in's mode
	actStopGateway  action = "stop-gateway"  // SIGTERM a gateway; it drains and exits
	actStartGateway action = "start-gateway" // start that gateway again on the same port
)

// step is one action at an offset from the start of its phase.
type step struct {
	at      time.Duration
	do      action
	mode    mode // for actPrimary
	gateway int  // for actStopGateway and actStartGateway: index of the replica
}

func (s step) String() string {
	switch s.do {
	case actPrimary:
		return fmt.Sprintf("+%v primary %s", s.at, s.mode)
	case actStopGateway, actStartGateway:
		return fmt.Sprintf("+%v %s %s", s.at, s.do, replicaName(s.gateway))
	}
	return fmt.Sprintf("+%v %s", s.at, s.do)
}

// phase is a stretch of the run under load, with the faults injected in it.
type phase struct {
	name   string
	length time.Duration
	steps  []step
}

// defaultSchedule is the run `make chaos` makes: 45 seconds of load in five
// phases (see the package comment).
func defaultSchedule() []phase {
	return []phase{
		{name: "warm-up", length: 6 * time.Second},
		{name: "redis-outage", length: 11 * time.Second, steps: []step{
			{at: 1 * time.Second, do: actKillRedis},
			{at: 5 * time.Second, do: actStartRedis},
		}},
		{name: "provider-faults", length: 13 * time.Second, steps: []step{
			{at: 0, do: actPrimary, mode: modeMixed},
			{at: 4 * time.Second, do: actPrimary, mode: modeHang},
			{at: 7 * time.Second, do: actPrimary, mode: modeDown},
			{at: 10 * time.Second, do: actPrimary, mode: modeHealthy},
		}},
		{name: "gateway-restart", length: 10 * time.Second, steps: []step{
			{at: 0, do: actPrimary, mode: modeSlow},
			{at: 2 * time.Second, do: actStopGateway, gateway: 1},
			{at: 5 * time.Second, do: actStartGateway, gateway: 1},
		}},
		{name: "cool-down", length: 5 * time.Second, steps: []step{
			{at: 0, do: actPrimary, mode: modeHealthy},
		}},
	}
}

// validateSchedule returns an error when a schedule would not end where it
// started (Redis up, every gateway running, the primary healthy), orders its
// steps wrongly, or runs longer than limit.
func validateSchedule(phases []phase, replicas int, limit time.Duration) error {
	var errs []error
	var total time.Duration
	redisUp, primary := true, modeHealthy
	up := make([]bool, replicas)
	for i := range up {
		up[i] = true
	}
	for _, p := range phases {
		total += p.length
		var last time.Duration
		for _, s := range p.steps {
			where := fmt.Sprintf("phase %s, step %s", p.name, s)
			if s.at < last || s.at >= p.length {
				errs = append(errs, fmt.Errorf("%s: out of order or past the phase's end (%v)", where, p.length))
			}
			last = s.at
			switch s.do {
			case actKillRedis, actStartRedis:
				if redisUp != (s.do == actKillRedis) {
					errs = append(errs, fmt.Errorf("%s: Redis is already %s", where, map[bool]string{true: "up", false: "down"}[redisUp]))
				}
				redisUp = s.do == actStartRedis
			case actStopGateway, actStartGateway:
				if s.gateway < 0 || s.gateway >= replicas {
					errs = append(errs, fmt.Errorf("%s: no gateway %d", where, s.gateway))
					continue
				}
				if up[s.gateway] != (s.do == actStopGateway) {
					errs = append(errs, fmt.Errorf("%s: the gateway is not in the state to do that", where))
				}
				up[s.gateway] = s.do == actStartGateway
				if s.do == actStopGateway && countTrue(up) == 0 {
					errs = append(errs, fmt.Errorf("%s: no gateway would be left to serve", where))
				}
			case actPrimary:
				primary = s.mode
			default:
				errs = append(errs, fmt.Errorf("%s: unknown action", where))
			}
		}
	}
	if !redisUp {
		errs = append(errs, errors.New("Redis is never started again"))
	}
	for i, ok := range up {
		if !ok {
			errs = append(errs, fmt.Errorf("gateway %s is never started again", replicaName(i)))
		}
	}
	if primary != modeHealthy {
		errs = append(errs, fmt.Errorf("the primary ends %s, want healthy", primary))
	}
	if total > limit {
		errs = append(errs, fmt.Errorf("the phases last %v, over the limit of %v", total, limit))
	}
	return errors.Join(errs...)
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// replicaName names gateway i: "gateway-a", "gateway-b".
func replicaName(i int) string { return "gateway-" + string(rune('a'+i)) }
