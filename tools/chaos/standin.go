package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"passerelle/internal/testenv"
)

// standin is an OpenAI-compatible chat completions server on loopback. It
// translates the phrases of the run (answering {"translations": [...]} as
// the gateway's JSON-schema prompt asks), injects the faults of its mode, and
// records every call with the segments it carried, so that the run can tell
// which article texts were paid for more than once.
type standin struct {
	name  string
	book  *phrasebook
	srv   *http.Server
	url   string // base URL, ending in /v1
	mode  atomic.Value
	delay atomic.Int64 // nanoseconds every answer waits, whatever the mode
	calls atomic.Int64
	stop  chan struct{} // closed by close, to free hanging handlers

	mu      sync.Mutex
	log     []providerCall
	unknown int // segments no phrase matched: the run's own bug
}

// providerCall is one chat completion the stand-in received.
type providerCall struct {
	provider   string
	segments   []string
	fault      fault
	start, end time.Time
	ok         bool // answered with translations
}

func startStandin(name string, book *phrasebook) (*standin, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &standin{name: name, book: book, stop: make(chan struct{}), url: "http://" + ln.Addr().String() + "/v1"}
	s.mode.Store(modeHealthy)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	mux.HandleFunc("GET /v1/models", s.models)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *standin) setMode(m mode) { s.mode.Store(m) }

// setDelay makes every answer wait d: a slow provider, that keeps the
// gateway's work in flight.
func (s *standin) setDelay(d time.Duration) { s.delay.Store(int64(d)) }

func (s *standin) close() {
	close(s.stop)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
}

// calls returns a copy of the calls received so far.
func (s *standin) callLog() ([]providerCall, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]providerCall(nil), s.log...), s.unknown
}

// models answers the gateway's readiness probe (GET /v1/models).
func (s *standin) models(w http.ResponseWriter, r *http.Request) {
	testenv.WriteModels(w, "chaos-model", "chaos")
}

func (s *standin) chat(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	req, _, err := testenv.ReadChat(r)
	if err != nil {
		testenv.WriteOpenAIError(w, http.StatusBadRequest, "invalid_request_error", "invalid_body", err.Error())
		return
	}
	segments, err := req.Segments()
	if err != nil {
		testenv.WriteOpenAIError(w, http.StatusBadRequest, "invalid_request_error", "invalid_body", err.Error())
		return
	}
	f := faultFor(s.mode.Load().(mode), s.calls.Add(1))
	ok := false
	defer func() {
		s.mu.Lock()
		s.log = append(s.log, providerCall{provider: s.name, segments: segments, fault: f, start: start, end: time.Now(), ok: ok})
		s.mu.Unlock()
	}()

	switch f {
	case faultRateLimit:
		w.Header().Set("Retry-After", "1")
		testenv.WriteOpenAIError(w, http.StatusTooManyRequests, "requests", "rate_limit_exceeded", "Rate limit reached for requests")
		return
	case faultServer:
		testenv.WriteOpenAIError(w, http.StatusInternalServerError, "server_error", "", "The server had an error while processing your request.")
		return
	case faultHang:
		// Bounded, so that a gateway without a timeout shows as a slow run
		// rather than a stuck one.
		t := time.NewTimer(30 * time.Second)
		defer t.Stop()
		select {
		case <-r.Context().Done():
		case <-s.stop:
		case <-t.C:
		}
		return
	case faultSlow:
		t := time.NewTimer(slowDelay)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	if d := time.Duration(s.delay.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-s.stop:
			t.Stop()
			return
		case <-t.C:
		}
	}
	out := make([]string, len(segments))
	for i, seg := range segments {
		en, found := s.book.translate(seg)
		if !found {
			s.mu.Lock()
			s.unknown++
			s.mu.Unlock()
			en = "(no phrase matched this segment)"
		}
		out[i] = en
	}
	n := len(out)
	err = testenv.WriteCompletion(w, "chatcmpl-chaos", req.Model, testenv.TranslationsContent(out), testenv.Usage{PromptTokens: 10 * n, CompletionTokens: 10 * n})
	// An answer the gateway could not receive was not paid for.
	ok = err == nil && !errors.Is(r.Context().Err(), context.Canceled)
}
