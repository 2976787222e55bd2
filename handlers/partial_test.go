package handlers

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"passerelle/providers"
)

// digitDropper translates as markTranslator does, but leaves out every
// digit: a paragraph with a number fails the numbers check, the others
// pass. It counts the segments it is sent.
type digitDropper struct{ segments *atomic.Int64 }

func (digitDropper) Fingerprint() string { return "digits" }

func (d digitDropper) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	d.segments.Add(int64(len(req.Segments)))
	out := make([]string, len(req.Segments))
	for i, s := range req.Segments {
		out[i] = "EN " + strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return -1
			}
			return r
		}, s)
	}
	return providers.TranslateResult{Translations: out, Model: "digits-1"}, nil
}

const partialBody = `{"title": "Un titre", "text": "Premier paragraphe.\n\nIl y a 12 chats dans la rue."}`

type partialReply struct {
	Translation struct {
		Paragraphs []string `json:"paragraphs"`
	} `json:"translation"`
	Summary  *summaryBody  `json:"summary"`
	Complete *bool         `json:"complete"`
	Warnings []warningBody `json:"warnings"`
}

func checkPartial(t *testing.T, raw []byte) {
	t.Helper()
	var r partialReply
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("reply is not JSON: %v: %s", err, raw)
	}
	if r.Complete == nil || *r.Complete {
		t.Errorf("complete = %v, want false: %s", r.Complete, raw)
	}
	// The stand-in leaves French words ("EN Premier paragraphe."): the
	// informational warnings that name them are not what is tested here.
	r.Warnings = failures(r.Warnings)
	if len(r.Warnings) != 1 || r.Warnings[0].Paragraph != 1 || r.Warnings[0].Code != "output_check_failed" || r.Warnings[0].Check != "numbers" || r.Warnings[0].Message == "" {
		t.Errorf("warnings = %+v, want one output_check_failed numbers at 1", r.Warnings)
	}
	if len(r.Translation.Paragraphs) != 2 || r.Translation.Paragraphs[0] != "EN Premier paragraphe." ||
		r.Translation.Paragraphs[1] != "EN Il y a chats dans la rue." {
		t.Errorf("paragraphs = %q, want the translated one and the provider's output for the other", r.Translation.Paragraphs)
	}
	if r.Summary == nil || r.Summary.Text == "" {
		t.Errorf("no summary: %s", raw)
	}
}

// An article with one paragraph no provider gets through the checks is
// answered 200 with the rest, complete false and a warning; the reply is
// not kept, so the same request asks the provider for that paragraph
// again; strict keeps the 502; a batch shows the same.
func TestOneParagraphLostIsAWarning(t *testing.T) {
	var sent atomic.Int64
	h := newRouter(t, routerOptions{translator: digitDropper{segments: &sent}})

	rec := do(t, h, "POST", "/v1/articles", partialBody)
	if rec.Code != 200 {
		t.Fatalf("status = %d, want 200: %s", rec.Code, rec.Body)
	}
	checkPartial(t, rec.Body.Bytes())
	first := sent.Load()

	again := do(t, h, "POST", "/v1/articles", partialBody)
	if again.Code != 200 || again.Header().Get("X-Cache") == "HIT" {
		t.Fatalf("repeat: %d %s, want 200 and no hit (nothing incomplete is kept)", again.Code, again.Header().Get("X-Cache"))
	}
	checkPartial(t, again.Body.Bytes())
	// The lost paragraph, and it alone, is asked for again (with its
	// retry alone): the others come from the cache.
	if got, want := sent.Load()-first, int64(2); got != want {
		t.Errorf("repeat sent %d segments, want %d", got, want)
	}

	strict := do(t, h, "POST", "/v1/articles", strings.Replace(partialBody, `{"title"`, `{"strict": true, "title"`, 1))
	var e errorBody
	if err := json.Unmarshal(strict.Body.Bytes(), &e); strict.Code != 502 || err != nil || e.Error.Code != "output_check_failed" {
		t.Errorf("strict: %d %s, want 502 output_check_failed", strict.Code, strict.Body)
	}

	batch := do(t, h, "POST", "/v1/batch", batchBody("articles", partialBody, `{"text": "Premier paragraphe."}`))
	r := decodeBatchReply(t, batch.Body.Bytes())
	if batch.Code != 200 || len(r.Results) != 2 || r.Results[0].Status != 200 || r.Succeeded != 2 {
		t.Fatalf("batch: %d %s", batch.Code, batch.Body)
	}
	checkPartial(t, r.Results[0].Result)
	var whole partialReply
	if err := json.Unmarshal(r.Results[1].Result, &whole); err != nil || whole.Complete == nil || !*whole.Complete || failures(whole.Warnings) != nil {
		t.Errorf("a whole article: complete %v, warnings %v, want true and no failure", whole.Complete, whole.Warnings)
	}
}

// failures returns the warnings of paragraphs that failed, without the
// informational untranslated_words ones.
func failures(warnings []warningBody) []warningBody {
	var out []warningBody
	for _, w := range warnings {
		if w.Code != "untranslated_words" {
			out = append(out, w)
		}
	}
	return out
}
