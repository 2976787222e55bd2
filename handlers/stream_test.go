package handlers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/article"
	"passerelle/gateway"
	"passerelle/handlers/quota"
	"passerelle/providers"
)

// sseEvent is one Server-Sent Event as a client reads it.
type sseEvent struct {
	name string
	data string
}

// readEvents reads the events of body until it ends, handing each to seen
// as it arrives (seen may be nil); comments are counted.
func readEvents(t *testing.T, body io.Reader, seen func(sseEvent) bool) (events []sseEvent, comments int) {
	t.Helper()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.name != "" {
				events = append(events, ev)
				if seen != nil && !seen(ev) {
					return events, comments
				}
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, ":"):
			comments++
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.data = strings.TrimPrefix(line, "data: ")
		}
	}
	return events, comments
}

// countingTranslator is markTranslator that counts the calls it gets and
// when each started.
type countingTranslator struct {
	markTranslator
	mu     sync.Mutex
	starts []time.Time
}

func (c *countingTranslator) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	c.mu.Lock()
	c.starts = append(c.starts, time.Now())
	c.mu.Unlock()
	return c.markTranslator.Translate(ctx, req)
}

// startedAfter returns how many calls started after at, and in all.
func (c *countingTranslator) startedAfter(at time.Time) (after, all int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.starts {
		if s.After(at) {
			after++
		}
	}
	return after, len(c.starts)
}

// streamServer serves the API over a real connection, the mark
// translator answering after delay, one paragraph at a time.
func streamServer(t *testing.T, tr providers.Translator, edit func(*Options)) (*httptest.Server, *gateway.Service) {
	t.Helper()
	svc := markService(t, func(o *gateway.Options) {
		o.Providers[0].Translator = tr
		o.Providers[0].Budget = gateway.Budget{Budget: article.Budget{Max: 20000}, Parallel: 1}
	})
	opts := Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), jobHeartbeat: 40 * time.Millisecond}
	if edit != nil {
		edit(&opts)
	}
	srv := httptest.NewUnstartedServer(New(svc, opts))
	srv.Config.WriteTimeout = opts.WriteTimeout
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, svc
}

func postStream(t *testing.T, ctx context.Context, url, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/articles", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

const streamArticle = `{"title": "Un titre", "text": "Premier paragraphe.\n\nDeuxième paragraphe.\n\nTroisième paragraphe.\n\nQuatrième paragraphe."}`

func TestArticleStream(t *testing.T) {
	// The server's write timeout is shorter than the stream: each write
	// has its own deadline.
	srv, svc := streamServer(t, markTranslator{delay: 60 * time.Millisecond}, func(o *Options) { o.WriteTimeout = 150 * time.Millisecond })
	res := postStream(t, context.Background(), srv.URL, streamArticle)
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %s, want 200 text/event-stream", res.StatusCode, res.Header.Get("Content-Type"))
	}
	events, comments := readEvents(t, res.Body, nil)
	// First the article as the gateway read it, the French the indexes
	// below refer to.
	if len(events) == 0 || events[0].name != "article" {
		t.Fatalf("events %+v, want the article first", events)
	}
	var src streamSource
	if err := json.Unmarshal([]byte(events[0].data), &src); err != nil {
		t.Fatal(err)
	}
	wantSource := streamSource{Title: "Un titre", Paragraphs: []string{"Premier paragraphe.", "Deuxième paragraphe.", "Troisième paragraphe.", "Quatrième paragraphe."}, Total: 4}
	if !reflect.DeepEqual(src, wantSource) {
		t.Errorf("article event %s, want %+v", events[0].data, wantSource)
	}
	events = events[1:]
	// Then the paragraphs one at a time, the count going up with each; then,
	// once the whole translation is checked, those it flags again with
	// their warning (the mark translator leaves French words); then the
	// summary, the reply and the end.
	var names []string
	for _, ev := range events {
		names = append(names, ev.name)
	}
	n := len(events)
	if n < 8 || !reflect.DeepEqual(names[n-3:], []string{"summary", "reply", "end"}) {
		t.Fatalf("events %v, want paragraphs, summary, reply, end", names)
	}
	if comments == 0 {
		t.Error("no heartbeat comment in a stream of 300ms with a heartbeat of 40ms")
	}
	seen := map[int]string{}
	for k, ev := range events[:n-3] {
		var p streamParagraph
		if ev.name != "paragraph" || json.Unmarshal([]byte(ev.data), &p) != nil {
			t.Fatalf("event %d: %s %s, want a paragraph", k, ev.name, ev.data)
		}
		if p.Total != 4 || p.Provider != "mark" {
			t.Errorf("paragraph event %s: want total 4 by mark", ev.data)
		}
		_, again := seen[p.Index]
		switch {
		case k < 5 && (again || p.Warning != nil):
			t.Errorf("event %d: %s, want each paragraph once, as it is translated", k, ev.data)
		case k < 5 && p.Index >= 0 && p.Done != len(seenParagraphs(seen))+1:
			t.Errorf("event %d says done %d after %d paragraphs", k, p.Done, len(seenParagraphs(seen)))
		case k >= 5 && (!again || p.Warning == nil || p.Done != 4):
			t.Errorf("event %d: %s, want a paragraph sent before, now with its warning, done 4", k, ev.data)
		}
		seen[p.Index] = p.Text
	}
	events = events[n-3:]
	var reply articleResponse
	if err := json.Unmarshal([]byte(events[1].data), &reply); err != nil {
		t.Fatal(err)
	}
	if seen[-1] != reply.Translation.Title || seen[-1] != "EN Un titre" {
		t.Errorf("title %q streamed, reply %q", seen[-1], reply.Translation.Title)
	}
	for i, text := range reply.Translation.Paragraphs {
		if seen[i] != text {
			t.Errorf("paragraph %d streamed %q, reply %q", i, seen[i], text)
		}
	}
	var sum streamSummary
	if err := json.Unmarshal([]byte(events[0].data), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Text != reply.Summary.Text || sum.Provider != "first" {
		t.Errorf("summary event %+v, reply %+v by %s", sum, reply.Summary, reply.Provider.Summary)
	}

	// The reply is what the request answers without the stream: kept, and
	// replayed to it.
	svc.Replies().Wait()
	plain, err := http.Post(srv.URL+"/v1/articles", "application/json", strings.NewReader(streamArticle))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Body.Close()
	var again articleResponse
	if err := json.NewDecoder(plain.Body).Decode(&again); err != nil {
		t.Fatal(err)
	}
	if plain.Header.Get("X-Cache") != "HIT" {
		t.Errorf("X-Cache %q after the stream, want HIT (the reply kept)", plain.Header.Get("X-Cache"))
	}
	if !reflect.DeepEqual(again.articleDocument, replayDocument(reply.articleDocument)) {
		t.Errorf("the plain request got\n%+v\nthe stream's reply, as a hit, is\n%+v", again.articleDocument, replayDocument(reply.articleDocument))
	}

	// A second stream of the same article reads no kept reply: the
	// article comes whole from the cache, told first as the first stream
	// told it, then each paragraph once, with its warning.
	res2 := postStream(t, context.Background(), srv.URL, streamArticle)
	defer res2.Body.Close()
	again2, _ := readEvents(t, res2.Body, nil)
	if len(again2) != 1+5+3 {
		t.Errorf("second stream: %d events, want 9 (article, title, 4 paragraphs, summary, reply, end)", len(again2))
	}
	if len(again2) == 0 || again2[0].name != "article" || again2[0].data != string(jsonOf(t, wantSource)) {
		t.Errorf("second stream begins with %+v, want the article event", again2[:min(1, len(again2))])
	}
}

func jsonOf(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func seenParagraphs(seen map[int]string) []int {
	var out []int
	for i := range seen {
		if i >= 0 {
			out = append(out, i)
		}
	}
	return out
}

// replayDocument is a first reply's document as a hit reports it.
func replayDocument(d articleDocument) articleDocument {
	d.Cache = cacheBody{Status: "hit", SegmentsCached: d.Cache.SegmentsCached + d.Cache.SegmentsTranslated, Summary: "hit"}
	d.Usage = usageBody{Summary: &providers.Usage{}}
	return d
}

func TestArticleStreamErrors(t *testing.T) {
	limiter := quota.NewMemory()
	srv, _ := streamServer(t, markTranslator{}, func(o *Options) {
		o.Access = Access{Limiter: limiter, Default: Limits{CharactersPerDay: 120}}
	})
	// A body the handler cannot read is refused before the stream.
	res := postStream(t, context.Background(), srv.URL, `{"text": 42}`)
	res.Body.Close()
	if res.StatusCode != 400 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("malformed body: %d %s, want the ordinary 400", res.StatusCode, res.Header.Get("Content-Type"))
	}

	tests := []struct {
		name, body, code string
		status           int
		retryAfter       bool
	}{
		{"unknown provider", `{"text": "Un paragraphe.", "provider": "nope"}`, "unknown_provider", 400, false},
		{"over a day's allowance", `{"text": "` + strings.Repeat("Long paragraphe. ", 10) + `"}`, "too_large", 413, false},
		{"first article", `{"text": "Un paragraphe assez long pour compter."}`, "", 200, false},
		{"allowance spent", `{"text": "Un autre paragraphe, pour lequel il ne reste plus assez de caractères aujourd'hui, hélas."}`, "rate_limited", 429, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := postStream(t, context.Background(), srv.URL, tt.body)
			defer res.Body.Close()
			events, _ := readEvents(t, res.Body, nil)
			if len(events) < 2 || events[len(events)-1].name != "end" {
				t.Fatalf("events %+v, want ... end", events)
			}
			last := events[len(events)-2]
			// An article refused once read was never started.
			if started := events[0].name == "article"; started != (tt.code == "") {
				t.Errorf("events %+v: want the article event first for the article translated alone", events)
			}
			if tt.code == "" {
				if last.name != "reply" {
					t.Errorf("want a reply, got %s %s", last.name, last.data)
				}
				return
			}
			var ev streamError
			if last.name != "error" || json.Unmarshal([]byte(last.data), &ev) != nil {
				t.Fatalf("want an error event, got %s %s", last.name, last.data)
			}
			if ev.Status != tt.status || ev.Error.Code != tt.code || ev.Error.Message == "" || ev.Error.RequestID == "" {
				t.Errorf("error event %s, want status %d code %s with a message and the request id", last.data, tt.status, tt.code)
			}
			if (ev.RetryAfter > 0) != tt.retryAfter {
				t.Errorf("retry_after %d, want one: %v", ev.RetryAfter, tt.retryAfter)
			}
		})
	}
}

// TestClosingTheStreamStopsTheRequest: a client that closes the stream
// stops its article; a stand-in provider gets no call afterwards.
func TestClosingTheStreamStopsTheRequest(t *testing.T) {
	tr := &countingTranslator{markTranslator: markTranslator{delay: 80 * time.Millisecond}}
	srv, _ := streamServer(t, tr, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := postStream(t, ctx, srv.URL, `{"text": "Un.\n\nDeux paragraphes.\n\nTrois paragraphes.\n\nQuatre paragraphes.\n\nCinq paragraphes.\n\nSix paragraphes."}`)
	events, _ := readEvents(t, res.Body, func(ev sseEvent) bool { return ev.name != "paragraph" })
	cancel()
	res.Body.Close()
	closed := time.Now()
	if len(events) != 2 || events[0].name != "article" || events[1].name != "paragraph" {
		t.Fatalf("events before the close: %+v, want the article and one paragraph", events)
	}
	// Time for anything still queued to be sent, several calls' worth.
	time.Sleep(400 * time.Millisecond)
	// The server learns of the close from its connection, within a few
	// milliseconds: a call started in that moment is not one "after".
	after, all := tr.startedAfter(closed.Add(30 * time.Millisecond))
	if after != 0 || all >= 6 {
		t.Errorf("%d of %d calls started after the client closed the stream, want none (and fewer than the 6 paragraphs in all)", after, all)
	}
}

// Each event of the stream, a success's and an error's, matches its schema
// in the document.
func TestArticleStreamMatchesTheDocument(t *testing.T) {
	doc, _ := loadContract(t)
	schemaOf := map[string]string{"article": "StreamArticle", "paragraph": "StreamParagraph", "summary": "StreamSummary", "reply": "ArticlesResponse", "error": "StreamError"}
	srv, _ := streamServer(t, markTranslator{}, nil)
	// A page: its byline and date are in the article event.
	page := `{"html": "<html><body><article><h1>Le budget de Nantes</h1><p>Orange avec Media Services, publié le lundi 03 février 2020 à 20h15</p>` +
		`<p>La majorité municipale a voté lundi soir un budget en baisse de 4 %, le premier depuis dix ans.</p></article></body></html>"}`
	for _, body := range []string{streamArticle, `{"text": "Un paragraphe.", "provider": "nope"}`, page} {
		res := postStream(t, context.Background(), srv.URL, body)
		events, _ := readEvents(t, res.Body, nil)
		res.Body.Close()
		if body == page {
			var src streamSource
			if len(events) == 0 || json.Unmarshal([]byte(events[0].data), &src) != nil || src.Byline != "Orange avec Media Services" || src.Published != "2020-02-03" || len(src.Paragraphs) != 1 {
				t.Errorf("the page's events begin with %+v, want the article with its byline and date apart from its one paragraph", events[:min(1, len(events))])
			}
		}
		for _, ev := range events {
			if ev.name == "end" {
				continue
			}
			name, ok := schemaOf[ev.name]
			if !ok {
				t.Errorf("event %q is not in the document", ev.name)
				continue
			}
			var value any
			if err := json.Unmarshal([]byte(ev.data), &value); err != nil {
				t.Fatalf("%s: %v", ev.name, err)
			}
			if err := doc.Components.Schemas[name].Value.VisitJSON(value); err != nil {
				t.Errorf("%s event does not match %s: %v\n%s", ev.name, name, err, ev.data)
			}
		}
	}
}

// TestArticleStreamOfAnArticleInEnglish: an article passed through as it
// is still begins with the article event; its paragraphs follow, kept.
func TestArticleStreamOfAnArticleInEnglish(t *testing.T) {
	srv, _ := streamServer(t, markTranslator{}, nil)
	res := postStream(t, context.Background(), srv.URL, `{"text": "The mayor opened the bridge.\n\nThe city voted its budget.", "source_lang": "en"}`)
	defer res.Body.Close()
	events, _ := readEvents(t, res.Body, nil)
	var names []string
	for _, ev := range events {
		names = append(names, ev.name)
	}
	if !reflect.DeepEqual(names, []string{"article", "paragraph", "paragraph", "summary", "reply", "end"}) {
		t.Fatalf("events %v, want the article, its two paragraphs, summary, reply, end", names)
	}
	var src streamSource
	var p streamParagraph
	if json.Unmarshal([]byte(events[0].data), &src) != nil || json.Unmarshal([]byte(events[2].data), &p) != nil {
		t.Fatal(events)
	}
	if src.Total != 2 || p.Index != 1 || p.Text != src.Paragraphs[1] || p.Provider != "none" {
		t.Errorf("article %+v then paragraph %+v: want the paragraph as the article event told it, kept", src, p)
	}
}

// A stream that fails once begun was answered 200: its access-log line
// and its metrics say the status it would have had.
func TestStreamFailureIsLoggedByItsOutcome(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	srv, _ := streamServer(t, markTranslator{}, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	})
	res := postStream(t, context.Background(), srv.URL, `{"text": "Un paragraphe.", "provider": "nope"}`)
	events, _ := readEvents(t, res.Body, nil)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || len(events) == 0 || events[0].name != "error" {
		t.Fatalf("%d %+v, want 200 and an error event", res.StatusCode, events)
	}
	srv.Close() // the handler has returned: its log line is written
	mu.Lock()
	defer mu.Unlock()
	if line := logs.String(); !strings.Contains(line, "status=200") || !strings.Contains(line, "outcome=400") {
		t.Errorf("access log %q: want status=200 and outcome=400", line)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
