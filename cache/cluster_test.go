package cache

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"passerelle/internal/testenv"
)

// startRedisCluster starts a two-node Redis Cluster on loopback, each node
// owning half of the hash slots, and returns the nodes' addresses. Two nodes
// are enough for what the cache must get right: keys of one GetMany that live
// in different slots and on different nodes.
func startRedisCluster(t *testing.T) []string {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		testenv.Unavailable(t, "redis-server is not on PATH (Debian: apt-get install redis-server, or run `make test`)")
	}
	dir := t.TempDir()
	addrs := make([]string, 2)
	busPorts := make([]int, 2)
	for i := range addrs {
		port, busPort := testenv.FreePort(t), testenv.FreePort(t)
		cmd := exec.Command("redis-server",
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(busPort),
			"--cluster-config-file", "nodes-"+strconv.Itoa(port)+".conf", "--dir", dir,
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
		addrs[i] = "127.0.0.1:" + strconv.Itoa(port)
		busPorts[i] = busPort
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	nodes := make([]*redis.Client, len(addrs))
	for i, a := range addrs {
		nodes[i] = redis.NewClient(&redis.Options{Addr: a})
		defer nodes[i].Close()
		waitFor(ctx, t, "node "+a+" answers", func() error { return nodes[i].Ping(ctx).Err() })
	}
	slots := [][2]int{{0, 8191}, {8192, 16383}}
	for i, n := range nodes {
		if err := n.ClusterAddSlotsRange(ctx, slots[i][0], slots[i][1]).Err(); err != nil {
			t.Fatalf("CLUSTER ADDSLOTSRANGE on %s: %v", addrs[i], err)
		}
	}
	host, port, _ := strings.Cut(addrs[1], ":")
	// The bus port must be named: it is not the default of port+10000 here.
	if err := nodes[0].Do(ctx, "cluster", "meet", host, port, busPorts[1]).Err(); err != nil {
		t.Fatalf("CLUSTER MEET: %v", err)
	}
	for i, n := range nodes {
		waitFor(ctx, t, "cluster state ok on "+addrs[i], func() error {
			info, err := n.ClusterInfo(ctx).Result()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:2") {
				return errNotYet
			}
			return nil
		})
	}
	return addrs
}

var errNotYet = errors.New("not ready yet")

func TestRedisCluster(t *testing.T) {
	addrs := startRedisCluster(t)
	testStore(t, func(t *testing.T) Store {
		r := newTestRedis(t, RedisOptions{Addrs: addrs, DefaultTTL: time.Minute})
		if !r.cluster {
			t.Fatalf("NewRedis with %d addresses did not build a Cluster client", len(addrs))
		}
		return r
	})
}

// TestRedisClusterNeedsPipeline shows why GetMany does not MGET on a Cluster:
// the keys of one article hash to different slots, which MGET refuses.
func TestRedisClusterNeedsPipeline(t *testing.T) {
	addrs := startRedisCluster(t)
	r := newTestRedis(t, RedisOptions{Addrs: addrs, DefaultTTL: time.Minute})
	key := testKeys(t)
	keys := []string{key("p1"), key("p2"), key("p3"), key("p4")}
	err := r.client.MGet(t.Context(), keys...).Err()
	if err == nil || !strings.Contains(err.Error(), "CROSSSLOT") {
		t.Fatalf("MGET across slots on the Cluster: error = %v, want CROSSSLOT (else the keys share a slot and the test proves nothing)", err)
	}
	for _, k := range keys {
		mustSet(t, r, k, []byte(k), time.Minute)
	}
	got, err := r.GetMany(t.Context(), keys)
	if err != nil {
		t.Fatalf("GetMany on the Cluster: %v", err)
	}
	assertValues(t, got, [][]byte{[]byte(keys[0]), []byte(keys[1]), []byte(keys[2]), []byte(keys[3])})
}
