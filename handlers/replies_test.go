package handlers

import (
	"context"
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
			// Its timings are the repeat's own: it called no provider.
			var timings struct {
				TimingsMS map[string]float64 `json:"timings_ms"`
			}
			if err := json.Unmarshal(kept.Body.Bytes(), &timings); err != nil || timings.TimingsMS["translation"] != 0 || timings.TimingsMS["total"] < 0 {
				t.Errorf("repeat's timings_ms = %v (%v), want its own total and no translation time", timings.TimingsMS, err)
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
	want := keptReply{characters: 1234, provider: "mark,gpt", document: []byte(`{"a":1}`)}
	got, ok := decodeKept(want.encode())
	if !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeKept(encode) = %+v, %v; want %+v", got, ok, want)
	}
	for _, bad := range [][]byte{nil, []byte("R"), []byte("R1xx"), []byte("R2"), []byte("R2\x05"), []byte("R2\x05\x09ab{}"),
		[]byte("R2\x05\x00"), []byte("R2\x05\x00[1]"), []byte("R2\x05\x00{"), []byte(`R2\x05\x00{"a":1`),
		// The entries of the format before, whose document had no
		// closing brace, even one that ends with a brace of its own.
		[]byte(`R1\x05\x00{"a":1`), []byte(`R1\x05\x00{"a":{"b":1}`), []byte(`R1\x05\x00{"a":1}`)} {
		if k, ok := decodeKept(bad); ok {
			t.Errorf("decodeKept(%q) = %+v, want refused", bad, k)
		}
	}
}

// filled returns a T with every field set to a value that is not its
// zero, so that no omitempty leaves a field out of its JSON.
func filled[T any](t *testing.T) T {
	t.Helper()
	var v T
	fill(t, reflect.ValueOf(&v).Elem(), 1)
	return v
}

func fill(t *testing.T, v reflect.Value, n int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + strconv.Itoa(n))
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(n))
	case reflect.Float64:
		v.SetFloat(float64(n) + 0.25)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		fill(t, v.Index(0), n)
		fill(t, v.Index(1), n+1)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(t, v.Field(i), n+i)
		}
	default:
		t.Fatalf("fill: no value for a %s", v.Type())
	}
}

// A reply is made of its two parts and nothing else: a field added to
// articleResponse itself would be neither kept nor written afresh.
func TestArticleResponseIsItsTwoParts(t *testing.T) {
	typ := reflect.TypeFor[articleResponse]()
	want := []reflect.Type{reflect.TypeFor[articleDocument](), reflect.TypeFor[requestFields]()}
	if typ.NumField() != len(want) {
		t.Fatalf("articleResponse has %d fields, want its %d embedded parts", typ.NumField(), len(want))
	}
	for i, part := range want {
		if f := typ.Field(i); !f.Anonymous || f.Type != part || f.Tag != "" {
			t.Errorf("articleResponse's field %d is %s %s %q, want %s embedded", i, f.Name, f.Type, f.Tag, part)
		}
	}
}

// A kept reply, replayed, is the reply json.Marshal writes of its document
// with the replaying request's own fields: byte for byte, whatever the
// fields of either part and their order, none of them empty.
func TestReplayedReplyIsTheEncodingOfTheWholeReply(t *testing.T) {
	doc := filled[articleDocument](t)
	stored, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	kept, ok := decodeKept(keptReply{characters: 7, provider: "mark", document: stored}.encode())
	if !ok {
		t.Fatalf("a kept reply of %s is refused", stored)
	}
	for _, own := range []requestFields{filled[requestFields](t), {TimingsMS: timingsBody{Total: 0.07}}} {
		got, err := replyWith(kept.document, own)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(articleResponse{articleDocument: doc, requestFields: own})
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("replayed:\n%s\nwant the encoding of the whole reply:\n%s", got, want)
		}
		var back articleResponse
		if err := json.Unmarshal(got, &back); err != nil || !reflect.DeepEqual(back, articleResponse{articleDocument: doc, requestFields: own}) {
			t.Errorf("the replayed reply decodes to %+v (%v), want the document with the request's own fields", back, err)
		}
	}
}

func TestJoinObjects(t *testing.T) {
	for _, c := range []struct{ a, b, want string }{
		{`{"a":1}`, `{"b":2}`, `{"a":1,"b":2}`},
		{`{}`, `{"b":2}`, `{"b":2}`},
		{`{"a":1}`, `{}`, `{"a":1}`},
		{`{}`, `{}`, `{}`},
		{`{"a":{"c":[1]}}`, `{"b":{}}`, `{"a":{"c":[1]},"b":{}}`},
	} {
		got, err := joinObjects([]byte(c.a), []byte(c.b))
		if err != nil || string(got) != c.want {
			t.Errorf("joinObjects(%s, %s) = %s, %v; want %s", c.a, c.b, got, err, c.want)
		}
	}
	for _, bad := range [][2]string{{`{"a":1`, `{}`}, {`{}`, `[]`}, {``, `{}`}, {`{}`, `"x"`}} {
		if got, err := joinObjects([]byte(bad[0]), []byte(bad[1])); err == nil {
			t.Errorf("joinObjects(%s, %s) = %s, want refused", bad[0], bad[1], got)
		}
	}
}

// An entry of the format before, under the key of the request, is not
// served: the request goes the ordinary way, and its reply is kept anew.
func TestKeptRepliesOfTheFormatBeforeAreNotServed(t *testing.T) {
	h, svc, seen := replyRouter(t, Access{})
	body := `{"text": "Premier paragraphe."}`
	replies := svc.Replies()
	key := replies.Key("translate", []byte(body))
	replies.Put(context.Background(), key, []byte("R1\x05\x04mark"+`{"source_lang":"fr","complete":true`))
	replies.Wait()
	rec := do(t, h, "POST", "/v1/translate", body)
	if rec.Code != 200 || rec.Header().Get("X-Cache") != "MISS" || !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("= %d %s %s, want the ordinary way's translation", rec.Code, rec.Header().Get("X-Cache"), rec.Body)
	}
	svc.Replies().Wait()
	seen.take("reply")
	rec = do(t, h, "POST", "/v1/translate", body)
	if rec.Code != 200 || seen.take("reply") != 1 || !json.Valid(rec.Body.Bytes()) {
		t.Errorf("= %d %s, want the reply kept anew", rec.Code, rec.Body)
	}
}

// A page's byline and publication date are in the reply of each article
// endpoint, made or kept, as /v1/extract gives them; a text has neither.
func TestRepliesCarryThePagesBylineAndDate(t *testing.T) {
	page := `<!doctype html><html lang="fr"><head><title>Sommet à Vladivostok</title></head><body><article>
<h1>Premier sommet Poutine-Kim à Vladivostok</h1>
<p>Orange avec Media Services, publié le jeudi 25 avril 2019 à 20h15</p>
<p>Le sommet inédit entre Kim Jong-un et Vladimir Poutine s'est achevé jeudi à Vladivostok, ville portuaire de l'Extrême-Orient russe.</p>
<p>Le président russe et le dirigeant nord-coréen ont discuté pendant plusieurs heures de la situation dans la péninsule coréenne.</p>
</article></body></html>`
	body, _ := json.Marshal(map[string]string{"html": page})
	for _, path := range []string{"/v1/translate", "/v1/summarize", "/v1/articles", "/v1/extract"} {
		t.Run(path, func(t *testing.T) {
			h, svc, _ := replyRouter(t, Access{})
			for _, call := range []string{"made", "kept"} {
				rec := do(t, h, "POST", path, string(body))
				var got struct{ Byline, Published *string }
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 {
					t.Fatalf("%s: %d %s", call, rec.Code, rec.Body)
				}
				if got.Byline == nil || *got.Byline != "Orange avec Media Services" || got.Published == nil || *got.Published != "2019-04-25" {
					t.Errorf("%s: %s; want the page's byline and date", call, rec.Body)
				}
				svc.Replies().Wait()
			}
			rec := do(t, h, "POST", path, `{"text": "Un article.\n\nSans page."}`)
			if strings.Contains(rec.Body.String(), `"byline"`) || strings.Contains(rec.Body.String(), `"published"`) {
				t.Errorf("a text: %s; want neither byline nor published", rec.Body)
			}
		})
	}
}
