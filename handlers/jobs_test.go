package handlers

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"passerelle/article/fetch"
	"passerelle/gateway"
	"passerelle/jobs"
)

// The event stream of a job longer than the server's write timeout goes on
// to its end, with heartbeats while nothing happens, headers that keep a
// buffering proxy from holding it back, and an id on every entry.
func TestJobEventsOutliveTheWriteTimeout(t *testing.T) {
	svc := markService(t, nil)
	engine := jobs.NewMemory(jobs.Options{Workers: 1, Poll: 10 * time.Millisecond})
	opts := Options{Jobs: engine, jobHeartbeat: 100 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	work := JobWork(svc, opts)
	// Each article takes 300ms: the job outlasts the write timeout.
	engine.Start(func(ctx context.Context, job *jobs.Job, index int, article json.RawMessage) jobs.Outcome {
		time.Sleep(300 * time.Millisecond)
		return work(ctx, job, index, article)
	})
	defer engine.Stop(t.Context())
	srv := httptest.NewUnstartedServer(New(svc, opts))
	srv.Config.WriteTimeout = 400 * time.Millisecond
	srv.Start()
	defer srv.Close()

	body := `{"task": "translate", "articles": [{"text": "Un."}, {"text": "Deux."}, {"text": "Trois."}, {"text": "Quatre."}]}`
	resp, err := http.Post(srv.URL+"/v1/jobs", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		ID string `json:"id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&j)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("Location") != "/v1/jobs/"+j.ID {
		t.Fatalf("POST: %d %v", resp.StatusCode, resp.Header)
	}

	start := time.Now()
	resp, err = http.Get(srv.URL + "/v1/jobs/" + j.ID + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("X-Accel-Buffering") != "no" || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("headers: %v", resp.Header)
	}
	var heartbeats, articles int
	var events []string
	var lastID string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, ": heartbeat"):
			heartbeats++
		case strings.HasPrefix(line, "event: "):
			events = append(events, strings.TrimPrefix(line, "event: "))
			if line == "event: article" {
				articles++
			}
		case strings.HasPrefix(line, "id: "):
			lastID = strings.TrimPrefix(line, "id: ")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("the stream broke after %s: %v", time.Since(start), err)
	}
	if len(events) == 0 || events[len(events)-1] != "end" || articles != 4 {
		t.Fatalf("events %v after %s: the stream did not reach its end", events, time.Since(start))
	}
	if time.Since(start) < srv.Config.WriteTimeout {
		t.Fatalf("the job took %s, under the write timeout: the test proves nothing", time.Since(start))
	}
	if heartbeats == 0 {
		t.Fatal("no heartbeat while the articles took 300ms each")
	}
	if lastID == "" {
		t.Fatal("entries without id")
	}
}

// jobsRouter is the API over the test gateway with an in-process jobs
// engine, its workers running.
func jobsRouter(t *testing.T, maxArticles int) http.Handler {
	t.Helper()
	return jobsRouterWith(t, maxArticles, nil)
}

// jobsRouterWith is jobsRouter over a gateway with edit's options.
func jobsRouterWith(t *testing.T, maxArticles int, edit func(*gateway.Options)) http.Handler {
	t.Helper()
	svc := markService(t, func(o *gateway.Options) {
		// Fetching is on, to nowhere: an article given by URL fails
		// when it is worked on, at once.
		o.Fetcher = fetch.New(fetch.Options{LookupIP: func(context.Context, string) ([]netip.Addr, error) {
			return nil, errors.New("no network in these tests")
		}})
		if edit != nil {
			edit(o)
		}
	})
	engine := jobs.NewMemory(jobs.Options{Workers: 2, Poll: 10 * time.Millisecond})
	opts := Options{Jobs: engine, MaxJobArticles: maxArticles, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	engine.Start(JobWork(svc, opts))
	t.Cleanup(func() { engine.Stop(t.Context()) })
	return New(svc, opts)
}

// A job is refused whole, saying why, when an article or a shared field
// would be refused by the article's endpoint: better at submission than as
// failed lines in the morning.
func TestJobSubmissionIsChecked(t *testing.T) {
	h := jobsRouter(t, 3)
	for _, tc := range []struct {
		name, body string
		status     int
		code, says string
	}{
		{"no task", `{"articles": [{"text": "Un."}]}`, 400, "invalid_request", "task"},
		{"unknown field", `{"task": "translate", "artciles": []}`, 400, "invalid_request", "artciles"},
		{"no articles", `{"task": "translate"}`, 400, "invalid_request", "no articles"},
		{"too many", `{"task": "translate", "articles": [{"text": "Un."}, {"text": "Deux."}], "urls": ["https://example.fr/a", "https://example.fr/b"]}`, 413, "too_large", "at most 3"},
		{"an empty article", `{"task": "translate", "articles": [{"text": "Un."}, {}]}`, 400, "empty_article", "articles[1]"},
		{"an article with two inputs", `{"task": "translate", "articles": [{"text": "Un.", "url": "https://example.fr/"}]}`, 400, "invalid_request", "articles[0]"},
		{"a shared field out of range", `{"task": "articles", "summary_sentences": 50, "articles": [{"text": "Un."}]}`, 400, "invalid_request", "summary_sentences"},
		{"a feed without a fetcher", `{"task": "translate", "feed": "https://example.fr/rss"}`, 400, "url_not_allowed", "feed"},
		{"not JSON", `articles`, 400, "invalid_json", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, h, "POST", "/v1/jobs", tc.body)
			var e errorBody
			_ = json.Unmarshal(rec.Body.Bytes(), &e)
			if rec.Code != tc.status || e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.says) {
				t.Fatalf("%d %s, want %d %s saying %q", rec.Code, rec.Body, tc.status, tc.code, tc.says)
			}
		})
	}
}

// A job whose provider or URL every article would be refused for is
// refused at once, with the code and status the article's own endpoint
// answers; a provider the routes allow is taken.
func TestJobSubmissionRefusesWhatEveryArticleWouldFail(t *testing.T) {
	h := jobsRouterWith(t, 0, func(o *gateway.Options) {
		o.Translation.AllowOverride = []string{"mark"}
		o.Summarizing.AllowOverride = []string{"first"}
	})
	for _, tc := range []struct {
		name, body string
		code, says string
		// single is the same article sent to its task's endpoint, which
		// must answer the same.
		single, singleBody string
	}{
		{"an unknown provider", `{"task": "translate", "provider": "nope", "articles": [{"text": "Un."}]}`, "unknown_provider", "nope",
			"/v1/translate", `{"text": "Un.", "provider": "nope"}`},
		{"a provider the task's routes do not allow", `{"task": "translate", "provider": "first", "urls": ["https://example.fr/a"]}`, "provider_not_allowed", "first",
			"/v1/translate", `{"text": "Un.", "provider": "first"}`},
		{"an unknown provider before a feed is read", `{"task": "summarize", "provider": "nope", "feed": "https://example.fr/rss"}`, "unknown_provider", "nope",
			"/v1/summarize", `{"text": "Un.", "provider": "nope"}`},
		{"an article's own unknown provider", `{"task": "articles", "articles": [{"text": "Un."}, {"text": "Deux.", "provider": "nope"}]}`, "unknown_provider", "articles[1]",
			"/v1/articles", `{"text": "Deux.", "provider": "nope"}`},
		{"a URL that is not http", `{"task": "translate", "urls": ["https://example.fr/a", "ftp://x"]}`, "url_not_allowed", "urls[1]",
			"/v1/translate", `{"url": "ftp://x"}`},
		{"a relative URL", `{"task": "translate", "urls": ["/a"]}`, "url_not_allowed", "urls[0]",
			"/v1/translate", `{"url": "/a"}`},
		{"an article's URL that is not http", `{"task": "summarize", "articles": [{"text": "Un."}, {"url": "file:///etc/passwd"}]}`, "url_not_allowed", "articles[1]",
			"/v1/summarize", `{"url": "file:///etc/passwd"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, h, "POST", "/v1/jobs", tc.body)
			var e errorBody
			_ = json.Unmarshal(rec.Body.Bytes(), &e)
			if rec.Code != 400 || e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.says) {
				t.Fatalf("%d %s, want 400 %s saying %q", rec.Code, rec.Body, tc.code, tc.says)
			}
			one := do(t, h, "POST", tc.single, tc.singleBody)
			var e1 errorBody
			_ = json.Unmarshal(one.Body.Bytes(), &e1)
			if one.Code != rec.Code || e1.Error.Code != e.Error.Code {
				t.Fatalf("%s answers %d %s, the job %d %s", tc.single, one.Code, one.Body, rec.Code, e.Error.Code)
			}
		})
	}
	// With fetching off, an article given by URL is refused as its
	// endpoint refuses it.
	off := jobsRouterWith(t, 0, func(o *gateway.Options) { o.Fetcher = nil })
	for _, body := range []string{`{"task": "translate", "urls": ["https://example.fr/a"]}`, `{"task": "articles", "articles": [{"text": "Un."}, {"url": "https://example.fr/b"}]}`} {
		rec := do(t, off, "POST", "/v1/jobs", body)
		one := do(t, off, "POST", "/v1/translate", `{"url": "https://example.fr/a"}`)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "url_not_allowed") || one.Code != rec.Code {
			t.Errorf("fetching off: %s = %d %s; the endpoint %d %s", body, rec.Code, rec.Body, one.Code, one.Body)
		}
	}
	for _, body := range []string{
		`{"task": "translate", "provider": "mark", "articles": [{"text": "Un."}], "urls": ["http://example.fr/a"]}`,
		`{"task": "articles", "provider": "first", "articles": [{"text": "Un.", "provider": "mark"}]}`,
	} {
		if rec := do(t, h, "POST", "/v1/jobs", body); rec.Code != http.StatusAccepted {
			t.Fatalf("%s: %d %s", body, rec.Code, rec.Body)
		}
	}
}

// Results are text to the validator: lines (events: decodeEventStream).
func init() {
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", openapi3filter.PlainBodyDecoder)
}

// The jobs API's replies match the document.
func TestOpenAPIMatchesJobReplies(t *testing.T) {
	_, router := loadContract(t)
	h := jobsRouter(t, 0)
	rec := do(t, h, "POST", "/v1/jobs", `{"task": "summarize", "summary_sentences": 1, "articles": [{"text": "Un.\n\nDeux."}], "urls": ["https://example.fr/a"]}`)
	var j struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &j)
	if rec.Code != 202 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if strings.Contains(do(t, h, "GET", "/v1/jobs/"+j.ID, "").Body.String(), `"status":"done"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job did not finish")
		}
	}
	lines := strings.Split(strings.TrimSpace(do(t, h, "GET", "/v1/jobs/"+j.ID+"/results", "").Body.String()), "\n")
	if len(lines) != 2 || !strings.Contains(strings.Join(lines, ""), `"status":502`) || !strings.Contains(strings.Join(lines, ""), `"status":200`) {
		// The URL's page cannot be fetched by the test gateway (its
		// fetcher reaches no network): its line says so, the other is the
		// summary.
		t.Fatalf("results: %q", lines)
	}
	other := jobs.NewID()
	anyKey := []string{"Authorization", "Bearer psl_any"} // auth is off: read by the document only
	for _, tc := range []contractCase{
		{name: "submit", h: h, method: "POST", path: "/v1/jobs", body: `{"task": "translate", "articles": [{"text": "Trois."}]}`, header: anyKey, requestValid: true, status: 202},
		{name: "submit nothing", h: h, method: "POST", path: "/v1/jobs", body: `{"task": "translate"}`, header: anyKey, requestValid: true, status: 400, code: "invalid_request"},
		{name: "status", h: h, method: "GET", path: "/v1/jobs/" + j.ID, header: anyKey, requestValid: true, status: 200},
		{name: "results", h: h, method: "GET", path: "/v1/jobs/" + j.ID + "/results?after=1", header: anyKey, requestValid: true, status: 200},
		{name: "results after -1", h: h, method: "GET", path: "/v1/jobs/" + j.ID + "/results?after=-1", header: anyKey, requestValid: false, status: 400, code: "invalid_request"},
		{name: "no such job", h: h, method: "GET", path: "/v1/jobs/" + other, header: anyKey, requestValid: true, status: 404, code: "not_found"},
		{name: "cancel a finished job", h: h, method: "DELETE", path: "/v1/jobs/" + j.ID, header: anyKey, requestValid: true, status: 409, code: "job_finished"},
		{name: "events of a finished job", h: h, method: "GET", path: "/v1/jobs/" + j.ID + "/events", header: anyKey, requestValid: true, status: 200},
	} {
		t.Run(tc.name, func(t *testing.T) { checkContract(t, router, tc) })
	}
}

// overloadedOnce refuses its first call as overloaded, as a full provider
// queue or budget does, then serves.
type overloadedOnce struct {
	Gateway
	refused atomic.Bool
}

func (g *overloadedOnce) Translate(ctx context.Context, req gateway.Request) (*gateway.Result, error) {
	if g.refused.CompareAndSwap(false, true) {
		return nil, &gateway.Error{Code: gateway.CodeOverloaded, Message: "the provider's queue is full"}
	}
	return g.Gateway.Translate(ctx, req)
}

// An article refused as overloaded waits its turn: the job pauses a moment
// and finishes with every article translated, none failed for a passing
// overload.
func TestJobArticleRefusedAsOverloadedWaits(t *testing.T) {
	gw := &overloadedOnce{Gateway: markService(t, nil)}
	engine := jobs.NewMemory(jobs.Options{Workers: 1, Poll: 10 * time.Millisecond})
	opts := Options{Jobs: engine, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	engine.Start(JobWork(gw, opts))
	defer engine.Stop(t.Context())
	job, err := engine.Submit(t.Context(), "", "translate", nil, []json.RawMessage{json.RawMessage(`{"text": "Le président est arrivé."}`)})
	if err != nil {
		t.Fatal(err)
	}
	var paused bool
	deadline := time.Now().Add(20 * time.Second)
	for {
		j, err := engine.Job(t.Context(), "", job.ID)
		if err != nil {
			t.Fatal(err)
		}
		paused = paused || j.Status == jobs.Paused
		if j.Status.Finished() {
			if j.Status != jobs.Done || j.Done != 1 || j.Failed != 0 {
				t.Fatalf("job %+v: want done with its article translated", j)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still %s", j.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !gw.refused.Load() || !paused {
		t.Fatalf("refused %v, paused %v: the overload was not met, and the test proves nothing", gw.refused.Load(), paused)
	}
}
