package gateway

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/cache"
	"passerelle/internal/testenv"
	"passerelle/providers"
	"passerelle/providers/apertium"
)

// TestVerbatimSpans: what is protected, and what is not.
func TestVerbatimSpans(t *testing.T) {
	for _, tt := range []struct {
		text string
		want []string
	}{
		{"le parti ANO et la CNIL", []string{"ANO", "CNIL"}},
		{"Voir https://t.co/AbCdEf12.", []string{"https://t.co/AbCdEf12"}},
		{"(www.Exemple.fr/Page)", []string{"www.Exemple.fr/Page"}},
		{"Écrire à Jean.Dupont@Exemple.fr, vite.", []string{"Jean.Dupont@Exemple.fr"}},
		{"@JeanDupont et #Macron2022, pas #1", []string{"@JeanDupont", "#Macron2022"}},
		{"la version 3.5.1, le 08.11.00.06.95, 3,5 milliards", []string{"3.5.1", "08.11.00.06.95"}},
		{"l'INSEE et LREM, pas Lrem ni l'A320 ni ABCDEFG", []string{"INSEE", "LREM"}},
		{"LE PARTI ANO GAGNE", nil}, // a title in capitals
		{"Rien ici.", nil},
	} {
		var got []string
		for _, s := range verbatimSpans(tt.text, "") {
			got = append(got, tt.text[s.start:s.end])
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("verbatimSpans(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// TestVerbatimProtect: spans take placeholders after the glossary's terms,
// of a stem the text does not contain, and come back as written.
func TestVerbatimProtect(t *testing.T) {
	g, err := newGlossary(nil, map[string]string{"Élysée": "Élysée Palace", "LREM": "Renaissance"})
	if err != nil {
		t.Fatal(err)
	}
	text := "L'Élysée et LREM, l'ANO et l'OTAN : https://t.co/AbC, Zxq0qxZ, ANO."
	p := g.protect(text)
	if want := "L'Zxqb0qxZ et Zxqb1qxZ, l'Zxqb2qxZ et l'Zxqb3qxZ : Zxqb4qxZ, Zxq0qxZ, Zxqb2qxZ."; p.text != want {
		t.Fatalf("protect = %q, want %q", p.text, want)
	}
	// Engines lowercase what they do not know; the article's own
	// "Zxq0qxZ" is not a placeholder and stays.
	got := p.restore("The zxqb0qxz and ZXQB1QXZ, the Zxqb2qxZ and the Zxqb3qxZ: zxqb4qxz, Zxq0qxZ, Zxqb2qxZ.")
	if want := "The Élysée Palace and Renaissance, the ANO and the NATO: https://t.co/AbC, Zxq0qxZ, ANO."; got != want {
		t.Errorf("restore = %q, want %q", got, want)
	}
}

// TestVerifyVerbatim: an output that lost or altered a span fails with a
// reason that names it.
func TestVerifyVerbatim(t *testing.T) {
	g, err := newGlossary(nil, map[string]string{"LREM": "Renaissance"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		src, out, fails string
	}{
		{"le parti ANO", "the split ANUS", `the acronym "ANO" is missing or altered`},
		{"le parti ANO", "the ANO party", ""},
		{"voir https://t.co/AbC", "see https://t.co/abc", `the link "https://t.co/AbC" is missing or altered`},
		{"voir https://t.co/AbC", "see https://t.co/AbCd", `the link "https://t.co/AbC" is missing or altered`},
		{"à a.b@C.fr", "to a.b@c.fr", `the e-mail address "a.b@C.fr" is missing or altered`},
		{"par @Jean #Vote", "by @Jean #vote", `the hashtag "#Vote" is missing or altered`},
		{"l'OTAN", "the Atlantic Alliance", ""},                              // translated, not kept
		{"le 03/02/2020", "on 3 February 2020", ""},                          // numbers are the numbers check's
		{"LREM a voté", "Renaissance voted", ""},                             // a glossary term, the glossary's to check
		{"L'ÉTAT A TORT", "THE STATE IS WRONG", ""},                          // a title in capitals
		{"la CNIL et la CNIL", "the CNIL and the CNIL", ""},                  // repeated
		{"la CNIL", "the CNILS", `the acronym "CNIL" is missing or altered`}, // not a whole word
	} {
		f := g.verifyVerbatim(tt.src, tt.out)
		switch {
		case tt.fails == "" && f != nil:
			t.Errorf("verifyVerbatim(%q, %q) = %v, want none", tt.src, tt.out, f)
		case tt.fails != "" && (f == nil || f.Check != "verbatim" || f.Detail != tt.fails):
			t.Errorf("verifyVerbatim(%q, %q) = %v, want verbatim: %s", tt.src, tt.out, f, tt.fails)
		}
	}
}

// recordingStore keeps what was written to it.
type recordingStore struct {
	cache.Store
	mu      sync.Mutex
	entries []cache.Entry
}

func (r *recordingStore) SetMany(ctx context.Context, entries []cache.Entry, ttl time.Duration) error {
	r.mu.Lock()
	r.entries = append(r.entries, entries...)
	r.mu.Unlock()
	return r.Store.SetMany(ctx, entries, ttl)
}

func (r *recordingStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	r.mu.Lock()
	r.entries = append(r.entries, cache.Entry{Key: key, Value: value})
	r.mu.Unlock()
	return r.Store.Set(ctx, key, value, ttl)
}

// TestVerbatimWithApertium: the real engine mangles acronyms, links and
// e-mail addresses when it sees them; through the gateway each comes back
// exactly as written, and an entry cached before they were protected is not
// served.
func TestVerbatimWithApertium(t *testing.T) {
	engine, err := apertium.New(apertium.Options{URL: testenv.ApertiumURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	newService := func(store cache.Store) *Service {
		t.Helper()
		return newTestService(t, withCache(store), withTranslator("apertium", engine))
	}
	text := "Le parti ANO a gagné les élections, selon https://t.co/AbCdEf12 et l'INSEE.\n\n" +
		"Pour la version 3.5.1, écrivez à Jean.Dupont@Exemple.fr ou à @JeanDupont, avec #Macron2022."
	want := []string{"ANO", "https://t.co/AbCdEf12", "INSEE", "3.5.1", "Jean.Dupont@Exemple.fr", "@JeanDupont", "#Macron2022"}

	store := &recordingStore{Store: cache.NewMemory(cache.MemoryOptions{})}
	svc := newService(store)
	res, err := svc.Translate(context.Background(), Request{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	svc.Flush()
	got := strings.Join(res.Translation.Paragraphs, "\n")
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("translation %q lacks %q", got, w)
		}
	}
	for _, bad := range []string{"ANUS", "Zxq", "t.co/abcdef12"} {
		if strings.Contains(got, bad) {
			t.Errorf("translation %q holds %q", got, bad)
		}
	}
	if !strings.Contains(got, "party") {
		t.Errorf("the text around the spans was not translated: %q", got)
	}

	// The same entries, mangled as the engine left them before, under
	// the previous version's keys: a new version must not serve them.
	store.mu.Lock()
	old := cache.NewMemory(cache.MemoryOptions{})
	for _, e := range store.entries {
		if !strings.HasPrefix(e.Key, "passerelle:v3:") {
			t.Errorf("key %q is not of version 3", e.Key)
		}
		key := strings.Replace(e.Key, "passerelle:v3:", "passerelle:v2:", 1)
		value := strings.ReplaceAll(string(e.Value), "ANO", "ANUS")
		if err := old.Set(context.Background(), key, []byte(value), 0); err != nil {
			t.Fatal(err)
		}
	}
	store.mu.Unlock()
	again, err := newService(old).Translate(context.Background(), Request{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(again.Translation.Paragraphs, "\n"); strings.Contains(got, "ANUS") {
		t.Errorf("an entry of the previous version was served: %q", got)
	}
}

// manglingLLM answers as a model that did not keep the acronym would, and
// keeps what it was sent.
type manglingLLM struct {
	mu   sync.Mutex
	sent []string
}

func (m *manglingLLM) Fingerprint() string { return "mangling-llm" }

func (m *manglingLLM) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	m.mu.Lock()
	m.sent = append(m.sent, req.Segments...)
	m.mu.Unlock()
	out := make([]string, len(req.Segments))
	for i := range out {
		out[i] = "The split ANUS won the elections, according to the national statistics office."
	}
	return providers.TranslateResult{Translations: out, Model: "mangling"}, nil
}

// TestVerbatimCheckFailsAnLLM: a model is sent the spans as written (it is
// told to keep them, not given placeholders), and an output that lost one
// fails the verbatim check and goes to the next provider.
func TestVerbatimCheckFailsAnLLM(t *testing.T) {
	engine, err := apertium.New(apertium.Options{URL: testenv.ApertiumURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	llm := &manglingLLM{}
	svc := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})),
		withTranslator("llm", llm, glossaryInPrompt), withTranslator("apertium", engine))
	text := "Le parti ANO a gagné les élections, selon l'INSEE."
	res, err := svc.Translate(context.Background(), Request{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	llm.mu.Lock()
	sent := strings.Join(llm.sent, "\n")
	llm.mu.Unlock()
	if !strings.Contains(sent, "ANO") || strings.Contains(sent, "Zxq") {
		t.Errorf("the model was sent %q, want the spans as written", sent)
	}
	got := res.Translation.Paragraphs[0]
	if res.Translation.Provider != "apertium" || !strings.Contains(got, "ANO") || !strings.Contains(got, "INSEE") {
		t.Errorf("translation by %q: %q, want apertium's, with ANO and INSEE", res.Translation.Provider, got)
	}
}
