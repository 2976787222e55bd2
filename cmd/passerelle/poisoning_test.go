package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

// TestOneClientCannotChangeWhatAnotherReads runs the gateway against a real
// Redis and a real Apertium. One client sends an article with inputs that
// change its translation ("source_lang": "fr", a glossary); another sends
// the same article without them, twice, the second time answered from the
// cache or from its kept reply: both answers are its own.
func TestOneClientCannotChangeWhatAnotherReads(t *testing.T) {
	const english = "HYDROXYCHLOROQUINE & AZITHROMYCIN, taken together, have a real chance to be one of the biggest game changers in the history of medicine."
	nonce := time.Now().Format(time.RFC3339Nano)
	text := "Le président américain a vanté un traitement contre le virus\n\n" +
		"Poutine a publié samedi un message sur les réseaux sociaux pour vanter un traitement (" + nonce + ").\n\n" +
		english + "\n\n" +
		"Le code Zxq0qxZ a été publié jeudi sur le site du ministère (" + nonce + ")."
	cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
	if err := os.WriteFile(cfgPath, []byte("cache: {operation_timeout: 5s, redis: {read_timeout: 3s, write_timeout: 3s, dial_timeout: 3s}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := startGateway(t, map[string]string{
		"PASSERELLE_CONFIG": cfgPath,
		"REDIS_URL":         testenv.RedisURL(t),
		"APERTIUM_URL":      testenv.ApertiumURL(t),
	})

	forced, _ := postBody(t, gw.url, map[string]any{"text": text, "source_lang": "fr"})
	if p := forced.Translation.Paragraphs; p[1] == english {
		t.Fatalf("the first client's translation %q: want its English paragraph translated", p)
	}
	glossed, _ := postBody(t, gw.url, map[string]any{"text": text, "glossary": map[string]string{"Poutine": "Gangsterland"}})
	if p := glossed.Translation.Paragraphs; !strings.Contains(p[0], "Gangsterland") {
		t.Fatalf("the first client's translation %q: want its term applied", p)
	}
	// Let the first client's cache writes land.
	time.Sleep(500 * time.Millisecond)
	for i := 0; i < 2; i++ {
		reply, xcache := postBody(t, gw.url, map[string]any{"text": text})
		p := reply.Translation.Paragraphs
		if p[1] != english {
			t.Errorf("request %d (X-Cache %s): paragraph %q, want the English as written", i+1, xcache, p[1])
		}
		if strings.Contains(p[0], "Gangsterland") || strings.Contains(p[2], "Gangsterland") || !strings.Contains(strings.ToLower(p[2]), "zxq0qxz") {
			t.Errorf("request %d (X-Cache %s): %q, want no term of the other client's glossary, and the article's own text", i+1, xcache, p)
		}
		if i == 1 && xcache != "HIT" {
			t.Errorf("request 2: X-Cache %s, want HIT", xcache)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if metrics := get(t, gw.url+"/metrics"); metricValue(metrics, `passerelle_cache_lookups_total{level="reply",result="hit"}`) != 1 {
		t.Errorf("reply hits = %v, want the repeat answered from its kept reply", metricValue(metrics, `passerelle_cache_lookups_total{level="reply",result="hit"}`))
	}
}

func postBody(t *testing.T, url string, body map[string]any) (articleReply, string) {
	t.Helper()
	raw, _ := json.Marshal(body)
	resp, err := http.Post(url+"/v1/articles", "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var reply articleReply
	got := new(bytes.Buffer)
	_, _ = got.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /v1/articles = %d: %s", resp.StatusCode, got)
	}
	if err := json.Unmarshal(got.Bytes(), &reply); err != nil {
		t.Fatalf("reply is not JSON: %v: %s", err, got)
	}
	return reply, resp.Header.Get("X-Cache")
}
