package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/article/language"
	"passerelle/cache"
	"passerelle/internal/testenv"
	"passerelle/prompts"
	"passerelle/providers/apertium"
	"passerelle/providers/openai"
)

// What one client sends must never change what another reads: each test
// below has one client write the shared cache (a real Redis) with an input
// the other does not send, and the other read the same article.

// redisStore connects to the suite's Redis.
func redisStore(t *testing.T) *cache.Redis {
	t.Helper()
	store, err := cache.NewRedis(cache.RedisOptions{URL: testenv.RedisURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store
}

// unique makes text new to a Redis that outlives the test run.
func unique(text string) string {
	return text + " (" + time.Now().Format(time.RFC3339Nano) + ")"
}

func newApertiumService(t *testing.T, store cache.Store, detect bool) *Service {
	t.Helper()
	engine, err := apertium.New(apertium.Options{URL: testenv.ApertiumURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	options := []option{withCache(store), withTranslator("apertium", engine)}
	if detect {
		options = append(options, withDetector(language.NewDetector(language.Options{})))
	}
	return newTestService(t, options...)
}

// TestSourceLangCannotPoisonTheArticleEntry: an article sent with
// "source_lang": "fr" has its English paragraph pushed through Apertium,
// which mangles it; the same article sent without it keeps that paragraph
// as written, and must not be answered from the first one's entry.
func TestSourceLangCannotPoisonTheArticleEntry(t *testing.T) {
	const english = "HYDROXYCHLOROQUINE & AZITHROMYCIN, taken together, have a real chance to be one of the biggest game changers in the history of medicine."
	text := "Le président américain a vanté un traitement contre le virus\n\n" +
		unique("Le président américain a publié samedi un message sur les réseaux sociaux pour vanter un traitement qui n'a pas fait ses preuves.") + "\n\n" +
		english
	ctx := context.Background()
	store := redisStore(t)

	forced := newApertiumService(t, store, true)
	first, err := forced.Translate(ctx, Request{Text: text, SourceLang: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	forced.Flush()
	if got := first.Translation.Paragraphs[1]; got == english {
		t.Fatalf("Apertium returned the English as it was (%q): the test cannot tell keeping from translating", got)
	}

	// Another replica on the same Redis, another client.
	other := newApertiumService(t, store, true)
	for _, source := range []string{"", "auto"} {
		res, err := other.Translate(ctx, Request{Text: text, SourceLang: source})
		if err != nil {
			t.Fatal(err)
		}
		other.Flush()
		if got := res.Translation.Paragraphs[1]; got != english {
			t.Errorf("source_lang %q: paragraph %q (cache %+v), want the English as written", source, got, res.Cache)
		}
		// The first finds the article's entry of its own missing; the
		// second ("auto" keeps as "" does) is answered from it.
		if source == "" && res.Cache.SegmentsKept != 1 {
			t.Errorf("source_lang %q: cache %+v, want the English paragraph kept", source, res.Cache)
		}
	}
	// And the other way: the article's entry made keeping does not answer
	// a request that asks for every paragraph to be translated.
	again, err := forced.Translate(ctx, Request{Text: text, SourceLang: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Translation.Paragraphs[1] != first.Translation.Paragraphs[1] || again.Cache.Status != CacheHit {
		t.Errorf("source_lang fr again: %q (%+v), want %q from the cache", again.Translation.Paragraphs[1], again.Cache, first.Translation.Paragraphs[1])
	}
}

// glossaryModel is an OpenAI chat completions server that "translates" as
// fakeTranslator does and applies every glossary term it is shown, to
// every segment it is shown for, whatever the case of the text: what a
// model told "translate Kremlin as Gangsterland" does with "kremlin".
type glossaryModel struct {
	mu    sync.Mutex
	users []string // the user messages received
}

func (m *glossaryModel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, _, err := testenv.ReadChat(r)
	if err != nil {
		testenv.WriteOpenAIError(w, http.StatusBadRequest, "invalid_request_error", "invalid_body", err.Error())
		return
	}
	user := req.User()
	m.mu.Lock()
	m.users = append(m.users, user)
	m.mu.Unlock()
	// Read the message without the gateway's types: a glossary for the
	// whole message, or segments that carry their own.
	var in struct {
		Glossary map[string]string `json:"glossary"`
		Segments []json.RawMessage `json:"segments"`
	}
	_ = json.Unmarshal([]byte(user), &in)
	outs := make([]string, len(in.Segments))
	for i, raw := range in.Segments {
		var seg struct {
			Text     string            `json:"text"`
			Glossary map[string]string `json:"glossary"`
		}
		if json.Unmarshal(raw, &seg.Text) != nil {
			_ = json.Unmarshal(raw, &seg)
		}
		out := "llm:" + strings.ToUpper(seg.Text)
		for _, g := range []map[string]string{in.Glossary, seg.Glossary} {
			for src, dst := range g {
				out = regexp.MustCompile(`(?i)`+regexp.QuoteMeta(src)).ReplaceAllLiteralString(out, dst)
			}
		}
		outs[i] = out
	}
	_ = testenv.WriteCompletion(w, "chatcmpl-test", "gpt-test", testenv.TranslationsContent(outs), testenv.Usage{PromptTokens: 100, CompletionTokens: 40})
}

func newLLMService(t *testing.T, store cache.Store, model http.Handler) *Service {
	t.Helper()
	srv := httptest.NewServer(model)
	t.Cleanup(srv.Close)
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	llm, err := openai.New(openai.Options{Name: "gpt", BaseURL: srv.URL + "/v1", APIKey: "sk-test", Model: "gpt-test", Timeout: 30 * time.Second}, set)
	if err != nil {
		t.Fatal(err)
	}
	return glossaryInPromptService(t, store, "gpt", llm)
}

// TestGlossaryCaseCannotPoisonAParagraph: one client's glossary says
// "Kremlin" → "Gangsterland"; its article also writes "kremlin" in another
// paragraph. A model applies the term there too; that paragraph, read by a
// client without the glossary, must not say "Gangsterland".
func TestGlossaryCaseCannotPoisonAParagraph(t *testing.T) {
	shared := unique("Les murs du kremlin sont rouges depuis le XVe siècle.")
	text := "Le Kremlin a réagi jeudi soir.\n\n" + shared
	ctx := context.Background()
	store := redisStore(t)
	model := &glossaryModel{}
	svc := newLLMService(t, store, model)

	first, err := svc.Translate(ctx, Request{Text: text, Glossary: map[string]string{"Kremlin": "Gangsterland"}})
	if err != nil {
		t.Fatal(err)
	}
	svc.Flush()
	for i, p := range first.Translation.Paragraphs {
		if !strings.Contains(p, "Gangsterland") {
			t.Errorf("with the glossary, paragraph %d = %q: want the term applied", i, p)
		}
	}

	// Another client, without the glossary, on another replica: the
	// paragraph alone, then in an article of its own.
	other := newLLMService(t, store, model)
	for _, text := range []string{shared, "Moscou se tait.\n\n" + shared} {
		res, err := other.Translate(ctx, Request{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		other.Flush()
		got := res.Translation.Paragraphs[len(res.Translation.Paragraphs)-1]
		if strings.Contains(got, "Gangsterland") {
			t.Errorf("without a glossary: %q (cache %+v): another client's glossary was served", got, res.Cache)
		}
	}
}

// TestGlossaryIsShownPerParagraph: a model is shown, for each paragraph,
// the terms that paragraph's key covers, not the batch's.
func TestGlossaryIsShownPerParagraph(t *testing.T) {
	model := &glossaryModel{}
	svc := newLLMService(t, cache.NewMemory(cache.MemoryOptions{}), model)
	text := "Le Kremlin a réagi jeudi soir.\n\nPoutine est resté silencieux.\n\nRien à signaler ici."
	if _, err := svc.Translate(context.Background(), Request{Text: text, Glossary: map[string]string{"kremlin": "Gangsterland", "poutine": "Putin"}}); err != nil {
		t.Fatal(err)
	}
	if len(model.users) != 1 {
		t.Fatalf("%d calls, want the article in one", len(model.users))
	}
	var in struct {
		Glossary map[string]string `json:"glossary"`
		Segments []json.RawMessage `json:"segments"`
	}
	if err := json.Unmarshal([]byte(model.users[0]), &in); err != nil {
		t.Fatal(err)
	}
	if in.Glossary != nil || len(in.Segments) != 3 {
		t.Fatalf("message %s: want 3 segments and no glossary for all of them", model.users[0])
	}
	want := []string{
		`{"text":"Le Kremlin a réagi jeudi soir.","glossary":{"kremlin":"Gangsterland"}}`,
		`{"text":"Poutine est resté silencieux.","glossary":{"poutine":"Putin"}}`,
		`"Rien à signaler ici."`,
	}
	for i, raw := range in.Segments {
		if string(raw) != want[i] {
			t.Errorf("segment %d = %s, want %s", i, raw, want[i])
		}
	}
}

// TestPlaceholdersCannotBeForged: an article that writes a placeholder of
// the glossary's protection ("Zxq0qxZ") keeps it as written. Before, the
// engine's copy of it was "restored" to a term's translation, and cached
// under the key of a paragraph without the term.
func TestPlaceholdersCannotBeForged(t *testing.T) {
	forged := unique("Le code Zxq0qxZ a été publié jeudi sur le site du ministère.")
	both := "Poutine a cité le code Zxq0qxZ devant les journalistes."
	text := "Poutine a parlé jeudi.\n\n" + forged + "\n\n" + both
	ctx := context.Background()
	store := redisStore(t)

	svc := newApertiumService(t, store, false)
	first, err := svc.Translate(ctx, Request{Text: text, Glossary: map[string]string{"Poutine": "Putin"}})
	if err != nil {
		t.Fatal(err)
	}
	svc.Flush()
	got := first.Translation.Paragraphs
	if !strings.Contains(got[0], "Putin") || !strings.Contains(got[2], "Putin") {
		t.Errorf("the term was not applied: %q", got)
	}
	for _, i := range []int{1, 2} {
		if !strings.Contains(strings.ToLower(got[i]), "zxq0qxz") {
			t.Errorf("paragraph %d = %q: the article's own text was replaced", i, got[i])
		}
	}
	if strings.Contains(got[1], "Putin") {
		t.Errorf("paragraph 1 = %q: a term was written where the article has none", got[1])
	}

	other := newApertiumService(t, store, false)
	res, err := other.Translate(ctx, Request{Text: forged})
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Translation.Paragraphs[0]; strings.Contains(p, "Putin") || !strings.Contains(strings.ToLower(p), "zxq0qxz") {
		t.Errorf("without a glossary: %q (cache %+v): another client's term was served", p, res.Cache)
	}
}
