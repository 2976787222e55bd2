package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"passerelle/article/fetch"
	"passerelle/article/language"
	"passerelle/cache"
)

const pageHTML = `<!doctype html><html lang="fr"><head><title>Sommet à Vladivostok</title></head><body>
<nav><a href="/">Accueil</a> <a href="/monde">Monde</a></nav>
<div id="cookie-banner">Ce site utilise des cookies pour améliorer votre expérience. Accepter</div>
<article>
<h1>Premier sommet Poutine-Kim à Vladivostok</h1>
<p>Le sommet inédit entre Kim Jong-un et Vladimir Poutine s'est achevé jeudi à Vladivostok, ville portuaire de l'Extrême-Orient russe.</p>
<p>Le président russe et le dirigeant nord-coréen ont discuté pendant plusieurs heures de la situation dans la péninsule coréenne.</p>
<p>Aucun communiqué ni aucun accord ne sont prévus à l'issue de cette rencontre, selon le Kremlin et les médias officiels.</p>
</article>
<div class="share">Partager sur Facebook Partager sur Twitter</div>
<footer>© Le Journal 2019 – Tous droits réservés</footer>
</body></html>`

func newInputFixture(t *testing.T, fetcher *fetch.Fetcher) (*Service, *fakeTranslator) {
	t.Helper()
	tr := &fakeTranslator{name: "llm"}
	svc := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})), withTranslator("llm", tr),
		withDetector(language.NewDetector(language.Options{})), withOptions(func(o *Options) { o.Fetcher = fetcher }))
	return svc, tr
}

func TestHTMLInput(t *testing.T) {
	svc, _ := newInputFixture(t, nil)
	res, err := svc.Translate(context.Background(), Request{HTML: pageHTML})
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Translation
	if !strings.Contains(tr.Title, "PREMIER SOMMET") {
		t.Errorf("title = %q, want the article's headline", tr.Title)
	}
	if len(tr.Paragraphs) != 3 {
		t.Fatalf("paragraphs = %q, want the 3 of the article", tr.Paragraphs)
	}
	for _, p := range tr.Paragraphs {
		for _, junk := range []string{"COOKIES", "PARTAGER", "ACCUEIL", "DROITS"} {
			if strings.Contains(p, junk) {
				t.Errorf("web furniture translated: %q", p)
			}
		}
	}
	if res.DetectedLang != "fr" {
		t.Errorf("detected %q, want fr", res.DetectedLang)
	}
}

func TestURLInput(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/json" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"a": 1}`))
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(pageHTML))
	}))
	defer site.Close()
	host := strings.TrimPrefix(site.URL, "http://")

	allowed, _ := newInputFixture(t, fetch.New(fetch.Options{AllowHosts: []string{host}}))
	res, err := allowed.Translate(context.Background(), Request{URL: site.URL + "/article"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Translation.Paragraphs) != 3 {
		t.Errorf("paragraphs = %q, want 3", res.Translation.Paragraphs)
	}

	tests := []struct {
		name     string
		svc      *Service
		url      string
		wantCode string
	}{
		{"loopback refused by default", mustService(newInputFixture(t, fetch.New(fetch.Options{}))), site.URL, CodeURLNotAllowed},
		{"metadata address", mustService(newInputFixture(t, fetch.New(fetch.Options{}))), "http://169.254.169.254/latest/meta-data/", CodeURLNotAllowed},
		{"not http", allowed, "file:///etc/passwd", CodeURLNotAllowed},
		{"not a page", allowed, site.URL + "/json", CodeNotHTML},
		{"fetching turned off", mustService(newInputFixture(t, nil)), site.URL, CodeURLNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.svc.Translate(context.Background(), Request{URL: tt.url})
			if got := ErrorCode(err); got != tt.wantCode {
				t.Errorf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
		})
	}
}

func mustService(svc *Service, _ *fakeTranslator) *Service { return svc }

func TestLanguageDecisions(t *testing.T) {
	english := "The Russian president and the North Korean leader talked for several hours about the situation on the peninsula, officials said on Thursday."
	german := "Der russische Präsident und der nordkoreanische Machthaber sprachen mehrere Stunden lang über die Lage auf der Halbinsel."
	french := "Le président russe et le dirigeant nord-coréen ont discuté pendant plusieurs heures de la situation dans la péninsule."
	tests := []struct {
		name            string
		req             Request
		wantCode        string
		wantProvider    string
		wantSource      string
		wantProviderUse int
	}{
		{name: "French by default", req: Request{Text: french}, wantProvider: "llm", wantSource: "fr", wantProviderUse: 1},
		{name: "English refused by default", req: Request{Text: english}, wantCode: CodeUnsupportedLanguage},
		{name: "English with auto is passed through", req: Request{Text: english, SourceLang: "auto"}, wantProvider: "none", wantSource: "en"},
		{name: "English named is passed through", req: Request{Text: english, SourceLang: "en"}, wantProvider: "none", wantSource: "en"},
		{name: "German with auto is refused", req: Request{Text: german, SourceLang: "auto"}, wantCode: CodeUnsupportedLanguage},
		{name: "German named is refused", req: Request{Text: german, SourceLang: "de"}, wantCode: CodeUnsupportedLanguage},
		{name: "French with auto", req: Request{Text: french, SourceLang: "auto"}, wantProvider: "llm", wantSource: "fr", wantProviderUse: 1},
		{name: "explicit French is trusted", req: Request{Text: english, SourceLang: "fr"}, wantProvider: "llm", wantSource: "fr", wantProviderUse: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, tr := newInputFixture(t, nil)
			res, err := svc.Article(context.Background(), tt.req)
			if tt.wantCode != "" {
				if got := ErrorCode(err); got != tt.wantCode {
					t.Errorf("code = %q (%v), want %q", got, err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Translation.Provider != tt.wantProvider || res.SourceLang != tt.wantSource {
				t.Errorf("provider %q, source %q; want %q, %q", res.Translation.Provider, res.SourceLang, tt.wantProvider, tt.wantSource)
			}
			if calls, _ := tr.counts(); calls != tt.wantProviderUse {
				t.Errorf("translator calls = %d, want %d", calls, tt.wantProviderUse)
			}
			if tt.wantProvider == "none" && (res.Translation.Paragraphs[0] != english || res.Summary == nil) {
				t.Errorf("passed-through article = %q, summary %v; want it unchanged and summarized", res.Translation.Paragraphs, res.Summary)
			}
			// The first summary is made, not found: a miss, not "partial"
			// (nothing of the article was in the cache); the second is a hit.
			if tt.wantProvider == "none" {
				again, err := svc.Article(context.Background(), tt.req)
				if res.Cache.Status != CacheMiss || err != nil || again.Cache.Status != CacheHit {
					t.Errorf("passed-through article: status %q, then %q (%v); want miss, then hit", res.Cache.Status, again.Cache.Status, err)
				}
			}
		})
	}
}

func TestExtractPreview(t *testing.T) {
	svc, tr := newInputFixture(t, nil)
	seed, err := os.ReadFile("../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		t.Fatal(err)
	}
	x, err := svc.Extract(context.Background(), Request{Text: string(seed)})
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Paragraphs) != 6 || x.Title == "" || x.DetectedLang != "fr" {
		t.Errorf("extraction = %d paragraphs, title %q, lang %q; want 6, the title, fr", len(x.Paragraphs), x.Title, x.DetectedLang)
	}
	if x.Characters < 1500 || x.TokensEstimate < 300 || x.TokensEstimate > x.Characters/2 {
		t.Errorf("characters %d, tokens %d: implausible", x.Characters, x.TokensEstimate)
	}
	if calls, _ := tr.counts(); calls != 0 {
		t.Errorf("extract called a provider %d times", calls)
	}
	if _, err := svc.Extract(context.Background(), Request{Text: "a", HTML: "<p>b</p>"}); ErrorCode(err) != CodeInvalidRequest {
		t.Errorf("text and html together: %v, want invalid_request", err)
	}
	if _, err := svc.Extract(context.Background(), Request{HTML: "just words, no markup at all"}); ErrorCode(err) != CodeNoArticle {
		t.Errorf("a page without article: %v, want no_article", err)
	}
}

// TestExtractBylineAndDate: a page's dateline is no paragraph; it gives the
// extraction's byline and publication date.
func TestExtractBylineAndDate(t *testing.T) {
	svc, _ := newInputFixture(t, nil)
	page := strings.Replace(pageHTML, "<h1>Premier sommet Poutine-Kim à Vladivostok</h1>",
		"<h1>Premier sommet Poutine-Kim à Vladivostok</h1><p>Orange avec Media Services, publié le jeudi 25 avril 2019 à 20h15</p>", 1)
	x, err := svc.Extract(context.Background(), Request{HTML: page})
	if err != nil {
		t.Fatal(err)
	}
	if x.Byline != "Orange avec Media Services" || x.Published != "2019-04-25" {
		t.Errorf("byline, published = %q, %q; want %q, %q", x.Byline, x.Published, "Orange avec Media Services", "2019-04-25")
	}
	if len(x.Paragraphs) != 3 || strings.Contains(strings.Join(x.Paragraphs, "\n"), "publié le") {
		t.Errorf("paragraphs = %q, want the article's three without the dateline", x.Paragraphs)
	}
	if x, err := svc.Extract(context.Background(), Request{Text: "Un article.\n\nSans page."}); err != nil || x.Byline != "" || x.Published != "" {
		t.Errorf("a text: byline %q, published %q (%v); want none", x.Byline, x.Published, err)
	}
	// The translation of the page says the same, made or found in the cache.
	for _, call := range []string{"made", "cached"} {
		res, err := svc.Article(context.Background(), Request{HTML: page})
		if err != nil {
			t.Fatal(err)
		}
		if res.Byline != "Orange avec Media Services" || res.Published != "2019-04-25" {
			t.Errorf("%s: byline, published = %q, %q; want the page's", call, res.Byline, res.Published)
		}
	}
}

type countingDetector struct {
	calls int
	inner Detector
}

func (c *countingDetector) Detect(text string) (string, float64) {
	c.calls++
	return c.inner.Detect(text)
}

func TestCachedArticlesAreNotDetectedAgain(t *testing.T) {
	det := &countingDetector{inner: language.NewDetector(language.Options{})}
	svc := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})), withDetector(det))
	french := "Le président russe et le dirigeant nord-coréen ont discuté pendant plusieurs heures de la situation dans la péninsule."
	// The miss detects the article (and checks the output's language);
	// the hits detect nothing.
	for i, wantStatus := range []string{CacheMiss, CacheHit, CacheHit} {
		before := det.calls
		res, err := svc.Article(context.Background(), Request{Text: french})
		if err != nil {
			t.Fatal(err)
		}
		detected := det.calls - before
		if (i == 0) != (detected > 0) || res.Cache.Status != wantStatus || res.DetectedLang != "fr" {
			t.Errorf("request %d: %d detections, status %s, detected %q; want detections only on the miss, %s, fr", i, detected, res.Cache.Status, res.DetectedLang, wantStatus)
		}
	}
	english := "The Russian president and the North Korean leader talked for several hours about the situation on the peninsula."
	for i := 0; i < 2; i++ {
		if _, err := svc.Article(context.Background(), Request{Text: english}); ErrorCode(err) != CodeUnsupportedLanguage {
			t.Errorf("English article %d: %v, want unsupported_language every time", i, err)
		}
	}
}

// TestParagraphsAlreadyInEnglishAreKept: a French article's paragraph in
// English (an embedded post) is returned as it was and sent to no
// provider; a French sentence around an English quotation is translated;
// a request that names French overrides the detector for every paragraph.
func TestParagraphsAlreadyInEnglishAreKept(t *testing.T) {
	const english = "HYDROXYCHLOROQUINE & AZITHROMYCIN, taken together, have a real chance to be one of the biggest game changers in the history of medicine."
	const quoting = "« This is a very sad day for all of us, and we will remember him forever », a réagi le maire sur les réseaux sociaux."
	text := "Le président américain a vanté un traitement contre le virus\n\n" +
		"Le président américain a publié samedi un message sur les réseaux sociaux pour vanter un traitement qui n'a pas fait ses preuves.\n\n" +
		english + "\n\n" + quoting
	for _, tt := range []struct {
		source string
		kept   int
	}{{"", 1}, {"auto", 1}, {"fr", 0}} {
		svc, tr := newInputFixture(t, nil)
		res, err := svc.Translate(context.Background(), Request{Text: text, SourceLang: tt.source})
		if err != nil {
			t.Fatalf("source_lang %q: %v", tt.source, err)
		}
		got := res.Translation
		if got.Cache.SegmentsKept != tt.kept || got.Cache.SegmentsTranslated != 4-tt.kept {
			t.Errorf("source_lang %q: kept %d, translated %d; want %d and %d", tt.source, got.Cache.SegmentsKept, got.Cache.SegmentsTranslated, tt.kept, 4-tt.kept)
		}
		sentEnglish := slices.Contains(tr.sent, english)
		if sentEnglish != (tt.kept == 0) || !slices.Contains(tr.sent, quoting) {
			t.Errorf("source_lang %q: sent %q", tt.source, tr.sent)
		}
		if tt.kept == 1 && (got.Paragraphs[1] != english || got.Provider != "llm") {
			t.Errorf("source_lang %q: paragraph %q by %q, want the English as it was, by llm", tt.source, got.Paragraphs[1], got.Provider)
		}
	}
}

// A page that cannot be fetched says why, by class: the site's answer, its
// silence, its certificate, the connection. What it says of a name that
// does not resolve is TestInternalNamesCannotBeProbed's.
func TestFetchFailuresNameTheirCause(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/gone":
			http.Error(w, "gone", http.StatusNotFound)
		case "/cut":
			// The connection is closed before any reply.
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		case "/slow":
			time.Sleep(2 * time.Second)
		}
	}))
	defer site.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer secure.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	hosts := []string{}
	for _, u := range []string{site.URL, secure.URL, closedURL} {
		hosts = append(hosts, strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://"))
	}
	// Only the silent site meets the short deadline: on a loaded machine a
	// TLS handshake or a refused connection may take longer than it, and
	// would then be reported as silence.
	hasty, _ := newInputFixture(t, fetch.New(fetch.Options{AllowHosts: hosts, Timeout: 500 * time.Millisecond}))
	patient, _ := newInputFixture(t, fetch.New(fetch.Options{AllowHosts: hosts, Timeout: 30 * time.Second}))
	tests := []struct {
		url, want string
		svc       *Service
	}{
		{site.URL + "/gone", "the site answered 404", patient},
		{site.URL + "/cut", "the connection to the site failed", patient},
		{site.URL + "/slow", "did not answer in time", hasty},
		{secure.URL + "/", "TLS certificate or handshake", patient},
		{closedURL + "/", "the connection to the site failed", patient},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := tt.svc.Translate(context.Background(), Request{URL: tt.url})
			if ErrorCode(err) != CodeFetchFailed || !strings.Contains(ErrorMessage(err), tt.want) {
				t.Errorf("%v: code %q, message %q; want fetch_failed saying %q", err, ErrorCode(err), ErrorMessage(err), tt.want)
			}
		})
	}
}
