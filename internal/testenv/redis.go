package testenv

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// redisMissing says what to install when redis-server is not on PATH.
const redisMissing = "redis-server is not on PATH (Debian: apt-get install redis-server, or run `make test`)"

// Redis is a redis-server process on a loopback port, without persistence
// unless AOFDir is set: killed and started again, it comes back empty on the
// same port, as a Redis that lost its memory would.
type Redis struct {
	Port int
	// Log is the file the server's output is appended to; when empty it is
	// kept in memory, for the error that says why the server did not start.
	Log string
	// AOFDir, when set, turns the append-only file on in that folder
	// (appendfsync everysec, Redis's default): killed and started again,
	// the server comes back with what it had acknowledged.
	AOFDir string

	cmd  *exec.Cmd
	done chan struct{} // closed once cmd has exited and its output is written
	out  bytes.Buffer
}

// RunRedis starts a redis-server on a free loopback port, its output
// appended to log ("" keeps it in memory), and returns once it answers PING.
// The caller stops it with Kill; it dies with the calling process anyway.
func RunRedis(ctx context.Context, log string) (*Redis, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, errors.New(redisMissing)
	}
	port, err := LoopbackPort()
	if err != nil {
		return nil, err
	}
	r := &Redis{Port: port, Log: log}
	if err := r.Start(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// URL is the redis:// URL of the server.
func (r *Redis) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.Port) }

// Addr is the host:port of the server.
func (r *Redis) Addr() string { return fmt.Sprintf("127.0.0.1:%d", r.Port) }

// Running reports whether the server was started and not killed since.
func (r *Redis) Running() bool { return r.cmd != nil }

// Start (re)starts the server on its port and returns once it answers PING
// (within 10s), or an error. Starting a running server does nothing.
func (r *Redis) Start(ctx context.Context) error {
	if r.cmd != nil {
		return nil
	}
	var out io.Writer = &r.out
	r.out.Reset()
	if r.Log != "" {
		f, err := os.OpenFile(r.Log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	persistence := []string{"--appendonly", "no"}
	if r.AOFDir != "" {
		if err := os.MkdirAll(r.AOFDir, 0o700); err != nil {
			return err
		}
		persistence = []string{"--appendonly", "yes", "--appendfsync", "everysec", "--dir", r.AOFDir}
	}
	cmd := exec.Command("redis-server", append([]string{
		"--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1",
		"--save", "", "--daemonize", "no", "--loglevel", "warning"}, persistence...)...)
	// Killed with the process that started it, whatever happens to that.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	r.cmd, r.done = cmd, make(chan struct{})
	done := r.done
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		select {
		case <-done:
			r.cmd = nil
			return fmt.Errorf("redis-server on port %d exited at start: %s", r.Port, r.tail())
		default:
		}
		if PingRedis(r.Addr()) == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.Kill()
	return fmt.Errorf("redis-server on port %d did not answer PING within 10s: %s", r.Port, r.tail())
}

// tail is the end of the server's output, to explain a failure.
func (r *Redis) tail() string {
	raw := r.out.Bytes()
	if r.Log != "" {
		raw, _ = os.ReadFile(r.Log)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if s := strings.Join(lines[max(0, len(lines)-10):], "\n"); s != "" {
		return "\n" + s
	}
	return "(no output)"
}

// Kill sends SIGKILL and waits for the process to go; Start brings the
// server back, empty.
func (r *Redis) Kill() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	<-r.done
	r.cmd = nil
}

// Pause stops the server without closing its connections, as a hung
// process or a lost network does: commands wait for their timeouts.
// Resume lets it go on.
func (r *Redis) Pause() {
	if r.cmd != nil {
		_ = r.cmd.Process.Signal(syscall.SIGSTOP)
	}
}

// Resume undoes Pause.
func (r *Redis) Resume() {
	if r.cmd != nil {
		_ = r.cmd.Process.Signal(syscall.SIGCONT)
	}
}

// PingRedis sends PING to the Redis at addr and wants PONG.
func PingRedis(addr string) error {
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

// RedisCLI runs redis-cli against the server on port and returns its output.
func RedisCLI(port int, args ...string) (string, error) {
	out, err := exec.Command("redis-cli", append([]string{"-p", strconv.Itoa(port)}, args...)...).CombinedOutput()
	return string(out), err
}

// RedisServer is a Redis owned by one test. It can be stopped and started
// again on the same port to test how clients survive an outage.
type RedisServer struct {
	*Redis
	t TB
}

// StartRedis starts a private redis-server on a free loopback port, without
// persistence, and stops it when the test ends.
func StartRedis(t TB) *RedisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		Unavailable(t, redisMissing)
	}
	s := &RedisServer{Redis: &Redis{Port: FreePort(t)}, t: t}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start (re)starts the server on its port and waits until it answers; a
// server that does not come up fails the test.
func (s *RedisServer) Start() {
	s.t.Helper()
	if err := s.Redis.Start(context.Background()); err != nil {
		s.t.Fatalf("%v", err)
	}
}

// Stop kills the server; Start brings it back, empty.
func (s *RedisServer) Stop() { s.Kill() }

// RedisURL returns the URL of a Redis server for the test: the one named by
// PASSERELLE_TEST_REDIS_URL, or a private one started for this test.
// Tests sharing a server must use distinct keys.
func RedisURL(t TB) string {
	t.Helper()
	if u := os.Getenv(RedisURLEnv); u != "" {
		return u
	}
	return StartRedis(t).URL()
}
