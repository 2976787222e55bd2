// Package testenv gives tests the real services they talk to: a Redis server
// and an Apertium APy server on loopback.
//
// A service named by an environment variable (set by `make test`) is used as is;
// otherwise the package starts its own from the binary on PATH. When neither is
// possible the test is skipped with a message saying what to install, except
// under CI=true, where a missing service fails the test: CI must never pass
// by skipping what it was meant to check.
package testenv

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Environment variables that point tests at services started elsewhere.
const (
	RedisURLEnv    = "PASSERELLE_TEST_REDIS_URL"
	ApertiumURLEnv = "PASSERELLE_TEST_APERTIUM_URL"
)

// Unavailable stops the test because a service it needs is absent: a skip on a
// developer's machine, a failure under CI=true.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("required service unavailable under CI: %s", msg)
	}
	t.Skipf("skipped: %s", msg)
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// RedisServer is a redis-server process owned by one test. It can be stopped
// and started again on the same port to test how clients survive an outage.
type RedisServer struct {
	t    testing.TB
	Port int
	cmd  *exec.Cmd
}

// URL is the redis:// URL of the server.
func (s *RedisServer) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.Port) }

// Addr is the host:port of the server.
func (s *RedisServer) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

// StartRedis starts a private redis-server on a free loopback port, without
// persistence, and stops it when the test ends.
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		Unavailable(t, "redis-server is not on PATH (Debian: apt-get install redis-server, or run `make test`)")
	}
	s := &RedisServer{t: t, Port: FreePort(t)}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start (re)starts the server on its port and waits until it accepts connections.
func (s *RedisServer) Start() {
	s.t.Helper()
	if s.cmd != nil {
		return
	}
	cmd := exec.Command("redis-server",
		"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	s.cmd = cmd
	if err := waitTCP(s.Addr(), 5*time.Second); err != nil {
		s.Stop()
		s.t.Fatalf("redis-server on port %d did not come up: %v\n%s", s.Port, err, out.String())
	}
}

// Stop kills the server; Start brings it back, empty.
func (s *RedisServer) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Pause stops the server without closing its connections, as a hung
// process or a lost network does: commands wait for their timeouts.
// Resume lets it go on.
func (s *RedisServer) Pause() {
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(syscall.SIGSTOP)
	}
}

// Resume undoes Pause.
func (s *RedisServer) Resume() {
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(syscall.SIGCONT)
	}
}

// RedisURL returns the URL of a Redis server for the test: the one named by
// PASSERELLE_TEST_REDIS_URL, or a private one started for this test.
// Tests sharing a server must use distinct keys.
func RedisURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(RedisURLEnv); u != "" {
		return u
	}
	return StartRedis(t).URL()
}

var apertium struct {
	once sync.Once
	url  string
	err  error
}

// ApertiumURL returns the base URL of an Apertium APy server that translates
// French to English through Spanish: the one named by
// PASSERELLE_TEST_APERTIUM_URL, or one started once for this test binary (it
// dies with the binary).
func ApertiumURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(ApertiumURLEnv); u != "" {
		return u
	}
	if _, err := exec.LookPath("apertium-apy"); err != nil {
		Unavailable(t, "apertium-apy is not on PATH (Debian: apt-get install apertium-apy apertium-fr-es apertium-eng-spa, or run `make test`)")
	}
	apertium.once.Do(func() { apertium.url, apertium.err = startApertium() })
	if apertium.err != nil {
		t.Fatalf("start apertium-apy: %v", apertium.err)
	}
	return apertium.url
}

// ModesDir is where Debian's Apertium language pairs install their modes.
const ModesDir = "/usr/share/apertium/modes"

func startApertium() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command("apertium-apy", "-p", strconv.Itoa(port), ModesDir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	go func() { _ = cmd.Wait() }()
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		resp, err := http.Get(url + "/listPairs")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url, nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	return "", fmt.Errorf("no answer on %s after 30s:\n%s", url, out.String())
}

func waitTCP(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// RedisCLI runs redis-cli against the server on port and returns its output.
func RedisCLI(port int, args ...string) (string, error) {
	out, err := exec.Command("redis-cli", append([]string{"-p", strconv.Itoa(port)}, args...)...).CombinedOutput()
	return string(out), err
}
