package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
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
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Content string `json:"content"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) == 0 {
		writeOpenAIError(w, http.StatusBadRequest, "invalid_request_error", "invalid_body", "could not parse the request body")
		return
	}
	var payload struct {
		Segments []string `json:"segments"`
	}
	if err := json.Unmarshal([]byte(req.Messages[len(req.Messages)-1].Content), &payload); err != nil || len(payload.Segments) == 0 {
		writeOpenAIError(w, http.StatusBadRequest, "invalid_request_error", "invalid_body", "the user message is not the segment JSON")
		return
	}
	u.calls.Add(1)
	select {
	case <-time.After(time.Duration(u.delay.Load())):
	case <-r.Context().Done():
		return
	}
	out := make([]string, len(payload.Segments))
	for i, s := range payload.Segments {
		out[i] = english(utf8.RuneCountInString(s), digitRuns.FindAllString(s, -1))
	}
	content, _ := json.Marshal(map[string][]string{"translations": out})
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "created": time.Now().Unix(), "model": req.Model,
		"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": string(content)}}},
		"usage": map[string]int{"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
	})
}
