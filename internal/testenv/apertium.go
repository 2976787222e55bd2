package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ModesDir is where Debian's Apertium language pairs install their modes.
const ModesDir = "/usr/share/apertium/modes"

// apertiumMissing says what to install when apertium-apy is not on PATH.
const apertiumMissing = "apertium-apy is not on PATH (Debian: apt-get install apertium-apy apertium-fr-es apertium-eng-spa, or run `make test`)"

// RunApertium starts an Apertium APy server serving the language pairs of
// modes on a free loopback port and returns its base URL once it answers
// /listPairs (within 60s, the time APy takes to load its pairs on a busy
// machine), with the function that stops it. It dies with the calling
// process anyway.
func RunApertium(ctx context.Context, modes string) (url string, stop func(), err error) {
	if _, err := exec.LookPath("apertium-apy"); err != nil {
		return "", nil, errors.New(apertiumMissing)
	}
	port, err := LoopbackPort()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command("apertium-apy", "-p", strconv.Itoa(port), modes)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start apertium-apy: %w", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	stop = func() {
		_ = cmd.Process.Kill()
		<-done
	}
	url = fmt.Sprintf("http://127.0.0.1:%d", port)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	for ctx.Err() == nil {
		select {
		case <-done:
			return "", nil, fmt.Errorf("apertium-apy exited at start:\n%s", out.String())
		default:
		}
		resp, err := client.Get(url + "/listPairs")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url, stop, nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	stop()
	return "", nil, fmt.Errorf("apertium-apy did not answer on %s: %v\n%s", url, ctx.Err(), out.String())
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
func ApertiumURL(t TB) string {
	t.Helper()
	if u := os.Getenv(ApertiumURLEnv); u != "" {
		return u
	}
	if _, err := exec.LookPath("apertium-apy"); err != nil {
		Unavailable(t, apertiumMissing)
	}
	apertium.once.Do(func() {
		apertium.url, _, apertium.err = RunApertium(context.Background(), ModesDir)
	})
	if apertium.err != nil {
		t.Fatalf("%v", apertium.err)
	}
	return apertium.url
}
