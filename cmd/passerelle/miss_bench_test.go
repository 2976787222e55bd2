package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"passerelle/article"
	"passerelle/internal/testenv"
)

// englishStandIn is an OpenAI-compatible chat completions server that
// answers at once with a faithful English translation of each segment of
// the seed article, tagged as the segment was ("… (12)"), so that the output
// checks pass as they would for a good model. It keeps the first request
// body it is sent, for the direct measure.
type englishStandIn struct {
	english map[string]string // French segment, as the gateway sends it → English
	mu      sync.Mutex
	first   []byte
}

func newEnglishStandIn(b *testing.B) *englishStandIn {
	b.Helper()
	fr, err := os.ReadFile("../../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		b.Fatal(err)
	}
	en, err := os.ReadFile("../../testdata/poutine-kim-vladivostok.en.txt")
	if err != nil {
		b.Fatal(err)
	}
	doc := article.Parse("", string(fr))
	segments := append([]string{doc.Title}, doc.Paragraphs...)
	english := strings.Split(strings.TrimSpace(string(en)), "\n\n")
	if len(segments) != len(english) {
		b.Fatalf("the seed has %d segments, its translation %d", len(segments), len(english))
	}
	s := &englishStandIn{english: map[string]string{}}
	for i, seg := range segments {
		s.english[seg] = english[i]
	}
	return s
}

func (s *englishStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	if s.first == nil {
		s.first = body
	}
	s.mu.Unlock()
	req, err := testenv.DecodeChat(body)
	if err != nil {
		testenv.WriteOpenAIError(w, http.StatusBadRequest, "invalid_request_error", "invalid_body", "not a translation request")
		return
	}
	segments, err := req.Segments()
	if err != nil {
		testenv.WriteOpenAIError(w, http.StatusBadRequest, "invalid_request_error", "invalid_body", "not a translation request")
		return
	}
	out := make([]string, len(segments))
	for i, seg := range segments {
		base, tag := seg, ""
		if j := strings.LastIndex(seg, " ("); j >= 0 {
			base, tag = seg[:j], seg[j:]
		}
		en, ok := s.english[base]
		if !ok {
			testenv.WriteOpenAIError(w, http.StatusBadRequest, "invalid_request_error", "unknown_segment", "not a segment of the seed: "+seg)
			return
		}
		out[i] = en + tag
	}
	_ = testenv.WriteCompletion(w, "chatcmpl-bench", req.Model, testenv.TranslationsContent(out), testenv.Usage{})
}

// BenchmarkMissPath is POST /v1/translate of a new article through the
// gateway as it runs in production (configuration, auth, metrics, a JSON
// access log line, a real Redis, the OpenAI client) to a stand-in that
// answers at once, one request at a time: the miss floor of tools/bench. Each
// request is a distinct variant of the seed, so that neither the article nor
// any paragraph is cached. The direct sub-benchmark sends the stand-in the
// chat completion the gateway sends it: the difference between the two is
// the latency the gateway adds.
func BenchmarkMissPath(b *testing.B) {
	fr, err := os.ReadFile("../../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		b.Fatal(err)
	}
	seed := article.Parse("", string(fr))
	standIn := newEnglishStandIn(b)
	upstream := httptest.NewServer(standIn)
	b.Cleanup(upstream.Close)

	const key = "psl_miss-benchmark-key"
	sum := sha256.Sum256([]byte(key))
	cfg := fmt.Sprintf(`cache:
  backend: redis
  redis: {url: %q}
translation: {provider: standin}
summarization: {provider: extractive}
providers:
  standin: {type: openai, base_url: %q, api_key: sk-bench, model: gpt-4o-mini, timeout: 30s, max_concurrency: 64}
  extractive: {type: extractive}
auth:
  enabled: true
  keys:
    - {name: bench, sha256: %s}
log: {level: info, format: json}
`, testenv.RedisURL(b), upstream.URL+"/v1", hex.EncodeToString(sum[:]))
	cfgPath := filepath.Join(b.TempDir(), "passerelle.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	env := map[string]string{"PASSERELLE_CONFIG": cfgPath, "PASSERELLE_ADDR": "127.0.0.1:0"}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, func(k string) string { return env[k] }, io.Discard, func(a net.Addr) { addr <- a })
	}()
	b.Cleanup(func() { cancel(); <-done })
	var gwURL string
	select {
	case a := <-addr:
		gwURL = "http://" + a.String()
	case err := <-done:
		b.Fatalf("gateway did not start: %v", err)
	}

	// A run's own tag keeps a shared Redis from holding its articles.
	nonce := time.Now().UnixNano()
	n := 0
	next := func() []byte {
		n++
		tag := fmt.Sprintf(" (%d%d)", nonce%1e6, n)
		v := []string{seed.Title + tag}
		for _, p := range seed.Paragraphs {
			v = append(v, p+tag)
		}
		body, _ := json.Marshal(map[string]string{"text": strings.Join(v, "\n\n")})
		return body
	}
	post := func(b *testing.B, c *http.Client, url string, body []byte, header http.Header) http.Header {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header = header.Clone()
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		reply, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("POST %s: %d: %s", url, resp.StatusCode, reply)
		}
		return resp.Header
	}
	client := func() *http.Client {
		return &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 1}}
	}
	auth := http.Header{"Authorization": {"Bearer " + key}}
	// The first miss warms the connections and gives the chat completion
	// of the direct measure.
	gwClient := client()
	post(b, gwClient, gwURL+"/v1/translate", next(), auth)
	chat := standIn.first

	b.Run("gateway", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		lat := latencies(b)
		for b.Loop() {
			start := time.Now()
			h := post(b, gwClient, gwURL+"/v1/translate", next(), auth)
			lat.add(time.Since(start))
			if h.Get("X-Cache") != "MISS" {
				b.Fatalf("X-Cache %q, want MISS", h.Get("X-Cache"))
			}
		}
	})
	b.Run("direct", func(b *testing.B) {
		c := client()
		upstreamAuth := http.Header{"Authorization": {"Bearer sk-bench"}}
		b.ReportAllocs()
		defer reportCPU(b)()
		lat := latencies(b)
		for b.Loop() {
			start := time.Now()
			post(b, c, upstream.URL+"/v1/chat/completions", chat, upstreamAuth)
			lat.add(time.Since(start))
		}
	})
}

// latencySample keeps each request's latency, to report the median and
// the 99th percentile, which a slow moment of a shared machine moves less
// than the mean ns/op.
type latencySample struct{ d []time.Duration }

func latencies(b *testing.B) *latencySample {
	l := &latencySample{}
	b.Cleanup(func() {
		if len(l.d) == 0 {
			return
		}
		slices.Sort(l.d)
		b.ReportMetric(float64(l.d[len(l.d)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(l.d[len(l.d)*99/100].Microseconds()), "p99-µs")
	})
	return l
}

func (l *latencySample) add(d time.Duration) { l.d = append(l.d, d) }

// reportCPU reports the process's CPU time per operation (user and system,
// every goroutine: client, gateway and stand-in), which a busy machine
// inflates less than the wall time: call the function it returns after the
// loop.
func reportCPU(b *testing.B) func() {
	before := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64((cpuTime()-before).Microseconds())/float64(b.N), "cpu-µs/op")
		}
	}
}

func cpuTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
