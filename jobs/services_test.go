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

func waitListening(t *testing.T, addr string, out *bytes.Buffer) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not come up: %v\n%s", addr, err, out)
		}
	}
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
		ports[i], busPorts[i] = testenv.FreePort(t), testenv.FreePort(t)
		cmd := exec.Command("redis-server",
			"--port", strconv.Itoa(ports[i]), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(busPorts[i]),
			"--cluster-config-file", "nodes-"+strconv.Itoa(ports[i])+".conf", "--dir", dir,
			"--save", "", "--appendonly", "no", "--loglevel", "warning")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server in cluster mode: %v", err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		addrs[i] = "127.0.0.1:" + strconv.Itoa(ports[i])
		waitListening(t, addrs[i], &out)
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
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
}

func startAOFRedis(t *testing.T) *aofRedis {
	t.Helper()
	needRedisBinaries(t)
	r := &aofRedis{t: t, port: testenv.FreePort(t), dir: t.TempDir()}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *aofRedis) url() string { return "redis://127.0.0.1:" + strconv.Itoa(r.port) + "/0" }

func (r *aofRedis) start() {
	r.t.Helper()
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "yes", "--appendfsync", "always", "--dir", r.dir, "--loglevel", "warning")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	r.cmd = cmd
	waitListening(r.t, "127.0.0.1:"+strconv.Itoa(r.port), &out)
}

// stop kills the server, as a crash does.
func (r *aofRedis) stop() {
	if r.cmd != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		r.cmd = nil
	}
}
