package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

// binaryEnv names a gateway binary built from this working tree before the
// tests (scripts/test.sh builds it while the services start); without it,
// buildBinary builds one.
const binaryEnv = "PASSERELLE_TEST_BINARY"

// builtDir is the folder of the binary buildBinary built, removed by TestMain.
var builtDir string

// buildBinary builds this command once per test binary, for tests that need
// real separate processes.
var buildBinary = sync.OnceValues(func() (string, error) {
	if bin := os.Getenv(binaryEnv); bin != "" {
		return bin, nil
	}
	dir, err := os.MkdirTemp("", "passerelle-bin-")
	if err != nil {
		return "", err
	}
	builtDir = dir
	bin := filepath.Join(dir, "passerelle")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		_ = os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

// startProcess runs the gateway binary with env and waits for /healthz.
func startProcess(t *testing.T, env []string) string {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	port := testenv.FreePort(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), append(env, fmt.Sprintf("PASSERELLE_ADDR=127.0.0.1:%d", port))...)
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			return url
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("gateway process did not start:\n%s", logs.String())
	return ""
}

// TestOneProviderCallAcrossReplicas sends 100 identical articles at once,
// spread over two gateway processes sharing one Redis: the provider must be
// called exactly once.
func TestOneProviderCallAcrossReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	upstream := newChatUpstream(t, "llm")
	upstream.setPolicy(func(int64) fault { time.Sleep(300 * time.Millisecond); return faultNone })
	cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
	cfg := fmt.Sprintf(`translation: {provider: llm}
summarization: {provider: extractive}
providers:
  llm: {type: openai, base_url: %q, api_key: sk-test, model: test-model, timeout: 10s}
  extractive: {type: extractive}
`, upstream.url())
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"PASSERELLE_CONFIG=" + cfgPath, "REDIS_URL=" + testenv.StartRedis(t).URL()}
	replicas := []string{startProcess(t, env), startProcess(t, env)}

	// Short paragraphs: the stand-in "translates" by prefixing, which the
	// language check would refuse on longer French text.
	body, _ := json.Marshal(map[string]string{"text": fmt.Sprintf("Sommet numéro %d.\n\nDeux dirigeants à Vladivostok.", time.Now().UnixNano())})
	var wg sync.WaitGroup
	statuses := make([]int, 100)
	xcache := map[string]int{}
	var mu sync.Mutex
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := http.Post(replicas[i%2]+"/v1/translate", "application/json", bytes.NewReader(body))
			if err != nil {
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
			mu.Lock()
			xcache[resp.Header.Get("X-Cache")]++
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	for i, st := range statuses {
		if st != http.StatusOK {
			t.Errorf("request %d: status %d", i, st)
		}
	}
	t.Logf("100 identical requests over 2 processes: provider calls %d, X-Cache %v", upstream.calls.Load(), xcache)
	if got := upstream.calls.Load(); got != 1 {
		t.Errorf("provider calls = %d, want exactly 1", got)
	}
}
