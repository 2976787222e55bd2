package jobs

import (
	"bytes"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

// The servers of the tests that need more than the shared Redis: a
// cluster, and a server that keeps its writes across a restart.

func needRedisBinaries(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			testenv.Unavailable(t, "%s is not on PATH (Debian: apt-get install redis-server, or run `make test`)", bin)
		}
	}
}

// startClusterNode starts one redis-server in cluster mode on free
// loopback ports and returns its port. A port found free may be taken by
// another test's server before this one binds it: the node is then
// started again on other ports, up to three times.
func startClusterNode(t *testing.T, dir string) (port, busPort int) {
	t.Helper()
	var out bytes.Buffer
	for range 3 {
		port, busPort = testenv.FreePort(t), testenv.FreePort(t)
		cmd := exec.Command("redis-server",
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(busPort),
			"--cluster-config-file", "nodes-"+strconv.Itoa(port)+".conf", "--dir", dir,
			"--save", "", "--appendonly", "no", "--loglevel", "warning")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		out.Reset()
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server in cluster mode: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		if listening(port, exited) {
			t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
			return port, busPort
		}
		// The output is read only once the process is gone: until then
		// its copying goroutine writes it.
		_ = cmd.Process.Kill()
		<-exited
	}
	t.Fatalf("redis-server in cluster mode did not come up on three tries:\n%s", out.String())
	return 0, 0
}

// listening waits up to 5s for a server on port, and reports whether it
// answers before it exits.
func listening(port int, exited <-chan struct{}) bool {
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-exited:
			return false
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return true
		}
	}
	return false
}

// startRedisCluster starts a two-node Redis Cluster on loopback, each node
// owning half of the hash slots, and returns the nodes' addresses: enough
// for what must hold on a cluster, that the keys one command or script
// touches share a slot.
func startRedisCluster(t *testing.T) []string {
	t.Helper()
	needRedisBinaries(t)
	dir := t.TempDir()
	ports, busPorts, addrs := make([]int, 2), make([]int, 2), make([]string, 2)
	for i := range ports {
		ports[i], busPorts[i] = startClusterNode(t, dir)
		addrs[i] = "127.0.0.1:" + strconv.Itoa(ports[i])
	}
	cli := func(port int, args ...string) {
		t.Helper()
		if out, err := testenv.RedisCLI(port, args...); err != nil || !strings.Contains(out, "OK") {
			t.Fatalf("redis-cli %v: %v %s", args, err, out)
		}
	}
	cli(ports[0], "cluster", "addslotsrange", "0", "8191")
	cli(ports[1], "cluster", "addslotsrange", "8192", "16383")
	// The bus port must be named: it is not the default of port+10000 here.
	cli(ports[0], "cluster", "meet", "127.0.0.1", strconv.Itoa(ports[1]), strconv.Itoa(busPorts[1]))
	for _, port := range ports {
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			info, _ := testenv.RedisCLI(port, "cluster", "info")
			if strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:2") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the cluster is not ready on port %d after 20s: %s", port, info)
			}
		}
	}
	return addrs
}

// aofRedis is a redis-server with its append-only file on, fsynced at
// every write, as scripts/services.sh runs it: stop then start is a restart
// that loses nothing.
type aofRedis struct {
	t      *testing.T
	port   int
	dir    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// startAOFRedis starts the server on a free port, trying other ports when
// the one found free was taken before the server bound it.
func startAOFRedis(t *testing.T) *aofRedis {
	t.Helper()
	needRedisBinaries(t)
	r := &aofRedis{t: t, dir: t.TempDir()}
	t.Cleanup(r.stop)
	for range 3 {
		r.port = testenv.FreePort(t)
		if out, ok := r.tryStart(); ok {
			return r
		} else if !strings.Contains(out, "Address already in use") {
			t.Fatalf("redis-server on port %d did not come up:\n%s", r.port, out)
		}
	}
	t.Fatalf("redis-server found no free port in three tries")
	return nil
}

func (r *aofRedis) url() string { return "redis://127.0.0.1:" + strconv.Itoa(r.port) + "/0" }

// start starts the server again on its port.
func (r *aofRedis) start() {
	r.t.Helper()
	if out, ok := r.tryStart(); !ok {
		r.t.Fatalf("redis-server on port %d did not come up:\n%s", r.port, out)
	}
}

// tryStart starts the server and reports whether it listens; when it does
// not, it returns the server's output.
func (r *aofRedis) tryStart() (string, bool) {
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "yes", "--appendfsync", "always", "--dir", r.dir, "--loglevel", "warning")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err.Error(), false
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	if listening(r.port, exited) {
		r.cmd, r.exited = cmd, exited
		return "", true
	}
	// The output is read only once the process is gone.
	_ = cmd.Process.Kill()
	<-exited
	return out.String(), false
}

// stop kills the server, as a crash does.
func (r *aofRedis) stop() {
	if r.cmd != nil {
		_ = r.cmd.Process.Kill()
		<-r.exited
		r.cmd = nil
	}
}
