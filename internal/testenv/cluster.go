package testenv

import (
	"bytes"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// StartRedisCluster starts a two-node Redis Cluster on loopback, each node
// owning half of the hash slots, stops it when the test ends, and returns
// the nodes' addresses: enough for what must hold on a cluster, that the
// keys one command or script touches share a slot.
func StartRedisCluster(t testing.TB) []string {
	t.Helper()
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			Unavailable(t, "%s is not on PATH (Debian: apt-get install redis-server, or run `make test`)", bin)
		}
	}
	dir := t.TempDir()
	ports := make([]int, 2)
	busPorts := make([]int, 2)
	addrs := make([]string, 2)
	for i := range ports {
		ports[i], busPorts[i] = FreePort(t), FreePort(t)
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
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
		addrs[i] = "127.0.0.1:" + strconv.Itoa(ports[i])
		if err := waitTCP(addrs[i], 5*time.Second); err != nil {
			t.Fatalf("redis-server on port %d did not come up: %v\n%s", ports[i], err, out.String())
		}
	}
	cli := func(port int, args ...string) {
		t.Helper()
		if out, err := RedisCLI(port, args...); err != nil || !strings.Contains(out, "OK") {
			t.Fatalf("redis-cli %v: %v %s", args, err, out)
		}
	}
	cli(ports[0], "cluster", "addslotsrange", "0", "8191")
	cli(ports[1], "cluster", "addslotsrange", "8192", "16383")
	// The bus port must be named: it is not the default of port+10000 here.
	cli(ports[0], "cluster", "meet", "127.0.0.1", strconv.Itoa(ports[1]), strconv.Itoa(busPorts[1]))
	for _, port := range ports {
		deadline := time.Now().Add(20 * time.Second)
		for {
			info, _ := RedisCLI(port, "cluster", "info")
			if strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:2") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the cluster is not ready on port %d after 20s: %s", port, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return addrs
}
