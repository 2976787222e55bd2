package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

// gatewayBinary is one gateway process started from the built binary, so
// that a test can send it signals as a supervisor does.
type gatewayBinary struct {
	url    string
	cmd    *exec.Cmd
	logs   *syncBuffer
	exited chan time.Time // receives once, when the process has exited
}

// startBinary starts the gateway with env added to the test's environment
// and waits until it answers /healthz. The process is interrupted, then
// killed, when the test ends.
func startBinary(t *testing.T, env []string) *gatewayBinary {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	port := testenv.FreePort(t)
	g := &gatewayBinary{url: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: exec.Command(bin), logs: &syncBuffer{}, exited: make(chan time.Time, 1)}
	g.cmd.Env = append(os.Environ(), append(env, fmt.Sprintf("PASSERELLE_ADDR=127.0.0.1:%d", port))...)
	g.cmd.Stdout, g.cmd.Stderr = g.logs, g.logs
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = g.cmd.Wait(); g.exited <- time.Now(); close(done) }()
	t.Cleanup(func() {
		_ = g.cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = g.cmd.Process.Kill()
			<-done
		}
	})
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(g.url + "/healthz"); err == nil {
			resp.Body.Close()
			return g
		}
	}
	t.Fatalf("gateway process did not start:\n%s", g.logs)
	return nil
}

// startBinaryWithConfig starts the gateway with config as its file.
func startBinaryWithConfig(t *testing.T, config string) *gatewayBinary {
	t.Helper()
	cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return startBinary(t, []string{"PASSERELLE_CONFIG=" + cfgPath})
}

// exitedBy waits for the process to exit, at most d, and returns when.
func (g *gatewayBinary) exitedBy(t *testing.T, d time.Duration) time.Time {
	t.Helper()
	select {
	case at := <-g.exited:
		if code := g.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("the gateway exited with %d:\n%s", code, g.logs)
		}
		return at
	case <-time.After(d):
		t.Fatalf("the gateway had not exited %s after SIGTERM:\n%s", d, g.logs)
	}
	return time.Time{}
}
