package main

import (
	"context"
	"fmt"
	"time"

	"passerelle/internal/testenv"
)

// events carries out the schedule's steps and remembers what happened.
type events struct {
	last      string
	outages   []outage
	stopped   map[int]chan exit // how a gateway told to stop exited
	stopAt    map[int]time.Time
	exits     map[int]exit
	restarted map[int]time.Time
	problems  []string // what must fail the run
}

func (e *events) do(ctx context.Context, s step, redis *testenv.Redis, gateways []*gatewayProcess, primary *standin) error {
	switch s.do {
	case actKillRedis:
		e.outages = append(e.outages, outage{down: time.Now()})
		redis.Kill()
		e.last = "redis-server killed (SIGKILL)"
	case actStartRedis:
		if err := redis.Start(ctx); err != nil {
			return err
		}
		e.outages[len(e.outages)-1].up = time.Now()
		o := e.outages[len(e.outages)-1]
		e.last = fmt.Sprintf("redis-server started again, empty, answering PING %.1fs after the kill", o.up.Sub(o.down).Seconds())
	case actPrimary:
		primary.setMode(s.mode)
		e.last = "primary stand-in: " + string(s.mode)
	case actStopGateway:
		g := gateways[s.gateway]
		if e.stopped == nil {
			e.stopped, e.stopAt, e.restarted, e.exits = map[int]chan exit{}, map[int]time.Time{}, map[int]time.Time{}, map[int]exit{}
		}
		e.stopAt[s.gateway] = time.Now()
		if err := g.terminate(); err != nil {
			return err
		}
		done := make(chan exit, 1)
		e.stopped[s.gateway] = done
		go func() {
			err := g.wait(15 * time.Second)
			done <- exit{err: err, at: time.Now()}
		}()
		e.last = g.name + " sent SIGTERM"
	case actStartGateway:
		g := gateways[s.gateway]
		x := <-e.stopped[s.gateway]
		e.exits[s.gateway] = x
		if x.err != nil {
			e.problems = append(e.problems, fmt.Sprintf("%s after SIGTERM: %v (want exit status 0 after draining)", g.name, x.err))
		}
		if err := g.start(ctx); err != nil {
			return err
		}
		e.restarted[s.gateway] = time.Now()
		e.last = fmt.Sprintf("%s exited (%s) %.2fs after SIGTERM; started again on the same port, answering %.1fs after SIGTERM",
			g.name, exitText(x.err), x.at.Sub(e.stopAt[s.gateway]).Seconds(), e.restarted[s.gateway].Sub(e.stopAt[s.gateway]).Seconds())
	}
	return nil
}

// exit is how a gateway process ended.
type exit struct {
	err error
	at  time.Time
}

func exitText(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}
