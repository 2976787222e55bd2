package handlers

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/gateway"
	"passerelle/handlers/quota"
	"passerelle/providers"
)

// lookups counts the gateway's cache lookups by level.
type lookups struct {
	mu   sync.Mutex
	hits map[string]int
}

func (l *lookups) CacheLookup(level string, hits, _ int, _ error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hits[level] += hits
}
func (l *lookups) CacheWriteFailed()                                                          {}
func (l *lookups) ProviderCall(string, string, string, time.Duration, providers.Usage, error) {}
func (l *lookups) Coalesced()                                                                 {}

func (l *lookups) take(level string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.hits[level]
	l.hits[level] = 0
	return n
}

// replyRouter is the API over an embedded cache, with the service to wait
// for its reply writes and the lookups it made.
func replyRouter(t *testing.T, access Access) (http.Handler, *gateway.Service, *lookups) {
	t.Helper()
	seen := &lookups{hits: map[string]int{}}
	svc := markService(t, func(o *gateway.Options) { o.Observer = seen })
	return New(svc, Options{Access: access, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}), svc, seen
}

// withoutTimings decodes a reply and drops its timings, the one part that
// differs from one request to the next.
func withoutTimings(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("reply is not JSON: %v: %s", err, body)
	}
	if _, ok := m["timings_ms"].(map[string]any)["total"].(float64); !ok {
		t.Errorf("reply without timings_ms.total: %s", body)
	}
	delete(m, "timings_ms")
	return m
}

// A repeated request is answered from the kept reply, with one lookup and
// the same body as the ordinary path's cache hit, on every endpoint.
func TestKeptRepliesAnswerRepeatedRequests(t *testing.T) {
	for _, path := range []string{"/v1/translate", "/v1/summarize", "/v1/articles"} {
		t.Run(path, func(t *testing.T) {
			h, svc, seen := replyRouter(t, Access{})
			body := `{"title": "Un titre", "text": "Premier paragraphe.\n\nSecond paragraphe.", "summary_sentences": 1}`
			rec := do(t, h, "POST", path, body)
			if rec.Code != 200 || rec.Header().Get("X-Cache") != "MISS" {
				t.Fatalf("first: %d %s", rec.Code, rec.Header().Get("X-Cache"))
			}
			// Sent whole, with its length, before the reply is kept.
			if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(rec.Body.Len()) || !rec.Flushed {
				t.Errorf("first: Content-Length %q for %d bytes, flushed %v", got, rec.Body.Len(), rec.Flushed)
			}
			svc.Replies().Wait()
			seen.take("reply")
			seen.take("document")

			kept := do(t, h, "POST", path, body)
			if kept.Code != 200 || kept.Header().Get("X-Cache") != "HIT" {
				t.Fatalf("repeat: %d %s: %s", kept.Code, kept.Header().Get("X-Cache"), kept.Body)
			}
			if got := kept.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", got)
			}
			if r, d := seen.take("reply"), seen.take("document"); r != 1 || d != 0 {
				t.Errorf("repeat made %d reply and %d document hits, want 1 and 0", r, d)
			}

			// The same request spelt otherwise misses the reply and goes
			// the ordinary way to the document entry.
			respelt := strings.Replace(body, `{"title"`, `{ "title"`, 1)
			ordinary := do(t, h, "POST", path, respelt)
			if r := seen.take("reply"); r != 0 {
				t.Fatalf("a body spelt otherwise found a kept reply")
			}
			if ordinary.Code != 200 || ordinary.Header().Get("X-Cache") != "HIT" {
				t.Fatalf("respelt: %d %s", ordinary.Code, ordinary.Header().Get("X-Cache"))
			}
			if a, b := withoutTimings(t, kept.Body.Bytes()), withoutTimings(t, ordinary.Body.Bytes()); !reflect.DeepEqual(a, b) {
				t.Errorf("kept reply:\n%v\nordinary cache hit:\n%v", a, b)
			}
		})
	}
}

// Cache-Control applies to kept replies as to any entry.
func TestKeptRepliesHonourCacheControl(t *testing.T) {
	h, svc, seen := replyRouter(t, Access{})
	body := `{"text": "Premier paragraphe."}`
	do(t, h, "POST", "/v1/translate", body, "Cache-Control", "no-store")
	svc.Replies().Wait()
	do(t, h, "POST", "/v1/translate", body, "Cache-Control", "no-store")
	if r := seen.take("reply"); r != 0 {
		t.Errorf("no-store kept a reply")
	}
	do(t, h, "POST", "/v1/translate", body)
	svc.Replies().Wait()
	rec := do(t, h, "POST", "/v1/translate", body, "Cache-Control", "no-cache")
	if r := seen.take("reply"); r != 0 || rec.Header().Get("X-Cache") != "MISS" {
		t.Errorf("no-cache: %d reply hits, X-Cache %s; want none and a fresh translation", r, rec.Header().Get("X-Cache"))
	}
}

// A kept reply is counted against a daily allowance like any request.
func TestKeptRepliesCountCharacters(t *testing.T) {
	access := Access{Limiter: quota.NewMemory(), Default: Limits{CharactersPerDay: 50}}
	h, svc, seen := replyRouter(t, access)
	body := `{"text": "Vingt caractères ici."}` // 21 characters
	if rec := do(t, h, "POST", "/v1/translate", body); rec.Code != 200 {
		t.Fatalf("first = %d: %s", rec.Code, rec.Body)
	}
	svc.Replies().Wait()
	if rec := do(t, h, "POST", "/v1/translate", body); rec.Code != 200 || seen.take("reply") != 1 {
		t.Fatalf("second = %d, want 200 from the kept reply", rec.Code)
	}
	rec := do(t, h, "POST", "/v1/translate", body)
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "21 characters") {
		t.Errorf("third = %d %s, want 429 for the article's 21 characters", rec.Code, rec.Body)
	}
}

func TestStoredReplyEncoding(t *testing.T) {
	raw := encodeStored(1234, "mark,gpt", []byte(`{"a":1`))
	st, ok := decodeStored(raw)
	if !ok || st.characters != 1234 || st.provider != "mark,gpt" || string(st.body) != `{"a":1` {
		t.Fatalf("decodeStored(encodeStored) = %+v, %v", st, ok)
	}
	for _, bad := range [][]byte{nil, []byte("R"), []byte("R2xx"), []byte("R1"), []byte("R1\x05"), []byte("R1\x05\x09ab{}"), []byte("R1\x05\x00"), []byte("R1\x05\x00[1]")} {
		if st, ok := decodeStored(bad); ok {
			t.Errorf("decodeStored(%q) = %+v, want refused", bad, st)
		}
	}
}
