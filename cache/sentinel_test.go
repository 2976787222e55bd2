package cache

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"passerelle/internal/testenv"
)

// startSentinel starts a Redis master and one Sentinel watching it under
// masterName, and returns the Sentinel's address.
func startSentinel(t *testing.T, masterName string) string {
	t.Helper()
	master := testenv.StartRedis(t)
	port := testenv.FreePort(t)
	// Sentinel rewrites its configuration file, so it needs one of its own.
	conf := filepath.Join(t.TempDir(), "sentinel.conf")
	body := fmt.Sprintf("port %d\nbind 127.0.0.1\nsentinel monitor %s 127.0.0.1 %d 1\n", port, masterName, master.Port)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatalf("write sentinel config: %v", err)
	}
	cmd := exec.Command("redis-server", conf, "--sentinel", "--loglevel", "warning")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis sentinel: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	sentinel := redis.NewSentinelClient(&redis.Options{Addr: addr})
	defer sentinel.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	waitFor(ctx, t, "sentinel "+addr+" to know "+masterName, func() error {
		return sentinel.GetMasterAddrByName(ctx, masterName).Err()
	})
	return addr
}

func TestRedisSentinel(t *testing.T) {
	sentinel := startSentinel(t, "passerelle")
	testStore(t, func(t *testing.T) Store {
		r := newTestRedis(t, RedisOptions{Addrs: []string{sentinel}, MasterName: "passerelle", DefaultTTL: time.Minute})
		if r.cluster {
			t.Fatalf("NewRedis with MasterName built a Cluster client")
		}
		return r
	})
}
