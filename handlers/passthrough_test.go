package handlers

import (
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"passerelle/article/language"
	"passerelle/gateway"
)

// TestEnglishArticleIsNotAHit: an English article sent with "source_lang":
// "auto" is returned as it is, and says so: "status": "none" and X-Cache:
// NONE, never a hit, the first time and every time after; with a summary,
// the summary's own status. The web page names the cost for what it is.
func TestEnglishArticleIsNotAHit(t *testing.T) {
	svc := markService(t, func(o *gateway.Options) { o.Detector = language.NewDetector(language.Options{}) })
	h := New(svc, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	body := `{"source_lang": "auto", "text": "The summit between the two leaders ended on Thursday in Vladivostok, a port city in the Russian Far East.\n\nNeither side announced an agreement, but both said the talks had been useful and would go on."}`

	type reply struct {
		Provider struct{ Translation string }
		Cache    struct {
			Status         string
			SegmentsCached int `json:"segments_cached"`
		}
		Usage struct{ Translation map[string]any }
	}
	read := func(path, want, wantHeader string) {
		t.Helper()
		rec := do(t, h, "POST", path, body)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		var r reply
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if got := rec.Header().Get("X-Cache"); r.Provider.Translation != "none" || r.Cache.Status != want || got != wantHeader {
			t.Errorf("%s: provider %q, status %q, X-Cache %q; want none, %q, %q: %s", path, r.Provider.Translation, r.Cache.Status, got, want, wantHeader, rec.Body)
		}
	}
	for range 2 {
		read("/v1/translate", "none", "NONE")
		svc.Replies().Wait()
	}
	// The summary is made, then found in the cache.
	read("/v1/articles", "miss", "MISS")
	svc.Replies().Wait()
	read("/v1/articles", "hit", "HIT")

	script := do(t, h, "GET", "/assets/app.js", "").Body.String()
	if !strings.Contains(script, `reply.provider.translation === "none" ? "nothing (already in English, not translated)"`) {
		t.Errorf("the web page does not say an article returned as it is cost nothing for not being translated")
	}
}
