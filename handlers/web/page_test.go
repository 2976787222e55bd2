// The web page, tested in a real browser: Debian's chromium, driven by
// chromedp, against the real handlers and gateway with stand-in providers
// that take their time. The tests read the DOM (text, boxes), never pixels;
// a failing test leaves a screenshot in a temporary folder, named in its
// log.
package web_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gin-gonic/gin"

	"passerelle/article"
	"passerelle/article/fetch"
	"passerelle/article/language"
	"passerelle/cache"
	"passerelle/gateway"
	"passerelle/handlers"
	"passerelle/handlers/quota"
	"passerelle/internal/testenv"
	"passerelle/providers"
	"passerelle/providers/extractive"
)

// browser is the chromium every test opens its tabs in: one per package.
var (
	browser    context.Context
	browserErr error
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(runWithBrowser(m))
}

func runWithBrowser(m *testing.M) int {
	path, err := chromiumPath()
	if err != nil {
		browserErr = err
		return m.Run()
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		browserErr = fmt.Errorf("chromium at %s did not start: %w", path, err)
	} else {
		browser = ctx
	}
	return m.Run()
}

// chromiumPath finds the browser: PASSERELLE_TEST_CHROMIUM (set by
// make test, which installs it when missing), else on PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv("PASSERELLE_TEST_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium on PATH (scripts/browser.sh installs Debian's)")
}

// screenshots is where failing tests leave what the browser showed.
var screenshots = sync.OnceValue(func() string {
	dir, err := os.MkdirTemp("", "passerelle-browser-")
	if err != nil {
		return os.TempDir()
	}
	return dir
})

// tab opens a tab of width×height (a phone's when mobile) for the test.
func tab(t *testing.T, width, height int64, mobile bool) context.Context {
	t.Helper()
	if browser == nil {
		testenv.Unavailable(t, "chromium: %v", browserErr)
	}
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	var opts []chromedp.EmulateViewportOption
	if mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height, opts...)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
		if err != nil {
			t.Logf("no screenshot: %v", err)
			return
		}
		name := filepath.Join(screenshots(), strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+".png")
		if err := os.WriteFile(name, shot, 0o644); err == nil {
			t.Logf("screenshot: %s", name)
		}
	})
	timed, cancelTimed := context.WithTimeout(ctx, 30*time.Second)
	t.Cleanup(cancelTimed)
	return timed
}

// ---- The stand-in providers. ----

// english is the stand-ins' dictionary: the seed article's paragraphs
// (testdata/poutine-kim-vladivostok.fr.txt at the repository's root),
// found by their opening words. A paragraph it lacks comes back as it was
// sent, which the gateway's checks refuse.
var english = []struct{ french, english string }{
	{"Premier sommet Poutine-Kim", "First Putin-Kim summit to revive “historic” ties"},
	{"Le sommet inédit", "The unprecedented summit between Kim Jong-Un and Vladimir Putin ended on Thursday 25 April in Vladivostok, a port city in the Russian Far East."},
	{"Le président russe et le dirigeant", "The Russian president and the North Korean leader spent several hours discussing the situation on the peninsula. The meeting came as the negotiations between North Korea and the United States, begun at the historic summit of Kim Jong-Un and Donald Trump in Singapore last June, seem to have reached a dead end, as the end without agreement of their second summit, in Hanoi at the end of February, showed."},
	{"Aucun communiqué", "No statement and no agreement are expected at the end of the summit."},
	{"Il y a près de vingt ans", "Nearly twenty years ago, Vladimir Putin went to Pyongyang to meet Kim Jong-Un's father, and welcomed him in Moscow a year later. Like his father before him, Kim Jong-Un made the long journey to Russia aboard his own armoured train. After the failure of the Hanoi summit with Donald Trump, the North Korean leader hopes to revive the historic ties between Moscow and Pyongyang."},
	{"Lors de la courte séquence", "During the short formal session before the press, Kim Jong-Un said he expected “a meaningful dialogue” with the Russian president. For his part, Vladimir Putin explained that the meeting should help develop bilateral relations and find diplomatic “solutions” to the Korean situation."},
	{"Malgré ses invitations", "Despite its repeated invitations to Kim Jong-Un, Russia had until now stayed apart from the spectacular thaw seen on the Korean peninsula since early 2018. The last meeting between a Russian president and a North Korean leader went back to 2002, when Putin held talks with Kim Jong-Un. Kim Jong-Un's father had also met Dmitry Medvedev, then president, in 2011."},
	{"Le maire de Lyon", "The mayor of Lyon opened the new bridge on Monday."},
	{"La ville a voté", "The city voted for a new budget for its schools."},
}

// standIn translates with the dictionary after delay, counts the calls it
// is sent, and fails them all while down.
type standIn struct {
	delay time.Duration
	down  atomic.Bool
	calls atomic.Int64
}

func (s *standIn) Fingerprint() string { return "stand-in" }

func (s *standIn) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	s.calls.Add(1)
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return providers.TranslateResult{}, &providers.Error{Provider: "stand-in", Kind: providers.KindTimeout, Err: ctx.Err()}
	}
	if s.down.Load() {
		return providers.TranslateResult{}, &providers.Error{Provider: "stand-in", Kind: providers.KindUnavailable, Status: 503, Message: "service unavailable"}
	}
	out := make([]string, len(req.Segments))
	for i, seg := range req.Segments {
		out[i] = seg
		for _, e := range english {
			if strings.HasPrefix(seg, e.french) {
				out[i] = e.english
			}
		}
	}
	return providers.TranslateResult{Translations: out, Model: "stand-in-1", Usage: providers.Usage{Characters: 100}}, nil
}

// site is a gateway for the page, over a real listener.
type site struct {
	url     string
	primary *standIn // "llm", first of the route
	backup  *standIn // "engine", its fallback
	down    atomic.Bool

	mu    sync.Mutex
	posts map[string]int // the POST requests the gateway answered, by path
}

// posted returns the POST requests the gateway answered, by path.
func (s *site) posted() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.posts)
}

// requestsEach checks that the page made one request per translation:
// n to /v1/articles, and no other POST (each costs the key one of its
// requests a minute).
func requestsEach(t *testing.T, s *site, n int) {
	t.Helper()
	if got, want := s.posted(), map[string]int{"/v1/articles": n}; !maps.Equal(got, want) {
		t.Errorf("the page posted %v for %d translations, want %v", got, n, want)
	}
}

type siteOptions struct {
	delay    time.Duration // each call of the primary; default 150ms
	parallel int           // the primary's calls at once; default 2
	gateway  func(*gateway.Options)
	handlers func(*handlers.Options)
}

func newSite(t *testing.T, o siteOptions) *site {
	t.Helper()
	if o.delay == 0 {
		o.delay = 150 * time.Millisecond
	}
	if o.parallel == 0 {
		o.parallel = 2
	}
	s := &site{primary: &standIn{delay: o.delay}, backup: &standIn{delay: 20 * time.Millisecond}, posts: map[string]int{}}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	gopts := gateway.Options{
		Cache: cache.NewMemory(cache.MemoryOptions{}),
		Providers: []gateway.Provider{
			{Name: "llm", Type: "openai", Translator: s.primary, Credentials: "present", Capabilities: gateway.Capabilities{Translate: true},
				Budget: gateway.Budget{Budget: article.Budget{Max: 20000}, Parallel: o.parallel}},
			{Name: "engine", Type: "apertium", Translator: s.backup, Credentials: "not_needed", Capabilities: gateway.Capabilities{Translate: true}},
			{Name: "extractive", Type: "extractive", Summarizer: extractive.New(extractive.Options{}), Credentials: "not_needed", Capabilities: gateway.Capabilities{Summarize: true}},
		},
		Translation: gateway.Route{Chain: []string{"llm", "engine"}, AllowOverride: []string{"llm", "engine"}},
		Summarizing: gateway.Route{Chain: []string{"extractive"}},
		Detector:    language.NewDetector(language.Options{}),
		Logger:      quiet,
	}
	if o.gateway != nil {
		o.gateway(&gopts)
	}
	svc, err := gateway.New(gopts)
	if err != nil {
		t.Fatal(err)
	}
	hopts := handlers.Options{Logger: quiet}
	if o.handlers != nil {
		o.handlers(&hopts)
	}
	api := handlers.New(svc, hopts)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.down.Load() {
			// Gone: the connection closes with no answer, as when the
			// gateway is not running.
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		if r.Method == http.MethodPost {
			s.mu.Lock()
			s.posts[r.URL.Path]++
			s.mu.Unlock()
		}
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// seed is the seed article of the repository.
func seed(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// ---- Helpers on the page. ----

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// waitFor waits until the expression is true.
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("waiting for %s: %v; the page says %q", what, err, text(t, ctx, "body"))
	}
}

// text is the visible text of the first element sel matches.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {innerText: ""}).innerText`, sel)))
	return v
}

// open loads the page and waits for the providers' list.
func open(t *testing.T, ctx context.Context, s *site) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(s.url+"/"))
	waitFor(t, ctx, "the providers' list", `document.getElementById("in-provider").options.length > 1`)
}

// paste puts an article in the text box.
func paste(t *testing.T, ctx context.Context, article string) {
	t.Helper()
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#in-text"), article))
}

// recordCounts keeps every text the progress count shows, and how many
// English cells were still waiting at that moment.
const recordCounts = `window.__counts = [];
new MutationObserver(() => window.__counts.push({text: document.getElementById("count").textContent,
  pending: document.querySelectorAll(".cell.en.pending").length})).observe(document.getElementById("count"), {childList: true, characterData: true, subtree: true}); true`

type countSeen struct {
	Text    string `json:"text"`
	Pending int    `json:"pending"`
}

const waitDone = `document.getElementById("count").textContent.startsWith("Done")`

// geometry is each row's French and English boxes.
const geometry = `Array.from(document.querySelectorAll(".row")).map((r) => {
  const box = (el) => { const b = el.getBoundingClientRect(); return {top: b.top, left: b.left, right: b.right, bottom: b.bottom}; };
  return {index: Number(r.dataset.index), fr: box(r.querySelector(".cell.fr")), en: box(r.querySelector(".cell.en")),
    french: r.querySelector(".cell.fr p").textContent, english: r.querySelector(".cell.en p").textContent};
})`

type box struct{ Top, Left, Right, Bottom float64 }

type rowBoxes struct {
	Index   int    `json:"index"`
	FR      box    `json:"fr"`
	EN      box    `json:"en"`
	French  string `json:"french"`
	English string `json:"english"`
}

// ---- The tests. ----

// TestTranslateSideBySide: paste, translate, and see the count change as
// the paragraphs arrive; each English paragraph stands beside its French
// one, tops aligned; the summary says who wrote it; copy and download.
func TestTranslateSideBySide(t *testing.T) {
	s := newSite(t, siteOptions{})
	ctx := tab(t, 1280, 900, false)
	open(t, ctx, s)
	paste(t, ctx, seed(t))
	do(t, ctx, chromedp.Evaluate[chromedp.Void](recordCounts), chromedp.Click(chromedp.CSS("#go")))
	waitFor(t, ctx, "the end of the translation", waitDone)
	requestsEach(t, s, 1)

	counts := eval[[]countSeen](t, ctx, "window.__counts")
	var during []string
	partly := false
	for _, c := range counts {
		if strings.HasSuffix(c.Text, " of 6 paragraphs") && (len(during) == 0 || during[len(during)-1] != c.Text) {
			during = append(during, c.Text)
		}
		if c.Pending > 0 && c.Pending < 7 {
			partly = true
		}
	}
	if len(during) < 3 || during[0] != "0 of 6 paragraphs" {
		t.Errorf("the count showed %q while translating, want it to go up from 0 of 6, paragraph by paragraph", during)
	}
	if !partly {
		t.Errorf("no moment with some English paragraphs shown and others still coming: %+v", counts)
	}

	rows := eval[[]rowBoxes](t, ctx, geometry)
	if len(rows) != 7 {
		t.Fatalf("%d rows, want the title and 6 paragraphs", len(rows))
	}
	for _, r := range rows {
		if diff := r.FR.Top - r.EN.Top; diff > 1 || diff < -1 {
			t.Errorf("row %d: French at %.0f, English at %.0f: want the tops aligned", r.Index, r.FR.Top, r.EN.Top)
		}
		if r.EN.Left < r.FR.Right {
			t.Errorf("row %d: the English (left %.0f) is not beside the French (right %.0f)", r.Index, r.EN.Left, r.FR.Right)
		}
		want := ""
		for _, e := range english {
			if strings.HasPrefix(r.French, e.french) {
				want = e.english
			}
		}
		if want == "" || r.English != want {
			t.Errorf("row %d: French %.40q… beside English %.40q…, want %.40q…", r.Index, r.French, r.English, want)
		}
	}
	if got := text(t, ctx, "#summary"); !strings.Contains(got, "Summary") || !strings.Contains(got, "extractive: sentences chosen from the article") {
		t.Errorf("summary %q: want it labelled, saying the extractive summarizer chose its sentences", got)
	}
	if !eval[bool](t, ctx, `document.getElementById("placeholder").hidden && document.getElementById("message").hidden`) {
		t.Error("the placeholder or a message stands beside the result")
	}
	if !eval[bool](t, ctx, `document.documentElement.scrollWidth <= window.innerWidth`) {
		t.Error("the page scrolls sideways at 1280px")
	}

	// Download: the Markdown holds the title, the paragraphs and the summary.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__md = null; const made = URL.createObjectURL;
URL.createObjectURL = (blob) => { blob.text().then((t) => { window.__md = t; }); return made(blob); }; true`),
		chromedp.Click(chromedp.CSS("#download")))
	waitFor(t, ctx, "the Markdown", "window.__md !== null")
	md := eval[string](t, ctx, "window.__md")
	if !strings.HasPrefix(md, "# First Putin-Kim summit to revive “historic” ties\n\nThe unprecedented summit") ||
		!strings.Contains(md, "in 2011.\n\n## Summary\n\n") {
		t.Errorf("Markdown:\n%s", md)
	}
	// Copy: the English, title first.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__copied = null;
navigator.clipboard.writeText = (t) => { window.__copied = t; return Promise.resolve(); }; true`),
		chromedp.Click(chromedp.CSS("#copy")))
	waitFor(t, ctx, "the copy", "window.__copied !== null")
	if copied := eval[string](t, ctx, "window.__copied"); !strings.HasPrefix(copied, "First Putin-Kim summit") || strings.Contains(copied, "Le sommet") {
		t.Errorf("copied %.80q…: want the English alone", copied)
	}
	if got := text(t, ctx, "#tool-status"); got != "The English is copied." {
		t.Errorf("after copying the page says %q", got)
	}
}

// TestOtherInputs: a saved page chosen as a file is translated as the
// page's article; an address the gateway may not fetch says what to do.
func TestOtherInputs(t *testing.T) {
	s := newSite(t, siteOptions{delay: 20 * time.Millisecond})
	ctx := tab(t, 1280, 900, false)
	open(t, ctx, s)
	var page strings.Builder
	page.WriteString("<!doctype html><html><head><title>Lyon</title></head><body><nav>Accueil · Politique</nav><article>" +
		"<h1>Premier sommet Poutine-Kim pour raviver des liens «historiques»</h1>")
	for _, p := range strings.Split(seed(t), "\n\n")[1:7] {
		page.WriteString("<p>" + p + "</p>")
	}
	page.WriteString("</article><footer>Mentions légales</footer></body></html>")
	file := filepath.Join(t.TempDir(), "sommet.html")
	if err := os.WriteFile(file, []byte(page.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS("label[for=kind-file]")), chromedp.SetUploadFiles(chromedp.CSS("#in-file"), []string{file}))
	waitFor(t, ctx, "the file", `document.getElementById("file-name").textContent.includes("sommet.html")`)
	do(t, ctx, chromedp.Click(chromedp.CSS("#go")))
	waitFor(t, ctx, "the article", waitDone)
	rows := eval[[]rowBoxes](t, ctx, geometry)
	if len(rows) != 7 || rows[0].English != "First Putin-Kim summit to revive “historic” ties" || strings.Contains(text(t, ctx, "#rows"), "Accueil") {
		t.Errorf("the page's article: %+v", rows)
	}
	requestsEach(t, s, 1)

	do(t, ctx, chromedp.Click(chromedp.CSS("label[for=kind-url]")), chromedp.SetValue(chromedp.CSS("#in-url"), "http://127.0.0.1:8080/article"))
	do(t, ctx, chromedp.Click(chromedp.CSS("#go")))
	if got := message(t, ctx); !strings.Contains(got, "This address cannot be fetched") || !strings.Contains(got, "drop the file here instead") {
		t.Errorf("message %q", got)
	}
	requestsEach(t, s, 2)
}

// TestAddressFetchedOnce: an article given by its address is fetched
// once, by the one request that translates it, and shown as the page's
// article.
func TestAddressFetchedOnce(t *testing.T) {
	var fetched atomic.Int64
	paragraphs := strings.Split(seed(t), "\n\n")[1:7]
	news := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><html lang=fr><body><article><h1>Premier sommet Poutine-Kim pour raviver des liens «historiques»</h1><p>"+
			strings.Join(paragraphs, "</p><p>")+"</p></article></body></html>")
	}))
	t.Cleanup(news.Close)
	s := newSite(t, siteOptions{delay: 20 * time.Millisecond, gateway: func(o *gateway.Options) {
		o.Fetcher = fetch.New(fetch.Options{AllowHosts: []string{strings.TrimPrefix(news.URL, "http://")}})
	}})
	ctx := tab(t, 1280, 900, false)
	open(t, ctx, s)
	do(t, ctx, chromedp.Click(chromedp.CSS("label[for=kind-url]")), chromedp.SetValue(chromedp.CSS("#in-url"), news.URL+"/sommet"))
	do(t, ctx, chromedp.Click(chromedp.CSS("#go")))
	waitFor(t, ctx, "the article", waitDone)
	if rows := eval[[]rowBoxes](t, ctx, geometry); len(rows) != 7 || rows[1].French != paragraphs[0] || !strings.HasPrefix(rows[1].English, "The unprecedented summit") {
		t.Errorf("the fetched article's rows: %+v", rows)
	}
	if n := fetched.Load(); n != 1 {
		t.Errorf("the article's page was fetched %d times, want once", n)
	}
	requestsEach(t, s, 1)
}

// TestPhone: at 390px the paragraphs stack, French above English; the page
// scrolls to the result; nothing is cut and nothing scrolls sideways.
func TestPhone(t *testing.T) {
	s := newSite(t, siteOptions{})
	ctx := tab(t, 390, 844, true)
	open(t, ctx, s)
	controls := eval[[]box](t, ctx, `Array.from(document.querySelectorAll("input:not([type=radio]):not([type=file]), select, textarea, button:not([hidden])"))
  .filter((el) => el.offsetParent !== null).map((el) => { const b = el.getBoundingClientRect(); return {top: b.top, left: b.left, right: b.right, bottom: b.bottom}; })`)
	for _, c := range controls {
		if c.Left < 0 || c.Right > 390 {
			t.Errorf("a control spans %.0f–%.0f, outside the 390px screen", c.Left, c.Right)
		}
	}
	if w := eval[float64](t, ctx, `document.getElementById("in-provider").getBoundingClientRect().width`); w < 300 {
		t.Errorf("the provider menu is %.0fpx wide: its choices would be cut", w)
	}
	paste(t, ctx, seed(t))
	do(t, ctx, chromedp.Click(chromedp.CSS("#go")))
	waitFor(t, ctx, "the end of the translation", waitDone)
	if y := eval[float64](t, ctx, "window.scrollY"); y < 200 {
		t.Errorf("the page stayed at %.0fpx: want it scrolled to the result", y)
	}
	if top := eval[float64](t, ctx, `document.getElementById("result").getBoundingClientRect().top`); top > 100 {
		t.Errorf("the result starts %.0fpx down the screen", top)
	}
	requestsEach(t, s, 1)
	rows := eval[[]rowBoxes](t, ctx, geometry)
	if len(rows) != 7 {
		t.Fatalf("%d rows, want 7", len(rows))
	}
	for _, r := range rows {
		if r.EN.Top < r.FR.Bottom-1 || r.EN.Left != r.FR.Left {
			t.Errorf("row %d: French %+v, English %+v: want the English under the French", r.Index, r.FR, r.EN)
		}
		if r.FR.Right > 390 || r.EN.Right > 390 {
			t.Errorf("row %d is cut at the right edge", r.Index)
		}
	}
	if !eval[bool](t, ctx, `document.documentElement.scrollWidth <= window.innerWidth`) {
		t.Errorf("the page scrolls sideways at 390px: %v wide", eval[float64](t, ctx, "document.documentElement.scrollWidth"))
	}
}

// TestCancel: the cancel button stops the translation; the stand-in
// provider gets no call afterwards, and the paragraphs already there stay.
func TestCancel(t *testing.T) {
	s := newSite(t, siteOptions{delay: 300 * time.Millisecond, parallel: 1})
	ctx := tab(t, 1280, 900, false)
	open(t, ctx, s)
	paste(t, ctx, seed(t))
	do(t, ctx, chromedp.Click(chromedp.CSS("#go")))
	waitFor(t, ctx, "the first paragraph", `document.querySelectorAll(".cell.en:not(.pending)").length >= 1`)
	if got := text(t, ctx, "#progress"); !strings.Contains(got, " of 6 paragraphs") || !strings.Contains(got, "0:0") {
		t.Errorf("progress %q: want the count and the time elapsed", got)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS("#cancel")))
	cancelled := s.primary.calls.Load()
	waitFor(t, ctx, "the page to say it stopped", `document.getElementById("count").textContent.startsWith("Cancelled")`)
	time.Sleep(900 * time.Millisecond) // three calls' worth
	if after := s.primary.calls.Load(); after != cancelled {
		t.Errorf("%d calls to the provider after the cancel (%d before)", after-cancelled, cancelled)
	}
	if cancelled >= 7 {
		t.Errorf("%d calls before the cancel: the whole article went", cancelled)
	}
	if !eval[bool](t, ctx, `!document.getElementById("go").disabled && document.getElementById("cancel").hidden && document.getElementById("message").hidden`) {
		t.Error("after the cancel, the page is not ready for another translation, or shows an error")
	}
	if n := eval[int](t, ctx, `document.querySelectorAll(".cell.en:not(.pending)").length`); n < 1 {
		t.Error("the paragraphs translated before the cancel are gone")
	}
	requestsEach(t, s, 1)
}

// message waits for the page's message and returns its text.
func message(t *testing.T, ctx context.Context) string {
	t.Helper()
	waitFor(t, ctx, "a message", `!document.getElementById("message").hidden`)
	if !eval[bool](t, ctx, `document.getElementById("placeholder").hidden`) {
		t.Error("the placeholder shows beside the message")
	}
	return text(t, ctx, "#message")
}

func TestErrorStates(t *testing.T) {
	englishArticle := "The city council voted on Monday evening for a budget that cuts spending by four per cent, the first cut in ten years.\n\n" +
		"The opposition criticised the cuts to the grants given to cultural associations, some of which will lose a large part of their funding."

	t.Run("not French", func(t *testing.T) {
		s := newSite(t, siteOptions{})
		ctx := tab(t, 1280, 900, false)
		open(t, ctx, s)
		paste(t, ctx, englishArticle)
		do(t, ctx, chromedp.Click(chromedp.CSS("#go")))
		got := message(t, ctx)
		if !strings.Contains(got, "This article looks English, not French") || !strings.Contains(got, "Detect the language and translate") {
			t.Fatalf("message %q", got)
		}
		// One click: detected, and returned as it is.
		do(t, ctx, chromedp.Click(chromedp.CSS("#message-actions button")))
		waitFor(t, ctx, "the article", waitDone)
		if got := text(t, ctx, "#notice"); !strings.Contains(got, "already in English") {
			t.Errorf("notice %q", got)
		}
		if !eval[bool](t, ctx, `document.getElementById("message").hidden && document.getElementById("in-lang").value === "auto"`) {
			t.Error("the message stayed, or the language control does not say it detects")
		}
		requestsEach(t, s, 2)
		// The English article's rows, its paragraphs beside themselves.
		if rows := eval[[]rowBoxes](t, ctx, geometry); len(rows) == 0 || rows[len(rows)-1].French != rows[len(rows)-1].English || !strings.HasPrefix(rows[len(rows)-1].French, "The opposition") {
			t.Errorf("rows of the article in English: %+v", rows)
		}
	})

	t.Run("gateway unreachable", func(t *testing.T) {
		s := newSite(t, siteOptions{})
		ctx := tab(t, 1280, 900, false)
		open(t, ctx, s)
		paste(t, ctx, seed(t))
		s.down.Store(true)
		do(t, ctx, chromedp.Click(chromedp.CSS("#go")))
		got := message(t, ctx)
		if !strings.Contains(got, "Passerelle did not answer") || !strings.Contains(got, "Try again") || strings.Contains(got, "TypeError") {
			t.Errorf("message %q", got)
		}
		// Back: "Try again" works.
		s.down.Store(false)
		do(t, ctx, chromedp.Click(chromedp.CSS("#message-actions button")))
		waitFor(t, ctx, "the article", waitDone)
	})

	t.Run("key needed", func(t *testing.T) {
		s := newSite(t, siteOptions{handlers: func(o *handlers.Options) {
			o.Access = handlers.Access{Enabled: true, Keys: []handlers.Key{{Name: "newsroom", SHA256: sha256.Sum256([]byte("psl_newsroom"))}}}
		}})
		ctx := tab(t, 1280, 900, false)
		do(t, ctx, chromedp.Navigate(s.url+"/"))
		paste(t, ctx, "Le maire de Lyon a inauguré lundi le nouveau pont.")
		do(t, ctx, chromedp.Click(chromedp.CSS("#go")))
		if got := message(t, ctx); !strings.Contains(got, "This gateway needs an API key") {
			t.Fatalf("message %q", got)
		}
		// "Go to the API key", typed, and kept for this tab only.
		do(t, ctx, chromedp.Click(chromedp.CSS("#message-actions button")))
		if id := eval[string](t, ctx, "document.activeElement.id"); id != "in-key" {
			t.Errorf("the focus is on %q, want the key field", id)
		}
		do(t, ctx, chromedp.KeyEvent("psl_newsroom"), chromedp.KeyEvent("\t"))
		do(t, ctx, chromedp.Click(chromedp.CSS("#go")))
		waitFor(t, ctx, "the article", waitDone)
		if !eval[bool](t, ctx, `sessionStorage.getItem("passerelle-key") === "psl_newsroom" && localStorage.length === 0`) {
			t.Error("the key is not kept in the tab's session storage alone")
		}
	})

	t.Run("too large", func(t *testing.T) {
		s := newSite(t, siteOptions{gateway: func(o *gateway.Options) { o.MaxParagraphs = 3 }})
		ctx := tab(t, 1280, 900, false)
		open(t, ctx, s)
		paste(t, ctx, seed(t))
		do(t, ctx, chromedp.Click(chromedp.CSS("#go")))
		if got := message(t, ctx); !strings.Contains(got, "too long to translate at once") || !strings.Contains(got, "at most 3") || !strings.Contains(got, "Split it") {
			t.Errorf("message %q", got)
		}
		requestsEach(t, s, 1)
	})

	t.Run("out of allowance", func(t *testing.T) {
		s := newSite(t, siteOptions{handlers: func(o *handlers.Options) {
			o.Access = handlers.Access{Limiter: quota.NewMemory(), Default: handlers.Limits{CharactersPerDay: 120}}
		}})
		ctx := tab(t, 1280, 900, false)
		open(t, ctx, s)
		paste(t, ctx, "Le maire de Lyon a inauguré lundi le nouveau pont.")
		do(t, ctx, chromedp.Click(chromedp.CSS("#go")))
		waitFor(t, ctx, "the first article", waitDone)
		paste(t, ctx, "La ville a voté un nouveau budget pour ses écoles, et le maire de Lyon l'a défendu.")
		do(t, ctx, chromedp.Click(chromedp.CSS("#go")))
		got := message(t, ctx)
		if !strings.Contains(got, "Today's allowance is used up") || !strings.Contains(got, "It resets at") {
			t.Errorf("message %q", got)
		}
	})

	t.Run("provider down", func(t *testing.T) {
		s := newSite(t, siteOptions{})
		s.primary.down.Store(true)
		ctx := tab(t, 1280, 900, false)
		open(t, ctx, s)
		paste(t, ctx, seed(t))
		do(t, ctx, chromedp.Click(chromedp.CSS("#go")))
		waitFor(t, ctx, "the article", waitDone)
		if got := text(t, ctx, "#notice"); !strings.Contains(got, "llm did not answer; engine, the route's fallback, translated this article") {
			t.Errorf("notice %q", got)
		}
		// Every provider down: what happened, and what to do.
		s.backup.down.Store(true)
		paste(t, ctx, "Le maire de Lyon a inauguré lundi le nouveau pont.")
		do(t, ctx, chromedp.Click(chromedp.CSS("#go")))
		if got := message(t, ctx); !strings.Contains(got, "No provider could translate this article") || !strings.Contains(got, "Try again in a minute") {
			t.Errorf("message %q", got)
		}
		if !eval[bool](t, ctx, `document.getElementById("rows").hidden`) {
			t.Error("the rows of the failed article show beside the message")
		}
	})

	t.Run("flagged paragraph", func(t *testing.T) {
		s := newSite(t, siteOptions{})
		ctx := tab(t, 1280, 900, false)
		open(t, ctx, s)
		// Before the closing lines, which Passerelle drops as boilerplate.
		paste(t, ctx, strings.Replace(seed(t), "Aucun communiqué", "Ce paragraphe-ci, aucun fournisseur ne sait le traduire, et il reste donc en français dans la réponse.\n\nAucun communiqué", 1))
		do(t, ctx, chromedp.Click(chromedp.CSS("#go")))
		waitFor(t, ctx, "the article", waitDone)
		flagged := text(t, ctx, ".row.failed")
		if !strings.Contains(flagged, "Ce paragraphe-ci") || !strings.Contains(flagged, "Not translated through the checks:") {
			t.Errorf("flagged row %q", flagged)
		}
		if got := text(t, ctx, "#notice"); !strings.Contains(got, "1 paragraph could not be translated through the checks") {
			t.Errorf("notice %q", got)
		}
	})
}

// TestKeyboard: everything from the keyboard: each control is reached by
// Tab, with a visible focus and a label; the article typed, translated
// with Enter on the button, and copied.
func TestKeyboard(t *testing.T) {
	s := newSite(t, siteOptions{delay: 20 * time.Millisecond})
	ctx := tab(t, 1280, 900, false)
	open(t, ctx, s)
	unlabelled := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("input, select, textarea")).filter((el) => !el.labels || el.labels.length === 0).map((el) => el.id)`)
	if len(unlabelled) > 0 {
		t.Errorf("controls without a label: %v", unlabelled)
	}
	// The focus ring of the focused element, or of the label that stands
	// for a hidden radio button.
	const focused = `(() => { const el = document.activeElement; const shown = el.type === "radio" ? el.labels[0] : el;
  const s = getComputedStyle(shown); return {id: el.id || el.className, visible: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2}; })()`
	type focus struct {
		ID      string `json:"id"`
		Visible bool   `json:"visible"`
	}
	var order []string
	for i := 0; i < 20; i++ {
		do(t, ctx, chromedp.KeyEvent("\t"))
		f := eval[focus](t, ctx, focused)
		order = append(order, f.ID)
		if !f.Visible {
			t.Errorf("%s has the focus but no visible ring", f.ID)
		}
		if f.ID == "in-text" {
			do(t, ctx, chromedp.KeyEvent("Le maire de Lyon a inauguré lundi le nouveau pont."))
		}
		if f.ID == "go" {
			break
		}
	}
	for _, want := range []string{"kind-text", "in-title", "in-text", "in-lang", "in-provider", "in-sentences", "in-key", "go"} {
		found := false
		for _, id := range order {
			found = found || id == want
		}
		if !found {
			t.Errorf("Tab never reached %s: %v", want, order)
		}
	}
	do(t, ctx, chromedp.KeyEvent("\r"))
	waitFor(t, ctx, "the article", waitDone)
	if got := text(t, ctx, ".row .cell.en"); !strings.Contains(got, "The mayor of Lyon opened the new bridge on Monday.") {
		t.Errorf("English %q", got)
	}
	requestsEach(t, s, 1)
	// On to the copy button, and Enter.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__copied = null;
navigator.clipboard.writeText = (t) => { window.__copied = t; return Promise.resolve(); }; true`))
	for i := 0; i < 10 && eval[string](t, ctx, "document.activeElement.id") != "copy"; i++ {
		do(t, ctx, chromedp.KeyEvent("\t"))
	}
	do(t, ctx, chromedp.KeyEvent("\r"))
	waitFor(t, ctx, "the copy", "window.__copied !== null")
}
