package main

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"passerelle/internal/testenv"
)

// englishUpstream is an OpenAI-compatible chat completions server whose
// translations pass the gateway's output checks: English of about the
// source's length, with the source's numbers. It counts its calls and
// takes delay over each.
type englishUpstream struct {
	srv   *httptest.Server
	calls atomic.Int64
	delay atomic.Int64 // time.Duration
}

func newEnglishUpstream(t *testing.T, delay time.Duration) *englishUpstream {
	t.Helper()
	u := &englishUpstream{}
	u.delay.Store(int64(delay))
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *englishUpstream) url() string { return u.srv.URL + "/v1" }

var digitRuns = regexp.MustCompile(`[0-9]+`)

// english is an English sentence of about n characters holding numbers.
func english(n int, numbers []string) string {
	const filler = "The talks went on for hours and ended without any statement from either side. "
	var b strings.Builder
	for utf8.RuneCountInString(b.String()) < n {
		b.WriteString(filler)
	}
	out := []rune(b.String())[:max(n, 20)]
	return strings.TrimSpace(string(out)) + " " + strings.Join(numbers, " ")
}

func (u *englishUpstream) serve(w http.ResponseWriter, r *http.Request) {
	model, segments, ok := readSegments(w, r)
	if !ok {
		return
	}
	u.calls.Add(1)
	select {
	case <-time.After(time.Duration(u.delay.Load())):
	case <-r.Context().Done():
		return
	}
	out := make([]string, len(segments))
	for i, s := range segments {
		out[i] = english(utf8.RuneCountInString(s), digitRuns.FindAllString(s, -1))
	}
	writeTranslations(w, model, out)
}

// readChat reads an OpenAI chat completions request and returns its model
// and its last (user) message; when the request is not one, it answers 400
// in the vendor's format and returns false.
func readChat(w http.ResponseWriter, r *http.Request) (model, user string, ok bool) {
	if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return "", "", false
	}
	req, _, err := testenv.ReadChat(r)
	if err != nil {
		testenv.WriteOpenAIError(w, http.StatusBadRequest, "invalid_request_error", "invalid_body", err.Error())
		return "", "", false
	}
	return req.Model, req.User(), true
}

// readSegments reads a translation request as readChat does and returns the
// segments of its user message.
func readSegments(w http.ResponseWriter, r *http.Request) (model string, segments []string, ok bool) {
	model, user, ok := readChat(w, r)
	if !ok {
		return "", nil, false
	}
	segments, err := testenv.ChatRequest{Messages: []testenv.ChatMessage{{Role: "user", Content: user}}}.Segments()
	if err != nil {
		testenv.WriteOpenAIError(w, http.StatusBadRequest, "invalid_request_error", "invalid_body", err.Error())
		return "", nil, false
	}
	return model, segments, true
}

// writeTranslations answers a translation request with out, one translation
// per segment.
func writeTranslations(w http.ResponseWriter, model string, out []string) {
	writeChat(w, model, testenv.TranslationsContent(out), 10, 10)
}

// writeChat answers a chat completion whose assistant message is content,
// with the token counts given.
func writeChat(w http.ResponseWriter, model, content string, promptTokens, completionTokens int) {
	_ = testenv.WriteCompletion(w, "chatcmpl-1", model, content, testenv.Usage{PromptTokens: promptTokens, CompletionTokens: completionTokens})
}
