package main

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestJudgeShutdownReply(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 1000
	next := func() int { n++; return n }
	articles := []*article{newArticle(rng.IntN, next, 2), newArticle(rng.IntN, next, 2), newArticle(rng.IntN, next, 1)}
	translated := func(a *article) map[string]any {
		return map[string]any{"status": 200, "result": map[string]any{
			"translation": map[string]any{"title": a.titleEN, "paragraphs": a.parasEN}}}
	}
	stopped := map[string]any{"status": 503, "error": map[string]any{"code": "shutting_down", "message": "the gateway is stopping"}}
	reply := func(results ...map[string]any) []byte {
		raw, _ := json.Marshal(map[string]any{"results": results})
		return raw
	}
	tests := []struct {
		name                   string
		status                 int
		raw                    []byte
		finished, shuttingDown int
		problem                string // "" when none
	}{
		{"every article translated", 200, reply(translated(articles[0]), translated(articles[1]), translated(articles[2])), 3, 0, ""},
		{"finished and the rest retryable", 200, reply(translated(articles[0]), stopped, stopped), 1, 2, ""},
		{"none finished", 200, reply(stopped, stopped, stopped), 0, 3, ""},
		{"another article's translation", 200, reply(translated(articles[1]), stopped, stopped), 0, 2, "neither translated nor 503 shutting_down (200 without the article's translation 1)"},
		{"a provider timeout", 200, reply(translated(articles[0]),
			map[string]any{"status": 504, "error": map[string]any{"code": "provider_timeout"}}, stopped), 1, 1, "(504 provider_timeout 1)"},
		{"a result missing", 200, reply(translated(articles[0]), stopped), 1, 1, "2 results for 3 articles"},
		{"cut short", 200, reply(translated(articles[0]), stopped, stopped)[:40], 0, 0, "not whole JSON"},
		{"the batch refused", 503, []byte(`{"error":{"code":"shutting_down"}}`), 0, 0, "answered 503, not 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			finished, shuttingDown, _, problems := judgeShutdownReply(tt.status, tt.raw, articles)
			if finished != tt.finished || shuttingDown != tt.shuttingDown {
				t.Errorf("finished %d, shutting_down %d; want %d, %d", finished, shuttingDown, tt.finished, tt.shuttingDown)
			}
			switch {
			case tt.problem == "" && len(problems) > 0:
				t.Errorf("problems %q, want none", problems)
			case tt.problem != "" && (len(problems) != 1 || !strings.Contains(problems[0], tt.problem)):
				t.Errorf("problems %q, want one containing %q", problems, tt.problem)
			}
		})
	}
}
