package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// freePort returns a loopback TCP port that was free a moment ago. It never
// returns Redis's default port, so that a Redis of the machine is never
// touched.
func freePort() (int, error) {
	for range 5 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("find a free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port != 6379 {
			return port, nil
		}
	}
	return 0, errors.New("find a free port: only 6379 was offered")
}

// redisServer is the run's own redis-server, without persistence: killed, it
// comes back empty, as a Redis that lost its memory would.
type redisServer struct {
	port int
	log  string // file the server writes to
	cmd  *exec.Cmd
}

// startRedis starts a redis-server on a free port, logging into dir.
func startRedis(ctx context.Context, dir string) (*redisServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	r := &redisServer{port: port, log: filepath.Join(dir, "redis.log")}
	if err := r.start(ctx); err != nil {
		return nil, err
	}
	return r, nil
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

func (r *redisServer) url() string  { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }
func (r *redisServer) addr() string { return fmt.Sprintf("127.0.0.1:%d", r.port) }

// start runs the server and returns once it answers PING, or an error.
func (r *redisServer) start(ctx context.Context) error {
	if r.cmd != nil {
		return errors.New("redis-server is already running")
	}
	logFile, err := os.OpenFile(r.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
	// Killed with the run, whatever happens to it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w (Debian: apt-get install redis-server)", err)
	}
	r.cmd = cmd
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if pingRedis(r.addr()) == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.kill()
	return fmt.Errorf("redis-server on port %d did not answer PING within 5s (see %s)", r.port, r.log)
}

// kill sends SIGKILL and waits for the process to go.
func (r *redisServer) kill() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

func pingRedis(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
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
