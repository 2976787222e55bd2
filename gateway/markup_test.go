package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"passerelle/article/language"
	"passerelle/cache"
	"passerelle/gateway/checks"
	"passerelle/internal/testenv"
	"passerelle/prompts"
	"passerelle/providers/apertium"
	"passerelle/providers/openai"
)

const mastodonPost = `<p>Salut <a href="https://t.co/AbC" class="mention">@<span>bob</span></a>, le <strong>président</strong> a parlé ce matin devant les députés.</p><p>Deuxième paragraphe sur la réforme des retraites.</p>`

// HTML segments through the real Apertium, over a real Redis: the tags,
// attributes and link come back exactly, around English text, the
// acronym of the text is protected while the class named like one is
// left alone, and the outer white space is kept.
func TestHTMLSegmentsThroughApertium(t *testing.T) {
	svc := newApertiumService(t, redisStore(t), true)
	given := []string{
		mastodonPost,
		"  <div class=\"DIV\">" + unique("Le parti ANO a gagné les élections.") + "</div>\n",
	}
	res, err := svc.Translate(context.Background(), Request{Segments: given, Format: "html", SourceLang: "auto"})
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Translation
	if len(tr.Paragraphs) != 2 || !tr.Complete() {
		t.Fatalf("paragraphs %q, warnings %+v", tr.Paragraphs, tr.Warnings)
	}
	for i, out := range tr.Paragraphs {
		if f := checks.Markup(given[i], out); f != nil {
			t.Errorf("segment %d: %v\n%s", i, f, out)
		}
	}
	first := tr.Paragraphs[0]
	if !strings.Contains(first, `<a href="https://t.co/AbC" class="mention">`) || !strings.Contains(first, "president") || strings.Contains(first, "président") {
		t.Errorf("segment 0 = %q: want the link as written around English text", first)
	}
	second := tr.Paragraphs[1]
	if !strings.HasPrefix(second, `  <div class="DIV">`) || !strings.HasSuffix(second, "</div>\n") || !strings.Contains(second, "ANO") || strings.Contains(second, "ANUS") {
		t.Errorf("segment 1 = %q: want its white space, its class and the acronym kept", second)
	}
	if res.DetectedLang != "fr" || res.Translation.Provider != "apertium" {
		t.Errorf("detected %q, provider %q", res.DetectedLang, res.Translation.Provider)
	}
}

// The same string as text and as HTML is two translations: two segment
// entries in the cache (a real Redis of the test's own), each found again
// by a request of its own format.
func TestSameStringInTextAndHTMLIsTwoEntries(t *testing.T) {
	srv := testenv.StartRedis(t)
	store, err := cache.NewRedis(cache.RedisOptions{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	llm := &fakeTranslator{name: "llm"}
	svc := newTestService(t, withCache(store), withTranslator("llm", llm))
	ctx := context.Background()
	given := []string{"<b>Le chat</b> dort sur le canapé du salon."}
	for i, format := range []string{"text", "html", "text", "html"} {
		res, err := svc.Translate(ctx, Request{Segments: given, Format: format})
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		svc.Flush()
		if want := map[bool]string{true: CacheMiss, false: CacheHit}[i < 2]; res.Cache.Status != want {
			t.Errorf("request %d (%s): cache %s, want %s", i, format, res.Cache.Status, want)
		}
	}
	if llm.calls != 2 {
		t.Errorf("%d provider calls, want one per format", llm.calls)
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	for kind, want := range map[cache.Kind]int{cache.KindSegment: 2, cache.KindDocument: 2} {
		keys, err := rdb.Keys(ctx, "passerelle:v3:"+string(kind)+":*").Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != want {
			t.Errorf("%d %s entries, want %d: %q", len(keys), kind, want, keys)
		}
	}
}

// markupModel is an OpenAI chat completions server that translates the
// segments it knows, and the one with a mention with its span dropped,
// every time; it records the system prompts it is given.
type markupModel struct {
	breakAll bool // every segment's answer has its tags out of order
	mu       sync.Mutex
	systems  []string
}

var markupAnswers = map[string]struct{ good, broken string }{
	mastodonPost: {
		good:   `<p>Hi <a href="https://t.co/AbC" class="mention">@<span>bob</span></a>, the <strong>president</strong> spoke this morning before the deputies.</p><p>Second paragraph on the pension reform.</p>`,
		broken: `<p>Hi <a href="https://t.co/AbC" class="mention">@bob</a>, the <strong>president</strong> spoke this morning before the deputies.</p><p>Second paragraph on the pension reform.</p>`,
	},
	`<p>Le <em>gouvernement</em> a présenté <b>son projet</b> mercredi.</p>`: {
		good:   `<p>The <em>government</em> presented <b>its plan</b> on Wednesday.</p>`,
		broken: `<p>The <b>government</b> presented <em>its plan</em> on Wednesday.</p>`,
	},
}

func (m *markupModel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, _, err := testenv.ReadChat(r)
	if err != nil {
		testenv.WriteOpenAIError(w, http.StatusBadRequest, "invalid_request_error", "invalid_body", err.Error())
		return
	}
	m.mu.Lock()
	m.systems = append(m.systems, req.Messages[0].Content)
	m.mu.Unlock()
	segments, err := req.Segments()
	if err != nil {
		testenv.WriteOpenAIError(w, http.StatusBadRequest, "invalid_request_error", "invalid_body", err.Error())
		return
	}
	outs := make([]string, len(segments))
	for i, seg := range segments {
		a := markupAnswers[seg]
		outs[i] = a.good
		if m.breakAll || strings.Contains(seg, "bob") {
			outs[i] = a.broken // the mention loses its span, every time
		}
	}
	_ = testenv.WriteCompletion(w, "chatcmpl-test", "gpt-test", testenv.TranslationsContent(outs), testenv.Usage{PromptTokens: 100, CompletionTokens: 40})
}

func markupModelTranslator(t *testing.T, model http.Handler) *openai.Provider {
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
	return llm
}

// A model that drops a tag fails the markup check: the segment goes to
// the next provider; with none left, the others are returned and it holds
// its source, named in a warning.
func TestMarkupCheckFallsBackThenPartial(t *testing.T) {
	other := `<p>Le <em>gouvernement</em> a présenté <b>son projet</b> mercredi.</p>`
	given := []string{mastodonPost, other}
	ctx := context.Background()
	detector := withDetector(language.NewDetector(language.Options{}))

	engine, err := apertium.New(apertium.Options{URL: testenv.ApertiumURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	model := &markupModel{}
	chained := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})), detector,
		withTranslator("gpt", markupModelTranslator(t, model), glossaryInPrompt), withTranslator("apertium", engine))
	res, err := chained.Translate(ctx, Request{Segments: given, Format: "html"})
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Translation
	if !tr.Complete() || tr.Provider != "apertium,gpt" && tr.Provider != "gpt,apertium" {
		t.Errorf("provider %q, warnings %+v: want both, complete", tr.Provider, tr.Warnings)
	}
	if f := checks.Markup(mastodonPost, tr.Paragraphs[0]); f != nil || strings.Contains(tr.Paragraphs[0], "président") {
		t.Errorf("segment 0 = %q (%v): want the fallback's translation, tags kept", tr.Paragraphs[0], f)
	}
	if tr.Paragraphs[1] != markupAnswers[other].good {
		t.Errorf("segment 1 = %q, want the model's", tr.Paragraphs[1])
	}
	if len(model.systems) == 0 || !strings.Contains(model.systems[0], "fragment of HTML") {
		t.Errorf("the model was not told the segments are HTML")
	}

	alone := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})), detector,
		withTranslator("gpt", markupModelTranslator(t, &markupModel{}), glossaryInPrompt))
	res, err = alone.Translate(ctx, Request{Segments: given, Format: "html"})
	if err != nil {
		t.Fatal(err)
	}
	tr = res.Translation
	if len(tr.Warnings) != 1 || tr.Warnings[0].Paragraph != 0 || tr.Warnings[0].Check != checks.CheckMarkup || tr.Warnings[0].Code != CodeOutputCheck {
		t.Fatalf("warnings = %+v, want one for segment 0, check markup", tr.Warnings)
	}
	if tr.Paragraphs[0] != mastodonPost || tr.Paragraphs[1] != markupAnswers[other].good {
		t.Errorf("paragraphs = %q: want the source for the broken one, the translation for the other", tr.Paragraphs)
	}

	// Tags out of order in every answer: nothing to return.
	broken := newTestService(t, detector, withTranslator("gpt", markupModelTranslator(t, &markupModel{breakAll: true}), glossaryInPrompt))
	_, err = broken.Translate(ctx, Request{Segments: given, Format: "html"})
	if ErrorCode(err) != CodeOutputCheck || !strings.Contains(err.Error(), "markup") {
		t.Errorf("every segment broken: err = %v, want %s naming the markup check", err, CodeOutputCheck)
	}
}

// Placeholders protect the text of a fragment only: a tag name, a class
// or an href is never taken for an acronym or a link, and restoring gives
// the fragment back.
func TestProtectHTMLLeavesMarkupAlone(t *testing.T) {
	g, err := newGlossary(nil, map[string]string{"Élysée": "Élysée Palace", "AT&T": "AT&T"})
	if err != nil {
		t.Fatal(err)
	}
	src := `<DIV class="ONU" data-x="www.exemple.fr"><a href="https://t.co/AbC">Le parti ANO</a> à l'Élysée, avec AT&T et l'ONU.</DIV>`
	p := g.protectHTML(src)
	for _, kept := range []string{`<DIV class="ONU" data-x="www.exemple.fr">`, `<a href="https://t.co/AbC">`, "</DIV>"} {
		if !strings.Contains(p.text, kept) {
			t.Errorf("protected %q lost %q", p.text, kept)
		}
	}
	for _, gone := range []string{"ANO", "Élysée", "l'ONU"} {
		if strings.Contains(strings.ReplaceAll(p.text, `class="ONU"`, ""), gone) {
			t.Errorf("protected %q still holds %q", p.text, gone)
		}
	}
	restored := p.restore(p.text)
	want := `<DIV class="ONU" data-x="www.exemple.fr"><a href="https://t.co/AbC">Le parti ANO</a> à l'Élysée Palace, avec AT&amp;T et l'UN.</DIV>`
	if restored != want {
		t.Errorf("restored\n%q\nwant\n%q", restored, want)
	}
	if f := checks.Markup(src, restored); f != nil {
		t.Errorf("restored markup: %v", f)
	}
}

// Mastodon writes a mention "@<span>marie</span>" and a hashtag
// "#<span>retraites</span>": the name is a run of text of its own, which
// an engine must not be given to translate.
func TestProtectHTMLKeepsMarkedNames(t *testing.T) {
	g, err := newGlossary(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	src := `<p><a href="https://ex.org/@marie" class="u-url mention">@<span>marie</span></a> et <a href="https://ex.org/tags/retraites" class="mention hashtag">#<span>retraites</span></a>, une marie<span>-</span>louise</p>`
	p := g.protectHTML(src)
	if strings.Contains(p.text, ">marie<") || strings.Contains(p.text, ">retraites<") {
		t.Errorf("a marked name is left to the engine: %q", p.text)
	}
	if !strings.Contains(p.text, "une marie<span>") {
		t.Errorf("a word that follows no mark is protected: %q", p.text)
	}
	if got := p.restore(p.text); got != src {
		t.Errorf("restored\n%q\nwant\n%q", got, src)
	}
}

// FuzzHTMLSegment: whatever a fragment holds, reading its text, rewriting
// its text, protecting it and checking a translation of it never panic;
// rewriting nothing gives it back byte for byte.
func FuzzHTMLSegment(f *testing.F) {
	for _, s := range []string{mastodonPost, "<p>a</p>", "<a href=x>ANO", "</p>", "<!-- ONU -->", "<br/>", "<scr<ipt>ONU", "<p a=\"&#", "<![CDATA[x]]>", "<script>ANO</script>ANO", "a < b & c", "Zxq0qxZ <b>Zxq</b>", "<style>"} {
		f.Add(s)
	}
	g, err := newGlossary(nil, map[string]string{"chat": "cat", "a": "b"})
	if err != nil {
		f.Fatal(err)
	}
	svc := newTestService(f)
	p := plan{format: "html", source: "fr", target: "en", glossary: g}
	f.Fuzz(func(t *testing.T, fragment string) {
		if got := mapText(fragment, func(s string) string { return s }); got != fragment {
			t.Fatalf("mapText(identity) = %q, want %q", got, fragment)
		}
		if !utf8.ValidString(fragment) {
			return // refused by CheckInput; mapText took it whole above
		}
		pr := g.protectHTML(fragment)
		_ = pr.restore(pr.text)
		_ = p.textOf(fragment)
		_, _ = svc.checkedOutput(p, fragment, pr.text)
		_, _ = svc.checkedOutput(p, fragment, strings.ToUpper(fragment))
	})
}

// A byte that is not UTF-8 folds into a longer rune: placeholders are
// still put back where they were, in any text a Request may carry.
func TestRestoreAroundInvalidBytes(t *testing.T) {
	g, err := newGlossary(nil, map[string]string{"a": "b"})
	if err != nil {
		t.Fatal(err)
	}
	src := "\"\xff\x80AA dort, ANO aussi" // two acronyms, no term
	p := g.protect(src)
	if strings.Contains(p.text, "ANO") || len(p.terms) != 2 {
		t.Fatalf("protect = %q, %d terms: want both acronyms replaced", p.text, len(p.terms))
	}
	if got := p.restore(p.text); got != src {
		t.Errorf("restore = %q, want %q", got, src)
	}
}

// A summary of HTML segments is written from their text: no tag reaches
// the summarizer, nor the summary.
func TestSummaryOfHTMLSegmentsIsOfTheirText(t *testing.T) {
	sum := &fakeSummarizer{name: "sum"}
	svc := newTestService(t, withSummarizer("sum", sum))
	given := []string{`<p>Le <b>président</b> a parlé jeudi soir devant les députés.</p>`, `<p>Il a annoncé une <a href="https://t.co/AbC">réforme</a>.</p>`}
	res, err := svc.Article(context.Background(), Request{Segments: given, Format: "html"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary == nil || res.Summary.Text == "" || strings.ContainsAny(res.Summary.Text, "<>") {
		t.Errorf("summary = %+v, want text without markup", res.Summary)
	}
	if !strings.Contains(strings.ToLower(res.Translation.Paragraphs[0]), "<b>") {
		t.Errorf("translation = %q, want its markup kept", res.Translation.Paragraphs)
	}
}

// Extract tells the language of HTML segments from their text, not from
// their attributes.
func TestExtractHTMLSegmentsLanguage(t *testing.T) {
	svc := newTestService(t, withDetector(language.NewDetector(language.Options{})))
	seg := `<p title="The president spoke on Thursday evening about the reform of the pensions and the budget of the state for the coming year">Le président a parlé jeudi soir.</p>`
	for format, want := range map[string]string{"html": "fr", "text": "en"} {
		x, err := svc.Extract(context.Background(), Request{Segments: []string{seg}, Format: format})
		if err != nil {
			t.Fatal(err)
		}
		if x.DetectedLang != want {
			t.Errorf("format %s: detected %q, want %q", format, x.DetectedLang, want)
		}
	}
}
