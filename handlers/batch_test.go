package handlers

import (
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

	"passerelle/gateway"
	"passerelle/handlers/quota"
	"passerelle/providers"
)

type batchReply struct {
	Results []struct {
		Status int             `json:"status"`
		Result json.RawMessage `json:"result"`
		Error  *errorDetail    `json:"error"`
	} `json:"results"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
}

func decodeBatchReply(t *testing.T, body []byte) batchReply {
	t.Helper()
	var r batchReply
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("batch reply is not JSON: %v: %s", err, body)
	}
	return r
}

func batchBody(task string, articles ...string) string {
	return `{"task": "` + task + `", "articles": [` + strings.Join(articles, ", ") + `]}`
}

func TestBatchAnswersEachArticleAsItsEndpoint(t *testing.T) {
	first := `{"title": "Un titre", "text": "Premier paragraphe.\n\nSecond paragraphe.", "summary_sentences": 1}`
	second := `{"text": "Un autre article."}`
	for _, task := range []string{"translate", "summarize", "articles"} {
		t.Run(task, func(t *testing.T) {
			h, _, _ := replyRouter(t, Access{})
			rec := do(t, h, "POST", "/v1/batch", batchBody(task, first, `{"text": "  "}`, `{"txt": "faute"}`, second))
			if rec.Code != 200 {
				t.Fatalf("batch = %d: %s", rec.Code, rec.Body)
			}
			got := decodeBatchReply(t, rec.Body.Bytes())
			if len(got.Results) != 4 || got.Succeeded != 2 || got.Failed != 2 {
				t.Fatalf("%d results, %d succeeded, %d failed; want 4, 2, 2: %s", len(got.Results), got.Succeeded, got.Failed, rec.Body)
			}
			wantCodes := []string{"", gateway.CodeEmptyArticle, gateway.CodeInvalidRequest, ""}
			for i, r := range got.Results {
				code := ""
				if r.Error != nil {
					code = r.Error.Code
				}
				if code != wantCodes[i] || (code == "") != (r.Status == 200) || (code != "" && r.Status != 400) {
					t.Errorf("article %d: status %d, code %q; want the code %q", i, r.Status, code, wantCodes[i])
				}
			}
			// Each result is what the article's own endpoint answers on a
			// new cache, timings apart.
			for i, article := range map[int]string{0: first, 3: second} {
				fresh, _, _ := replyRouter(t, Access{})
				single := do(t, fresh, "POST", "/v1/"+task, article)
				if !reflect.DeepEqual(withoutTimings(t, got.Results[i].Result), withoutTimings(t, single.Body.Bytes())) {
					t.Errorf("article %d:\nbatch  %s\nsingle %s", i, got.Results[i].Result, single.Body)
				}
			}
		})
	}
}

func TestBatchArticlesAreKeptAndReplayed(t *testing.T) {
	h, svc, seen := replyRouter(t, Access{})
	articles := []string{`{"text": "Premier article."}`, `{"text": "Second article."}`}
	body := batchBody("translate", articles...)
	if rec := do(t, h, "POST", "/v1/batch", body); rec.Code != 200 {
		t.Fatalf("first batch = %d: %s", rec.Code, rec.Body)
	}
	svc.Replies().Wait()
	seen.take("reply")

	rec := do(t, h, "POST", "/v1/batch", body)
	got := decodeBatchReply(t, rec.Body.Bytes())
	if n := seen.take("reply"); n != len(articles) {
		t.Errorf("%d kept replies used, want %d", n, len(articles))
	}
	for i, article := range articles {
		var r struct {
			Cache struct{ Status string } `json:"cache"`
		}
		if err := json.Unmarshal(got.Results[i].Result, &r); err != nil || r.Cache.Status != gateway.CacheHit {
			t.Errorf("article %d again: cache %q (%v), want hit: %s", i, r.Cache.Status, err, got.Results[i].Result)
		}
		// The same bytes sent alone find the reply the batch kept.
		single := do(t, h, "POST", "/v1/translate", article)
		if !reflect.DeepEqual(withoutTimings(t, got.Results[i].Result), withoutTimings(t, single.Body.Bytes())) {
			t.Errorf("article %d:\nbatch  %s\nsingle %s", i, got.Results[i].Result, single.Body)
		}
	}
	if n := seen.take("reply"); n != len(articles) {
		t.Errorf("the single requests used %d kept replies, want %d", n, len(articles))
	}
}

func TestBatchRefusals(t *testing.T) {
	svc := markService(t, nil)
	h := New(svc, Options{MaxBodyBytes: 200, MaxBatchBytes: 1000, MaxBatchArticles: 2,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	article := `{"text": "Un paragraphe."}`
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"empty body", "", 400, gateway.CodeInvalidJSON},
		{"not JSON", `{"task": `, 400, gateway.CodeInvalidJSON},
		{"unknown task", batchBody("traduire", article), 400, gateway.CodeInvalidRequest},
		{"no task", `{"articles": [` + article + `]}`, 400, gateway.CodeInvalidRequest},
		{"unknown field", `{"task": "translate", "articles": [` + article + `], "items": []}`, 400, gateway.CodeInvalidRequest},
		{"no articles", batchBody("translate"), 400, gateway.CodeInvalidRequest},
		{"too many articles", batchBody("translate", article, article, article), 413, gateway.CodeTooLarge},
		{"body too large", batchBody("translate", `{"text": "`+strings.Repeat("mot ", 300)+`"}`), 413, gateway.CodeTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, h, "POST", "/v1/batch", tt.body)
			var e errorBody
			_ = json.Unmarshal(rec.Body.Bytes(), &e)
			if rec.Code != tt.status || e.Error.Code != tt.code || e.Error.Message == "" {
				t.Errorf("= %d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.code)
			}
		})
	}
	// An article over max_body_bytes fails alone.
	rec := do(t, h, "POST", "/v1/batch", batchBody("translate", article, `{"text": "`+strings.Repeat("mot ", 60)+`"}`))
	got := decodeBatchReply(t, rec.Body.Bytes())
	if rec.Code != 200 || len(got.Results) != 2 || got.Results[0].Status != 200 ||
		got.Results[1].Status != 413 || got.Results[1].Error == nil || got.Results[1].Error.Code != gateway.CodeTooLarge {
		t.Errorf("a batch with one article too large = %d %s, want the other translated", rec.Code, rec.Body)
	}
}

func TestBatchArticlesCountAgainstTheLimits(t *testing.T) {
	access := Access{Enabled: true, Limiter: quota.NewMemory(), Keys: []Key{
		keyOf("small", "psl_small", false, Limits{RequestsPerMinute: 4, CharactersPerDay: 60}),
	}}
	h := routerWithAccess(t, access, nil)
	article := `{"text": "Dix lettres"}` // 11 characters
	if rec := do(t, h, "POST", "/v1/batch", batchBody("translate", article, article, article), "X-API-Key", "psl_small"); rec.Code != 200 {
		t.Fatalf("a batch of 3 = %d: %s", rec.Code, rec.Body)
	}
	// 3 of 4 requests spent: a batch of 2 is over, a single request is not.
	rec := do(t, h, "POST", "/v1/batch", batchBody("translate", article, article), "X-API-Key", "psl_small")
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "count as 2 requests") {
		t.Errorf("a batch of 2 over the limit = %d %s, want 429", rec.Code, rec.Body)
	}

	// More articles than a minute allows would never fit: refused as too
	// large, with no Retry-After.
	access.Limiter = quota.NewMemory()
	h = routerWithAccess(t, access, nil)
	rec = do(t, h, "POST", "/v1/batch", batchBody("translate", article, article, article, article, article), "X-API-Key", "psl_small")
	if rec.Code != http.StatusRequestEntityTooLarge || rec.Header().Get("Retry-After") != "" || !strings.Contains(rec.Body.String(), "at most 4 articles") {
		t.Errorf("a batch of 5 for 4 requests a minute = %d (Retry-After %q) %s, want 413 naming the most", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}

	chars := Access{Enabled: true, Limiter: quota.NewMemory(), Keys: []Key{
		keyOf("small", "psl_small", false, Limits{CharactersPerDay: 30}),
	}}
	h = routerWithAccess(t, chars, nil)
	// Characters are spent per article as it starts: of three articles of
	// 11 characters, two fit in 30 and the third gets its own 429.
	rec = do(t, h, "POST", "/v1/batch", batchBody("translate", article, article, article), "X-API-Key", "psl_small")
	if got := statuses(t, rec); rec.Code != 200 || got[200] != 2 || got[429] != 1 {
		t.Errorf("33 characters for a 30-character allowance = %d %s, want 200 with two articles translated and one 429", rec.Code, rec.Body)
	}
	if rec.Header().Get("RateLimit-Limit") != "30" {
		t.Errorf("RateLimit-Limit = %q, want the 30 characters a day", rec.Header().Get("RateLimit-Limit"))
	}
	rec = do(t, h, "POST", "/v1/batch", batchBody("translate", article), "X-API-Key", "psl_small")
	got := decodeBatchReply(t, rec.Body.Bytes())
	if rec.Code != 200 || len(got.Results) != 1 || got.Results[0].Status != 429 || !strings.Contains(got.Results[0].Error.Message, "retry in") {
		t.Errorf("11 characters more = %d %s, want the article refused with 429 and when to retry", rec.Code, rec.Body)
	}
	// More than a day's characters in one article never fit: 413 in its
	// place, and the allowance is left to the others.
	chars.Limiter = quota.NewMemory()
	h = routerWithAccess(t, chars, nil)
	long := `{"text": "` + strings.Repeat("mot ", 10) + `"}` // 39 characters
	rec = do(t, h, "POST", "/v1/batch", batchBody("translate", long, article), "X-API-Key", "psl_small")
	got = decodeBatchReply(t, rec.Body.Bytes())
	if rec.Code != 200 || len(got.Results) != 2 || got.Results[0].Status != 413 || got.Results[1].Status != 200 {
		t.Errorf("an article of 39 characters for 30 a day = %d %s, want 413 for it and the other translated", rec.Code, rec.Body)
	}
}

// A batch spends a request of the per-minute limit for each article that
// is worked on, none for those refused for their form.
func TestBatchSpendsRequestsOnlyForValidArticles(t *testing.T) {
	access := Access{Enabled: true, Limiter: quota.NewMemory(), Keys: []Key{
		keyOf("small", "psl_small", false, Limits{RequestsPerMinute: 4}),
	}}
	h := routerWithAccess(t, access, nil)
	valid := `{"text": "Un article."}`
	invalid := []string{`{"txt": "faute"}`, `{"text": "  "}`, `{"text": "a", "html": "<p>b</p>"}`, `{"text": "a", "target_lang": "de"}`, `[1]`}
	rec := do(t, h, "POST", "/v1/batch", batchBody("translate", append(invalid, valid, valid)...), "X-API-Key", "psl_small")
	if got := statuses(t, rec); rec.Code != 200 || got[200] != 2 {
		t.Fatalf("batch = %d %s, want the two valid articles translated", rec.Code, rec.Body)
	}
	if got := rec.Header().Get("RateLimit-Remaining"); got != "2" {
		t.Errorf("RateLimit-Remaining = %q after two valid articles of 4 a minute, want 2", got)
	}
	// The two requests left are still there.
	if rec := do(t, h, "POST", "/v1/batch", batchBody("translate", valid, valid), "X-API-Key", "psl_small"); rec.Code != 200 {
		t.Errorf("a batch of the 2 requests left = %d %s, want 200", rec.Code, rec.Body)
	}
}

// statuses counts a batch reply's articles by status.
func statuses(t *testing.T, rec *httptest.ResponseRecorder) map[int]int {
	t.Helper()
	out := map[int]int{}
	for _, r := range decodeBatchReply(t, rec.Body.Bytes()).Results {
		out[r.Status]++
	}
	return out
}

// gauge translates slowly and records how many calls overlap; it panics on
// a segment that asks it to, which fails that article alone.
type gauge struct {
	mu                    sync.Mutex
	inFlight, most, calls int
}

func (g *gauge) Fingerprint() string { return "gauge" }

func (g *gauge) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	g.mu.Lock()
	g.inFlight++
	g.calls++
	g.most = max(g.most, g.inFlight)
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.inFlight--
		g.mu.Unlock()
	}()
	time.Sleep(20 * time.Millisecond)
	out := make([]string, len(req.Segments))
	for i, s := range req.Segments {
		if s == "PANIQUE" {
			panic("the provider lost its mind")
		}
		out[i] = "EN " + s
	}
	return providers.TranslateResult{Translations: out, Model: "gauge-1"}, nil
}

func TestBatchWorksOnSomeArticlesAtOnce(t *testing.T) {
	g := &gauge{}
	svc := markService(t, func(o *gateway.Options) {
		o.Providers[0] = gateway.Provider{Name: "gauge", Translator: g}
		o.Translation = gateway.Route{Chain: []string{"gauge"}}
	})
	h := New(svc, Options{BatchConcurrency: 2, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	var articles []string
	for _, text := range []string{"Un.", "Deux.", "Trois.", "PANIQUE", "Cinq.", "Six."} {
		articles = append(articles, `{"text": "`+text+`"}`)
	}
	rec := do(t, h, "POST", "/v1/batch", batchBody("translate", articles...))
	got := decodeBatchReply(t, rec.Body.Bytes())
	if rec.Code != 200 || len(got.Results) != 6 || got.Succeeded != 5 {
		t.Fatalf("= %d %s, want 5 of 6 translated", rec.Code, rec.Body)
	}
	if r := got.Results[3]; r.Status != 502 || r.Error == nil || r.Error.Code != gateway.CodeProviderError {
		t.Errorf("the article whose provider panicked: %d %+v, want 502 provider_error", r.Status, r.Error)
	}
	if g.most != 2 {
		t.Errorf("%d articles translated at once, want batch_concurrency 2", g.most)
	}
}

// Articles not started when the batch's deadline passes are not sent to a
// provider: they fail as not started, and the batch answers in time.
func TestBatchStartsNothingAfterItsDeadline(t *testing.T) {
	g := &gauge{}
	svc := markService(t, func(o *gateway.Options) {
		o.Providers[0] = gateway.Provider{Name: "gauge", Translator: g}
		o.Translation = gateway.Route{Chain: []string{"gauge"}}
	})
	h := New(svc, Options{BatchConcurrency: 1, RequestTimeout: 50 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	var articles []string
	for i := range 10 {
		articles = append(articles, `{"text": "Article numéro `+strings.Repeat("i", i+1)+`."}`)
	}
	rec := do(t, h, "POST", "/v1/batch", batchBody("translate", articles...))
	got := decodeBatchReply(t, rec.Body.Bytes())
	notStarted := 0
	for _, r := range got.Results {
		if r.Error != nil && strings.HasPrefix(r.Error.Message, "not started") {
			if r.Status != http.StatusGatewayTimeout || r.Error.Code != gateway.CodeProviderTimeout {
				t.Errorf("an article not started: %d %+v, want 504 provider_timeout", r.Status, r.Error)
			}
			notStarted++
		}
	}
	g.mu.Lock()
	calls := g.calls
	g.mu.Unlock()
	if rec.Code != 200 || notStarted == 0 || calls+notStarted != len(articles) {
		t.Errorf("= %d; %d provider calls and %d articles not started, of %d: %s", rec.Code, calls, notStarted, len(articles), rec.Body)
	}
}

// A kept reply that is not JSON is passed over: the article is translated
// again, and the batch's reply stays JSON.
func TestBatchPassesOverAnUnreadableKeptReply(t *testing.T) {
	h, svc, _ := replyRouter(t, Access{})
	article := `{"text": "Un article."}`
	replies := svc.Replies()
	replies.Put(context.Background(), replies.Key("translate", []byte(article)), keptReply{characters: 11, provider: "mark", document: []byte(`{"translation":}`)}.encode())
	replies.Wait()
	rec := do(t, h, "POST", "/v1/batch", batchBody("translate", article, `{"text": "Un autre."}`))
	got := decodeBatchReply(t, rec.Body.Bytes())
	if rec.Code != 200 || got.Succeeded != 2 {
		t.Fatalf("= %d %s, want both articles translated", rec.Code, rec.Body)
	}
	var r struct {
		Translation struct{ Text string } `json:"translation"`
	}
	if err := json.Unmarshal(got.Results[0].Result, &r); err != nil || r.Translation.Text != "EN Un article." {
		t.Errorf("the article with a spoilt reply: %v %s", err, got.Results[0].Result)
	}
}

// panicky is a gateway whose translation of one article panics, on the
// article's own goroutine, out of the gateway's reach.
type panicky struct{ *gateway.Service }

func (p panicky) Translate(ctx context.Context, req gateway.Request) (*gateway.Result, error) {
	if req.Text == "Boum." {
		panic("a bug")
	}
	return p.Service.Translate(ctx, req)
}

// An article whose work panics fails alone with an internal error that
// names the batch's request id; the others are answered.
func TestBatchArticleThatPanicsFailsAlone(t *testing.T) {
	var log lockedBuffer
	h := New(panicky{markService(t, nil)}, Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	rec := do(t, h, "POST", "/v1/batch", batchBody("translate", `{"text": "Un article."}`, `{"text": "Boum."}`), "X-Request-ID", "batch-7")
	got := decodeBatchReply(t, rec.Body.Bytes())
	if rec.Code != 200 || len(got.Results) != 2 || got.Succeeded != 1 {
		t.Fatalf("= %d %s, want one article of two answered", rec.Code, rec.Body)
	}
	if r := got.Results[1]; r.Status != http.StatusInternalServerError || r.Error == nil || r.Error.Code != gateway.CodeInternal || r.Error.RequestID != "batch-7" {
		t.Errorf("the article that panicked: %d %+v, want 500 internal with the batch's request id", r.Status, r.Error)
	}
	if s := log.take(); !strings.Contains(s, "panic in a batch article: a bug") || !strings.Contains(s, "request_id=batch-7") {
		t.Errorf("log:\n%s\nwant the panic, with the batch's request id", s)
	}
}
