package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"passerelle/internal/testenv"
)

// startRedis starts the run's own redis-server on a free port (never
// 6379), without persistence, logging into dir/redis.log: killed, it comes
// back empty, as a Redis that lost its memory would.
func startRedis(ctx context.Context, dir string) (*testenv.Redis, error) {
	return testenv.RunRedis(ctx, filepath.Join(dir, "redis.log"))
}

// workspace checks that a run can start redis-server and the gateway binary
// at bin, and makes the folder of its logs, named after pattern as
// os.MkdirTemp names it; it returns bin as an absolute path.
func workspace(bin, pattern string) (abs, dir string, err error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return "", "", errors.New("redis-server is not on PATH (Debian: apt-get install redis-server)")
	}
	if abs, err = filepath.Abs(bin); err != nil {
		return "", "", err
	}
	if _, err := os.Stat(abs); err != nil {
		return "", "", fmt.Errorf("%w: run `make build` first", err)
	}
	if dir, err = os.MkdirTemp("", pattern); err != nil {
		return "", "", err
	}
	return abs, dir, nil
}

// gatewayProcess is one replica: the real binary, on a fixed loopback port
// that it keeps across restarts, as a load balancer's backend would.
type gatewayProcess struct {
	name    string
	bin     string
	prefix  []string // a command the binary is run through (prlimit), if any
	port    int
	env     []string
	logDir  string
	starts  int
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the current process has exited
	exitErr error         // its exit status, once exited is closed
}

func (g *gatewayProcess) url() string { return fmt.Sprintf("http://127.0.0.1:%d", g.port) }

// start runs the binary, its output going to a log file of its own, and
// returns once /healthz answers, or an error.
func (g *gatewayProcess) start(ctx context.Context) error {
	g.starts++
	logPath := filepath.Join(g.logDir, fmt.Sprintf("%s.%d.log", g.name, g.starts))
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(g.bin)
	if len(g.prefix) > 0 {
		cmd = exec.Command(g.prefix[0], append(g.prefix[1:], g.bin)...)
	}
	cmd.Env = append(g.env, fmt.Sprintf("PASSERELLE_ADDR=127.0.0.1:%d", g.port))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", g.name, err)
	}
	g.cmd, g.exited, g.exitErr = cmd, make(chan struct{}), nil
	exited := g.exited
	go func() {
		g.exitErr = cmd.Wait()
		close(exited)
	}()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		select {
		case <-exited:
			return fmt.Errorf("%s exited at start: %v (see %s)", g.name, g.exitErr, logPath)
		default:
		}
		if resp, err := client.Get(g.url() + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer /healthz within 20s (see %s)", g.name, logPath)
}

// terminate sends SIGTERM: the gateway stops accepting, drains what is in
// flight and exits.
func (g *gatewayProcess) terminate() error {
	if g.cmd == nil {
		return errors.New(g.name + " is not running")
	}
	return g.cmd.Process.Signal(syscall.SIGTERM)
}

// wait returns the exit status of the process once it has exited, or an
// error after within, when it is killed.
func (g *gatewayProcess) wait(within time.Duration) error {
	if g.cmd == nil {
		return nil
	}
	defer func() { g.cmd = nil }()
	select {
	case <-g.exited:
		return g.exitErr
	case <-time.After(within):
		_ = g.cmd.Process.Kill()
		<-g.exited
		return fmt.Errorf("%s did not exit within %v of SIGTERM and was killed", g.name, within)
	}
}
