package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"passerelle/config"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

// gatewayProcess is one run of the gateway, as `make run` starts it, serving
// on a free loopback port until stopped.
type gatewayProcess struct {
	url  string
	stop func() error
	logs *syncBuffer
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startGateway(t *testing.T, env map[string]string) *gatewayProcess {
	t.Helper()
	env["PASSERELLE_ADDR"] = "127.0.0.1:0"
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	logs := &syncBuffer{}
	go func() { done <- run(ctx, getenv, logs, func(a net.Addr) { addr <- a }) }()
	select {
	case a := <-addr:
		p := &gatewayProcess{url: "http://" + a.String(), logs: logs}
		var once sync.Once
		var stopErr error
		p.stop = func() error {
			once.Do(func() { cancel(); stopErr = <-done })
			return stopErr
		}
		t.Cleanup(func() { _ = p.stop() })
		return p
	case err := <-done:
		cancel()
		t.Fatalf("gateway did not start: %v\n%s", err, logs)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatalf("gateway did not start within 20s\n%s", logs)
	}
	return nil
}

type articleReply struct {
	Translation struct {
		Title      string   `json:"title"`
		Paragraphs []string `json:"paragraphs"`
		Text       string   `json:"text"`
	} `json:"translation"`
	Summary struct {
		Text string `json:"text"`
	} `json:"summary"`
	Provider map[string]string `json:"provider"`
	Cache    struct {
		Status             string `json:"status"`
		SegmentsCached     int    `json:"segments_cached"`
		SegmentsTranslated int    `json:"segments_translated"`
	} `json:"cache"`
}

func postArticle(t *testing.T, url, text string) (articleReply, string) {
	t.Helper()
	status, header, raw := postRaw(t, url, text)
	if status != http.StatusOK {
		t.Fatalf("POST /v1/articles = %d: %s", status, raw)
	}
	var reply articleReply
	if err := json.Unmarshal(raw, &reply); err != nil {
		t.Fatalf("reply is not JSON: %v: %s", err, raw)
	}
	return reply, header.Get("X-Cache")
}

// postRaw sends text to the gateway's /v1/articles and returns the reply
// whatever its status.
func postRaw(t *testing.T, url, text string) (int, http.Header, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"text": text})
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/articles", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return roundTrip(t, req)
}

// roundTrip sends req and returns the status, headers and body of the reply.
func roundTrip(t *testing.T, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, resp.Header, b.Bytes()
}

// TestSeedArticleEndToEnd runs the gateway as `make run` does, against a real
// Apertium engine and a real Redis, and follows the seed article through the
// cache: miss, hit, hit again from a fresh process, partial after an edit.
func TestSeedArticleEndToEnd(t *testing.T) {
	seed, err := os.ReadFile("../../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		t.Fatal(err)
	}
	// Generous cache timeouts: this test checks what is cached, not how
	// fast, and a loaded machine must not turn a slow write into a miss.
	cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
	if err := os.WriteFile(cfgPath, []byte("cache: {operation_timeout: 5s, redis: {read_timeout: 3s, write_timeout: 3s, dial_timeout: 3s}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"PASSERELLE_CONFIG": cfgPath,
		// A Redis of its own: the counts of misses below are of an empty
		// cache, which a shared one that ran this test before is not.
		"REDIS_URL":    testenv.StartRedis(t).URL(),
		"APERTIUM_URL": testenv.ApertiumURL(t),
	}
	text := string(seed)

	gw := startGateway(t, env)
	first, xcache := postArticle(t, gw.url, text)
	if first.Cache.Status != "miss" || xcache != "MISS" {
		t.Errorf("first: status %q, X-Cache %q; want miss", first.Cache.Status, xcache)
	}
	if got := len(first.Translation.Paragraphs); got != 6 {
		t.Fatalf("paragraphs = %d, want 6 (boilerplate dropped): %q", got, first.Translation.Paragraphs)
	}
	if first.Provider["translation"] != "apertium" || first.Provider["summary"] != "extractive" {
		t.Errorf("providers = %v, want apertium and extractive", first.Provider)
	}
	for i, p := range first.Translation.Paragraphs {
		if strings.Contains(p, "commentaires") || strings.Contains(p, "cookies") {
			t.Errorf("paragraph %d is boilerplate: %q", i, p)
		}
	}
	english := strings.ToLower(first.Translation.Text)
	for _, word := range []string{"the", "president", "russian", "summit", "vladimir putin", "pyongyang"} {
		if !strings.Contains(english, word) {
			t.Errorf("translation lacks %q: %s", word, first.Translation.Text)
		}
	}
	if first.Translation.Title == "" || first.Summary.Text == "" {
		t.Errorf("title %q, summary %q: want both", first.Translation.Title, first.Summary.Text)
	}
	if !strings.Contains(first.Translation.Text, first.Summary.Text[:20]) {
		t.Errorf("the extractive summary %q is not drawn from the translation", first.Summary.Text)
	}

	second, xcache := postArticle(t, gw.url, text)
	if second.Cache.Status != "hit" || xcache != "HIT" {
		t.Errorf("second: status %q, X-Cache %q; want hit", second.Cache.Status, xcache)
	}
	if second.Translation.Text != first.Translation.Text || second.Summary.Text != first.Summary.Text {
		t.Errorf("the hit differs from the miss")
	}
	metrics := get(t, gw.url+"/metrics")
	// The repeat is answered by the reply kept after the first, or by the
	// document entry when that reply's write had not landed yet: one hit.
	if hits := metricValue(metrics, `passerelle_cache_lookups_total{level="reply",result="hit"}`) +
		metricValue(metrics, `passerelle_cache_lookups_total{level="document",result="hit"}`); hits != 1 {
		t.Errorf("reply and document hits = %v, want 1:\n%s", hits, metrics)
	}
	for _, want := range []string{
		`passerelle_cache_lookups_total{level="segment",result="miss"} 7`,
		`passerelle_provider_calls_total{outcome="ok",provider="apertium",task="translate"} 1`,
		`passerelle_http_requests_total{code="200",route="/v1/articles"} 2`,
		`passerelle_provider_breaker_state{provider="apertium",state="closed"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if err := gw.stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}

	// A fresh gateway on the same Redis, with Apertium out of reach: the
	// answer can only come from the cache.
	env["APERTIUM_URL"] = "http://127.0.0.1:1"
	fresh := startGateway(t, env)
	third, xcache := postArticle(t, fresh.url, text)
	if third.Cache.Status != "hit" || xcache != "HIT" {
		t.Errorf("fresh process: status %q, X-Cache %q; want hit", third.Cache.Status, xcache)
	}
	if err := fresh.stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}

	env["APERTIUM_URL"] = testenv.ApertiumURL(t)
	again := startGateway(t, env)
	edited := strings.Replace(text, "Aucun communiqué ni aucun accord ne sont prévus", "Aucun communiqué commun ni aucun accord ne sont prévus", 1)
	fourth, xcache := postArticle(t, again.url, edited)
	if fourth.Cache.Status != "partial" || xcache != "PARTIAL" || fourth.Cache.SegmentsTranslated != 1 {
		t.Errorf("edited: cache %+v, X-Cache %q; want partial with 1 segment translated", fourth.Cache, xcache)
	}
	if fourth.Translation.Paragraphs[2] == first.Translation.Paragraphs[2] {
		t.Errorf("the edited paragraph was not translated again: %q", fourth.Translation.Paragraphs[2])
	}
	if fourth.Translation.Paragraphs[0] != first.Translation.Paragraphs[0] {
		t.Errorf("an unedited paragraph changed")
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return b.String()
}

func TestStartFailsWithAClearMessage(t *testing.T) {
	env := map[string]string{"PASSERELLE_CONFIG": "does-not-exist.yaml"}
	err := run(context.Background(), func(k string) string { return env[k] }, &syncBuffer{}, nil)
	if err == nil || !strings.Contains(err.Error(), "does-not-exist.yaml") {
		t.Errorf("err = %v, want one naming the missing file", err)
	}
}

func TestDrainAnswersUnreadyBeforeClosing(t *testing.T) {
	cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
	if err := os.WriteFile(cfgPath, []byte("server: {drain_delay: 1s}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := startGateway(t, map[string]string{"PASSERELLE_CONFIG": cfgPath, "APERTIUM_URL": "http://127.0.0.1:1"})
	stopped := make(chan error, 1)
	go func() { stopped <- gw.stop() }()
	deadline := time.Now().Add(900 * time.Millisecond)
	sawDraining := false
	for time.Now().Before(deadline) && !sawDraining {
		if resp, err := http.Get(gw.url + "/readyz"); err == nil {
			sawDraining = resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(get(t, gw.url+"/readyz"), "shutting down")
			resp.Body.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !sawDraining {
		t.Errorf("/readyz never said the gateway was shutting down during the drain")
	}
	if err := <-stopped; err != nil {
		t.Errorf("stop: %v", err)
	}
}

// metricValue returns the value of the sample named exactly series in a
// Prometheus text exposition, 0 when absent.
func metricValue(exposition, series string) float64 {
	for _, line := range strings.Split(exposition, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return f
			}
		}
	}
	return 0
}

// TestMaxProcs: server.gomaxprocs is applied unless the GOMAXPROCS variable
// holds a value the runtime has applied already.
func TestMaxProcs(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "GOMAXPROCS" {
				return v
			}
			return ""
		}
	}
	for _, tt := range []struct {
		configured int
		variable   string
		want       int
	}{
		{0, "", 0},
		{1, "", 1},
		{3, "", 3},
		{1, "2", 0},
		{0, "2", 0},
		// Values the runtime ignores leave the setting in force.
		{1, "0", 1},
		{1, "abc", 1},
		{1, "-3", 1},
	} {
		if got := maxProcs(config.Server{GoMaxProcs: tt.configured}, env(tt.variable)); got != tt.want {
			t.Errorf("maxProcs(gomaxprocs %d, GOMAXPROCS=%q) = %d, want %d", tt.configured, tt.variable, got, tt.want)
		}
	}
}
