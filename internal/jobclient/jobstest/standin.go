// Package jobstest stands in for the gateway's jobs API, as its contract
// documents it, for the tests of its clients (internal/jobclient and
// `passerelle translate`) that need what a real gateway cannot be made to do
// on cue: an article held until the test releases it, a stream cut, a
// gateway gone. cmd/passerelle's TestTranslateFolderThroughTheRealGateway
// runs the client against the gateway itself.
package jobstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// StandIn is an httptest server that speaks the jobs API:
// POST /v1/jobs answers 202 {id, status, total, links} with a Location;
// GET /v1/jobs/{id}; GET /v1/jobs/{id}/results (NDJSON, ?after=N skips the
// first N lines); GET /v1/jobs/{id}/events (SSE: progress, article and end
// events with ids, Last-Event-ID resumes, a heartbeat comment). A job
// belongs to the key that made it: another key gets 404.
//
// Articles are worked one at a time, each when the test releases one
// (Release), or all at once when auto is set. An article whose text holds
// "ÉCHEC" fails with 502 provider_error; the others are "translated" by
// prefixing their lines with "EN ", in the shape /v1/articles answers.
type StandIn struct {
	*httptest.Server
	key  string
	auto bool
	// Feeds are the items a feed address gives, as the gateway would fetch
	// them. Set them before the job is submitted.
	Feeds map[string][]Source

	// CutStreams ends every event stream after its first event, as a
	// proxy that drops long connections would; the client must resume with
	// Last-Event-ID. Set it before the job is submitted.
	CutStreams bool

	mu           sync.Mutex
	jobs         map[string]*standInJob
	submitted    []Request
	released     chan struct{}
	lastEventIDs []string // the Last-Event-ID of each event request
	served       int      // result lines served
	down         bool
}

// Source is an article of a job.
type Source struct {
	Text string `json:"text,omitempty"`
	HTML string `json:"html,omitempty"`
	URL  string `json:"url,omitempty"`
}

// Request is the body of POST /v1/jobs.
type Request struct {
	Task             string            `json:"task"`
	Articles         []Source          `json:"articles,omitempty"`
	URLs             []string          `json:"urls,omitempty"`
	Feed             string            `json:"feed,omitempty"`
	SummarySentences int               `json:"summary_sentences,omitempty"`
	Glossary         map[string]string `json:"glossary,omitempty"`
	Provider         string            `json:"provider,omitempty"`
	SourceLang       string            `json:"source_lang,omitempty"`
}

type standInJob struct {
	id, key   string
	articles  []Source
	results   [][]byte // NDJSON lines, in the order the articles finished
	events    []string // SSE entries, event i with id i+1
	done      int
	failed    int
	cancelled bool
	changed   chan struct{} // closed and replaced at each new event
}

// New starts a stand-in whose jobs belong to key, closed when the test
// ends.
func New(t testing.TB, key string, auto bool) *StandIn {
	s := &StandIn{key: key, auto: auto, jobs: map[string]*standInJob{}, released: make(chan struct{}, 1000), Feeds: map[string][]Source{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/jobs", s.create)
	mux.HandleFunc("GET /v1/jobs/{id}", s.status)
	mux.HandleFunc("GET /v1/jobs/{id}/results", s.results)
	mux.HandleFunc("GET /v1/jobs/{id}/events", s.eventStream)
	mux.HandleFunc("DELETE /v1/jobs/{id}", s.cancel)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		down := s.down
		s.mu.Unlock()
		if down {
			w.Header().Set("Retry-After", "1")
			apiError(w, 503, "shutting_down", "the gateway is stopping")
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// Release lets n more articles be worked.
func (s *StandIn) Release(n int) {
	for range n {
		s.released <- struct{}{}
	}
}

// SetDown makes every request answer 503 (a gateway restarting), or
// serves them again.
func (s *StandIn) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// LastEventIDs are the Last-Event-ID headers of the event requests, in
// order ("" for none).
func (s *StandIn) LastEventIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lastEventIDs...)
}

// Served is how many result lines were served, over all requests.
func (s *StandIn) Served() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served
}

// Submitted are the jobs asked, in order.
func (s *StandIn) Submitted() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.submitted...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func (s *StandIn) keyOf(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func (s *StandIn) create(w http.ResponseWriter, r *http.Request) {
	if s.keyOf(r) != s.key {
		apiError(w, 401, "unauthorized", "an API key is required")
		return
	}
	var req Request
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		apiError(w, 400, "invalid_request", err.Error())
		return
	}
	arts := append([]Source(nil), req.Articles...)
	for _, u := range req.URLs {
		arts = append(arts, Source{URL: u})
	}
	if req.Feed != "" {
		s.mu.Lock()
		items, ok := s.Feeds[req.Feed]
		s.mu.Unlock()
		if !ok {
			apiError(w, 422, "not_a_feed", "the document is not an RSS or Atom feed")
			return
		}
		arts = append(arts, items...)
	}
	s.mu.Lock()
	s.submitted = append(s.submitted, req)
	j := &standInJob{id: fmt.Sprintf("job%d", len(s.submitted)), key: s.keyOf(r), articles: arts, changed: make(chan struct{})}
	s.jobs[j.id] = j
	s.mu.Unlock()
	go s.work(j)
	w.Header().Set("Location", "/v1/jobs/"+j.id)
	writeJSON(w, http.StatusAccepted, map[string]any{"id": j.id, "status": "queued", "total": len(arts),
		"links": map[string]string{"self": "/v1/jobs/" + j.id, "results": "/v1/jobs/" + j.id + "/results", "events": "/v1/jobs/" + j.id + "/events"}})
}

// work finishes the job's articles in an order of its own (the last first),
// as concurrent workers would.
func (s *StandIn) work(j *standInJob) {
	for i := len(j.articles) - 1; i >= 0; i-- {
		if !s.auto {
			select {
			case <-s.released:
			case <-time.After(30 * time.Second):
				return
			}
		}
		line, ok := translate(i, j.articles[i])
		s.mu.Lock()
		if j.cancelled {
			s.mu.Unlock()
			return
		}
		j.results = append(j.results, line)
		status := 200
		if ok {
			j.done++
		} else {
			j.failed++
			status = 502
		}
		j.emit("article", fmt.Sprintf(`{"index": %d, "status": %d}`, i, status))
		j.emit("progress", fmt.Sprintf(`{"done": %d, "failed": %d, "total": %d}`, j.done, j.failed, len(j.articles)))
		if j.done+j.failed == len(j.articles) {
			j.emit("end", `{"status": "done"}`)
		}
		s.mu.Unlock()
	}
}

// emit adds an event; the caller holds s.mu.
func (j *standInJob) emit(name, data string) {
	j.events = append(j.events, fmt.Sprintf("id: %d\nevent: %s\ndata: %s\n\n", len(j.events)+1, name, data))
	close(j.changed)
	j.changed = make(chan struct{})
}

func translate(i int, a Source) ([]byte, bool) {
	text := a.Text + a.HTML
	if a.URL != "" {
		text = "Page " + a.URL + "\nTexte de la page."
	}
	if strings.Contains(text, "ÉCHEC") {
		b, _ := json.Marshal(map[string]any{"index": i, "status": 502, "error": map[string]string{"code": "provider_error", "message": "no provider could translate the article"}})
		return b, false
	}
	var paras []string
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			paras = append(paras, "EN "+l)
		}
	}
	title, paras := paras[0], paras[1:]
	rep := map[string]any{
		"translation": map[string]any{"title": title, "paragraphs": paras, "text": strings.Join(paras, "\n\n")},
		"summary":     map[string]any{"text": "EN summary of " + title, "sentences": 1},
		"complete":    true,
		"source_lang": "fr", "target_lang": "en",
	}
	if strings.Contains(text, "PARTIEL") {
		rep["complete"] = false
		rep["warnings"] = []map[string]any{{"paragraph": 0, "code": "output_check_failed", "check": "numbers", "message": "the number 12 is missing"}}
	}
	b, _ := json.Marshal(map[string]any{"index": i, "status": 200, "result": rep})
	return b, true
}

// job finds the caller's job; another key's is not found.
func (s *StandIn) job(w http.ResponseWriter, r *http.Request) *standInJob {
	s.mu.Lock()
	j := s.jobs[r.PathValue("id")]
	s.mu.Unlock()
	if j == nil || j.key != s.keyOf(r) {
		apiError(w, 404, "not_found", "no such job")
		return nil
	}
	return j
}

func (s *StandIn) status(w http.ResponseWriter, r *http.Request) {
	j := s.job(w, r)
	if j == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	status := "running"
	switch {
	case j.cancelled:
		status = "cancelled"
	case j.done+j.failed == len(j.articles):
		status = "done"
	}
	writeJSON(w, 200, map[string]any{"id": j.id, "status": status, "total": len(j.articles), "done": j.done, "failed": j.failed,
		"created_at": time.Now().UTC(), "usage": map[string]any{}})
}

// cancel is DELETE /v1/jobs/{id}: the articles not started are not worked.
func (s *StandIn) cancel(w http.ResponseWriter, r *http.Request) {
	j := s.job(w, r)
	if j == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !j.cancelled && j.done+j.failed < len(j.articles) {
		j.cancelled = true
		j.emit("end", `{"status": "cancelled"}`)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *StandIn) results(w http.ResponseWriter, r *http.Request) {
	j := s.job(w, r)
	if j == nil {
		return
	}
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	s.mu.Lock()
	lines := j.results[min(after, len(j.results)):]
	s.served += len(lines)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-ndjson")
	for _, l := range lines {
		w.Write(append(l, '\n'))
	}
}

func (s *StandIn) eventStream(w http.ResponseWriter, r *http.Request) {
	j := s.job(w, r)
	if j == nil {
		return
	}
	next, _ := strconv.Atoi(r.Header.Get("Last-Event-ID"))
	s.mu.Lock()
	s.lastEventIDs = append(s.lastEventIDs, r.Header.Get("Last-Event-ID"))
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(200)
	heartbeat := time.NewTicker(50 * time.Millisecond)
	defer heartbeat.Stop()
	for {
		s.mu.Lock()
		pending, changed := j.events[min(next, len(j.events)):], j.changed
		s.mu.Unlock()
		for _, e := range pending {
			fmt.Fprint(w, e)
			next++
			if strings.Contains(e, "event: end\n") || s.CutStreams {
				w.(http.Flusher).Flush()
				return
			}
		}
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-changed:
		case <-heartbeat.C:
			fmt.Fprint(w, ": heartbeat\n\n")
		}
	}
}
