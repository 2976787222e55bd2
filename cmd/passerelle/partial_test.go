package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"passerelle/internal/testenv"
)

// expandedParagraph is one Apertium fails the length check on, every time:
// each contraction comes out as two words ("To the of the to the…"), the
// translation more than twice the source.
const expandedParagraph = "Au du aux au du aux au du aux au du aux au du aux au du aux au du aux."

// partialText is an article whose second paragraph is expandedParagraph.
const partialText = "Le président russe a rencontré le dirigeant de la Corée du Nord jeudi à Vladivostok.\n\n" +
	expandedParagraph + "\n\n" +
	"Les deux hommes se sont entretenus durant plusieurs heures avant un dîner officiel."

// partialReply is what the test reads of a reply.
type partialReply struct {
	Translation struct {
		Paragraphs []string `json:"paragraphs"`
	} `json:"translation"`
	Summary  *struct{ Text string } `json:"summary"`
	Complete *bool                  `json:"complete"`
	Warnings []struct {
		Paragraph int    `json:"paragraph"`
		Code      string `json:"code"`
		Check     string `json:"check"`
		Message   string `json:"message"`
	} `json:"warnings"`
	Cache struct {
		Status             string `json:"status"`
		SegmentsCached     int    `json:"segments_cached"`
		SegmentsTranslated int    `json:"segments_translated"`
	} `json:"cache"`
}

// TestPartialArticleEndToEnd runs the gateway as `make run` does, against a
// real Apertium and a real Redis, on an article one paragraph of which
// Apertium, the route's only provider, cannot get through the checks: the
// reply is 200 with the other paragraphs translated, "complete": false
// and a warning for that paragraph; nothing of it is cached, so that the
// same request asks Apertium for that paragraph again, and for it alone;
// "strict": true gets the 502.
func TestPartialArticleEndToEnd(t *testing.T) {
	cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
	if err := os.WriteFile(cfgPath, []byte("cache: {operation_timeout: 5s, redis: {read_timeout: 3s, write_timeout: 3s, dial_timeout: 3s}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	redisServer := testenv.StartRedis(t) // its own: every key in it is this test's
	gw := startGateway(t, map[string]string{
		"PASSERELLE_CONFIG": cfgPath,
		"REDIS_URL":         redisServer.URL(),
		"APERTIUM_URL":      testenv.ApertiumURL(t),
	})

	post := func(body map[string]any) (int, string, []byte) {
		t.Helper()
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, gw.url+"/v1/articles", bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		status, header, reply := roundTrip(t, req)
		return status, header.Get("X-Cache"), reply
	}
	partial := func(what string) partialReply {
		t.Helper()
		status, xcache, raw := post(map[string]any{"text": partialText, "source_lang": "fr"})
		if status != http.StatusOK {
			t.Fatalf("%s: status %d, want 200: %s", what, status, raw)
		}
		if xcache == "HIT" {
			t.Errorf("%s: X-Cache HIT for an incomplete article", what)
		}
		var r partialReply
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatalf("%s: reply is not JSON: %v: %s", what, err, raw)
		}
		if r.Complete == nil || *r.Complete {
			t.Errorf("%s: complete = %v, want false: %s", what, r.Complete, raw)
		}
		var failed int
		for _, w := range r.Warnings {
			if w.Code == "untranslated_words" {
				continue
			}
			failed++
			if w.Paragraph != 1 || w.Code != "output_check_failed" || w.Check != "length_ratio" || !strings.Contains(w.Message, "apertium") {
				t.Errorf("%s: warning %+v, want paragraph 1, output_check_failed, length_ratio, naming apertium", what, w)
			}
		}
		if failed != 1 {
			t.Errorf("%s: warnings %+v, want one for paragraph 1", what, r.Warnings)
		}
		if len(r.Translation.Paragraphs) != 3 {
			t.Fatalf("%s: paragraphs %q, want 3", what, r.Translation.Paragraphs)
		}
		if p := r.Translation.Paragraphs[1]; !strings.HasPrefix(p, "To the of the") {
			t.Errorf("%s: paragraph 1 = %q, want Apertium's output, held for the editor", what, p)
		}
		for i, words := range map[int][]string{0: {"president", "russian", "thursday"}, 2: {"men", "hours", "dinner"}} {
			p := strings.ToLower(r.Translation.Paragraphs[i])
			for _, w := range words {
				if !strings.Contains(p, w) {
					t.Errorf("%s: paragraph %d = %q, want it translated (%q)", what, i, r.Translation.Paragraphs[i], w)
				}
			}
		}
		if r.Summary == nil || r.Summary.Text == "" {
			t.Errorf("%s: no summary: %s", what, raw)
		}
		return r
	}

	segmentMisses := func() float64 {
		return metricValue(get(t, gw.url+"/metrics"), `passerelle_cache_lookups_total{level="segment",result="miss"}`)
	}
	first := partial("first")
	if first.Cache.Status != "miss" || first.Cache.SegmentsTranslated != 2 {
		t.Errorf("first: cache %+v, want a miss, 2 segments translated", first.Cache)
	}
	if n := segmentMisses(); n != 3 {
		t.Errorf("first: %v segment misses, want 3", n)
	}

	// Nothing of the lost paragraph in Redis, nor the whole article or
	// reply; the other paragraphs are there.
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: redisServer.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	deadline := 50
	var keys []string
	for ; deadline > 0; deadline-- {
		// The writes run after the reply: wait for the kept paragraphs.
		var err error
		if keys, err = rdb.Keys(ctx, "*").Result(); err != nil {
			t.Fatal(err)
		}
		if holds(t, rdb, keys, first.Translation.Paragraphs[2]) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if deadline == 0 {
		t.Errorf("paragraph 2 was not cached; keys %q", keys)
	}
	for _, k := range keys {
		v, err := rdb.Get(ctx, k).Result()
		if err != nil {
			continue // not a string
		}
		if strings.Contains(v, "To the of the") {
			t.Errorf("entry %s holds the lost paragraph's output: %.200s", k, v)
		}
	}

	again := partial("resend")
	if again.Cache.Status != "partial" || again.Cache.SegmentsCached != 2 || again.Cache.SegmentsTranslated != 0 {
		t.Errorf("resend: cache %+v, want partial, 2 segments cached", again.Cache)
	}
	// The lost paragraph, and it alone, was looked up and asked for again.
	if n := segmentMisses(); n != 4 {
		t.Errorf("resend: %v segment misses in all, want 4: the lost paragraph's again", n)
	}

	status, _, raw := post(map[string]any{"text": partialText, "source_lang": "fr", "strict": true})
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &e); status != http.StatusBadGateway || err != nil || e.Error.Code != "output_check_failed" || !strings.Contains(e.Error.Message, "length_ratio") {
		t.Errorf("strict: %d %s, want 502 output_check_failed naming length_ratio", status, raw)
	}
}

// holds reports whether the value of one of keys contains text.
func holds(t *testing.T, rdb *redis.Client, keys []string, text string) bool {
	t.Helper()
	for _, k := range keys {
		if v, err := rdb.Get(context.Background(), k).Result(); err == nil && strings.Contains(v, text) {
			return true
		}
	}
	return false
}
