package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"passerelle/article/language"
	"passerelle/cache"
	"passerelle/gateway"
	"passerelle/handlers/quota"
	"passerelle/internal/testenv"
	"passerelle/providers/extractive"
	"passerelle/telemetry/metrics"
)

const benchKey = "psl_benchmark-key"

// benchRouter is the API as cmd/passerelle serves it, over the embedded
// cache: auth on with one key, metrics, an access log line per request at
// info level in JSON (to io.Discard: the benchmark measures the work, not the
// disk), the language detector and the extractive summarizer. The seed is
// put in the cache first by a gateway without a detector, whose output
// checks accept the mark translator's text; the keys do not depend on the
// detector, so the measured router finds it.
func benchRouter(b *testing.B, body string) http.Handler {
	return benchRouterOver(b, cache.NewMemory(cache.MemoryOptions{}), body)
}

func benchRouterOver(b *testing.B, store cache.Store, body string) http.Handler {
	b.Helper()
	logger := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	service := func(det gateway.Detector) *gateway.Service {
		opts := gateway.Options{
			Cache: store,
			Providers: []gateway.Provider{{Name: "mark", Translator: markTranslator{}},
				{Name: "extractive", Summarizer: extractive.New(extractive.Options{})}},
			Translation: gateway.Route{Chain: []string{"mark"}},
			Summarizing: gateway.Route{Chain: []string{"extractive"}},
			Logger:      logger,
		}
		if det != nil {
			opts.Detector = det
		}
		svc, err := gateway.New(opts)
		if err != nil {
			b.Fatal(err)
		}
		return svc
	}
	var req articleRequest
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		b.Fatal(err)
	}
	if _, err := service(nil).Article(context.Background(), gateway.Request{Text: req.Text}); err != nil {
		b.Fatal(err)
	}
	return New(service(language.NewDetector(language.Options{})), Options{
		Logger:  logger,
		Metrics: metrics.New(),
		Access: Access{
			Enabled: true,
			Keys:    []Key{{Name: "bench", SHA256: sha256.Sum256([]byte(benchKey))}},
			Limiter: quota.NewMemory(),
		},
	})
}

func seedBody(b *testing.B) string {
	b.Helper()
	raw, err := os.ReadFile("../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"text": string(raw)})
	return string(body)
}

// BenchmarkHitPath is POST /v1/articles of the cached seed through the
// whole router: middleware, auth, decoding, the gateway's cache lookups,
// rendering.
func BenchmarkHitPath(b *testing.B) {
	body := seedBody(b)
	h := benchRouter(b, body)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/v1/articles", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+benchKey)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Header().Get("X-Cache") != "HIT" {
			b.Fatalf("status %d, X-Cache %q, want 200 HIT: %s", rec.Code, rec.Header().Get("X-Cache"), rec.Body)
		}
	}
}

// BenchmarkHitPathRedis is the hit path over a real Redis, beside the
// floor it is held to: a bare net/http handler that reads the same body and
// answers with one GET of the same bytes. The ratio of the two is the
// gateway's own cost on a hit, in process (no network between client and
// server; Redis's share is the same in both).
func BenchmarkHitPathRedis(b *testing.B) {
	store, err := cache.NewRedis(cache.RedisOptions{URL: testenv.RedisURL(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = store.Close() })
	body := seedBody(b)
	h := benchRouterOver(b, store, body)
	first := serveOnce(b, h, body)
	serveOnce(b, h, body) // keeps the reply
	time.Sleep(50 * time.Millisecond)
	const baselineKey = "passerelle:bench:baseline"
	if err := store.Set(context.Background(), baselineKey, first, time.Minute); err != nil {
		b.Fatal(err)
	}
	baseline := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		reply, err := store.Get(r.Context(), baselineKey)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(reply)
	})
	// Requests in flight together, as a loaded server has them: ns/op is
	// then the inverse of throughput, and the Redis round trips overlap.
	for _, server := range []struct {
		name string
		h    http.Handler
	}{{"baseline", baseline}, {"gateway", h}} {
		b.Run(server.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					serveOnce(b, server.h, body)
				}
			})
		})
	}
}

// serveOnce sends the body as the benchmarks' client would and returns the
// reply, failing unless it is a 200.
func serveOnce(b *testing.B, h http.Handler, body string) []byte {
	req := httptest.NewRequest(http.MethodPost, "/v1/articles", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+benchKey)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

// BenchmarkRenderResult is the encoding of a reply: shaping the result and
// marshalling it, as c.JSON does.
func BenchmarkRenderResult(b *testing.B) {
	body := seedBody(b)
	h := benchRouter(b, body)
	req := httptest.NewRequest(http.MethodPost, "/v1/articles", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+benchKey)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var reply articleResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &reply); err != nil {
		b.Fatal(err)
	}
	res := &gateway.Result{
		SourceLang: reply.SourceLang, TargetLang: reply.TargetLang, DetectedLang: reply.DetectedLang,
		Translation: &gateway.Translation{Title: reply.Translation.Title, Paragraphs: reply.Translation.Paragraphs,
			Provider: reply.Provider.Translation, Model: reply.Model.Translation},
		Summary:          &gateway.Summary{Text: reply.Summary.Text, Provider: reply.Provider.Summary, Model: reply.Model.Summary, Cached: true},
		SummarySentences: reply.Summary.Sentences,
		Cache:            gateway.CacheReport{Status: gateway.CacheHit, SegmentsCached: len(reply.Translation.Paragraphs) + 1},
	}
	b.ReportAllocs()
	b.SetBytes(int64(rec.Body.Len()))
	for b.Loop() {
		if _, err := json.Marshal(task{document: fullDocument}.reply(res)); err != nil {
			b.Fatal(err)
		}
	}
}
