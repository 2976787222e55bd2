package main

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"passerelle/article/tokens"
	"passerelle/internal/testenv"
)

// standIn is an OpenAI-compatible chat completions server that translates
// with pseudoTranslate. It answers /v1/chat/completions at once and
// /delay/MS/v1/chat/completions after MS milliseconds, so that one server
// stands for a fast and a slow provider; GET /v1/models lists one model. It counts what it is sent, as a
// vendor would bill it: the characters of the segments and, while counting
// tokens is on, the prompt tokens of the whole request.
type standIn struct {
	calls       atomic.Int64
	characters  atomic.Int64 // runes of the segments sent
	tokens      atomic.Int64 // prompt tokens (system and user messages)
	outBytes    atomic.Int64 // bytes of the translations returned
	countTokens atomic.Bool  // tokenizing costs time: only the cost phase turns it on
	// inflight is the chat completions being answered; peakInflight the
	// most at once since it was last reset.
	inflight, peakInflight atomic.Int64

	mu       sync.Mutex
	captured []byte // the first request body seen while capture is on
	capture  bool
}

// usage is a snapshot of the stand-in's counters.
type usage struct {
	calls, characters, tokens, outBytes int64
}

func (s *standIn) usage() usage {
	return usage{s.calls.Load(), s.characters.Load(), s.tokens.Load(), s.outBytes.Load()}
}

func (u usage) since(before usage) usage {
	return usage{u.calls - before.calls, u.characters - before.characters, u.tokens - before.tokens, u.outBytes - before.outBytes}
}

// startCapture makes the server keep the next request body it is sent.
func (s *standIn) startCapture() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.captured, s.capture = nil, true
}

// capturedBody returns the body kept since startCapture, nil if none came.
func (s *standIn) capturedBody() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.captured
}

func (s *standIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var delay time.Duration
	path := r.URL.Path
	if rest, ok := strings.CutPrefix(path, "/delay/"); ok {
		ms, tail, _ := strings.Cut(rest, "/")
		n, err := strconv.Atoi(ms)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		delay, path = time.Duration(n)*time.Millisecond, "/"+tail
	}
	if path == "/v1/models" && r.Method == http.MethodGet {
		// The gateway's readiness check lists the models.
		testenv.WriteModels(w, standinModel, "bench")
		return
	}
	if path != "/v1/chat/completions" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	s.enter()
	defer s.inflight.Add(-1)
	body, err := readAll(r)
	if err != nil {
		openAIError(w, http.StatusBadRequest, "could not read the request body")
		return
	}
	req, err := testenv.DecodeChat(body)
	if err != nil {
		openAIError(w, http.StatusBadRequest, err.Error())
		return
	}
	segments, err := req.Segments()
	if err != nil {
		openAIError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	if s.capture && s.captured == nil {
		s.captured = body
		s.capture = false
	}
	s.mu.Unlock()

	s.calls.Add(1)
	var chars int
	out := make([]string, len(segments))
	for i, seg := range segments {
		chars += utf8.RuneCountInString(seg)
		out[i] = pseudoTranslate(seg)
	}
	s.characters.Add(int64(chars))
	var usage testenv.Usage
	content := testenv.TranslationsContent(out)
	s.outBytes.Add(int64(len(content)))
	if s.countTokens.Load() {
		counter := tokens.For(req.Model)
		for _, m := range req.Messages {
			usage.PromptTokens += counter.Count(m.Content)
		}
		usage.CompletionTokens = counter.Count(content)
		s.tokens.Add(int64(usage.PromptTokens))
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	_ = testenv.WriteCompletion(w, "chatcmpl-bench", req.Model, content, usage)
}

// enter counts a call in flight and keeps the peak.
func (s *standIn) enter() {
	n := s.inflight.Add(1)
	for {
		peak := s.peakInflight.Load()
		if n <= peak || s.peakInflight.CompareAndSwap(peak, n) {
			return
		}
	}
}

func openAIError(w http.ResponseWriter, status int, message string) {
	testenv.WriteOpenAIError(w, status, "invalid_request_error", "", message)
}
