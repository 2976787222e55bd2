package jobclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/internal/jobclient/jobstest"
)

const testKey = "psl_test"

// articles writes a folder of three French articles, one of them HTML and
// one in a sub-folder, and a file of another kind that is passed over.
func articles(t *testing.T, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"sommet.txt":         "Premier sommet Poutine-Kim à Vladivostok\n\nLe sommet inédit s'est achevé jeudi.\n\nAucun communiqué n'était prévu.\n",
		"soudan.html":        "<h1>Au Soudan, la pression sur l'armée</h1>\n<p>Les manifestants maintiennent la pression.</p>\n",
		"europe/brexit.md":   "Brexit : Theresa May sous pression\n\nLes députés conservateurs s'impatientent.\n",
		"europe/photo.jpg":   "\xff\xd8\xff",
		".cache/ignored.txt": "Un fichier caché\n\nIl n'est pas lu.\n",
	}
	for name, body := range extra {
		files[name] = body
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// syncBuffer is a buffer the test reads while the client writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (b *syncBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.Reset()
}

func options(s *jobstest.StandIn, out string, progress *syncBuffer, inputs ...string) Options {
	return Options{Server: s.URL, Key: testKey, Out: out, Inputs: inputs, Progress: progress, Poll: 50 * time.Millisecond}
}

func run(t *testing.T, o Options) Summary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sum, err := Run(ctx, o)
	if err != nil {
		t.Fatalf("Run: %v (progress:\n%s)", err, o.Progress)
	}
	return sum
}

// runAsync is run for another goroutine than the test's.
func runAsync(t *testing.T, o Options) Summary {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sum, err := Run(ctx, o)
	if err != nil {
		t.Errorf("Run: %v", err)
	}
	return sum
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFolderThenRerunSkips(t *testing.T) {
	s := jobstest.New(t, testKey, true)
	in, out := articles(t, nil), t.TempDir()
	var progress syncBuffer
	sum := run(t, options(s, out, &progress, in))
	if sum != (Summary{Translated: 3}) {
		t.Errorf("first run: %v, want 3 translated, 0 failed, 0 skipped", sum)
	}
	want := map[string]string{
		"sommet.en.md":        "# EN Premier sommet Poutine-Kim à Vladivostok\n\nEN Le sommet inédit s'est achevé jeudi.\n\nEN Aucun communiqué n'était prévu.\n\n## Summary\n\nEN summary of EN Premier sommet Poutine-Kim à Vladivostok\n",
		"europe/brexit.en.md": "# EN Brexit : Theresa May sous pression\n\nEN Les députés conservateurs s'impatientent.\n\n## Summary\n\nEN summary of EN Brexit : Theresa May sous pression\n",
	}
	for name, body := range want {
		if got := read(t, filepath.Join(out, name)); got != body {
			t.Errorf("%s =\n%s\nwant\n%s", name, got, body)
		}
	}
	if got := read(t, filepath.Join(out, "soudan.en.md")); !strings.HasPrefix(got, "# EN <h1>Au Soudan") {
		t.Errorf("soudan.en.md = %q: the HTML file was not sent as html", got)
	}
	req := s.Submitted()[0]
	if req.Task != "articles" || len(req.Articles) != 3 || req.Articles[2].HTML == "" || req.Articles[0].Text == "" {
		t.Errorf("the job asked = %+v, want task articles and the three files (text, text, html)", req)
	}
	// Not a terminal: one plain line per article.
	for _, line := range []string{"[1/3] ", "[2/3] ", "[3/3] "} {
		if !strings.Contains(progress.String(), line) {
			t.Errorf("progress lacks a line %q:\n%s", line, progress.String())
		}
	}
	if strings.Contains(progress.String(), "\r") || strings.Contains(progress.String(), "\x1b[") {
		t.Errorf("progress on a non-terminal holds terminal controls: %q", progress.String())
	}

	progress.Reset()
	sum = run(t, options(s, out, &progress, in))
	if sum != (Summary{Skipped: 3}) {
		t.Errorf("second run: %v, want 0 translated, 0 failed, 3 skipped", sum)
	}
	if n := len(s.Submitted()); n != 1 {
		t.Errorf("%d jobs were submitted, want 1: the second run has nothing to ask", n)
	}
}

func TestFailedArticleIsCountedAndRetried(t *testing.T) {
	s := jobstest.New(t, testKey, true)
	in := articles(t, map[string]string{"panne.txt": "Une dépêche ÉCHEC\n\nLe fournisseur ne répond pas.\n", "partiel.txt": "Un article PARTIEL\n\nLe bilan est de 12 morts.\n"})
	out := t.TempDir()
	var progress syncBuffer
	sum := run(t, options(s, out, &progress, in))
	if sum != (Summary{Translated: 4, Failed: 1}) || sum.String() != "4 translated, 1 failed, 0 skipped" {
		t.Errorf("run: %v, want 4 translated, 1 failed, 0 skipped", sum)
	}
	if !strings.Contains(progress.String(), "panne: failed: 502 provider_error: no provider could translate the article") {
		t.Errorf("progress does not name the failure:\n%s", progress.String())
	}
	if exists(filepath.Join(out, "panne.en.md")) {
		t.Error("a failed article has an output")
	}
	if got := read(t, filepath.Join(out, "partiel.en.md")); !strings.Contains(got, "## Warnings\n\n- paragraph 1: output_check_failed (numbers): the number 12 is missing\n") {
		t.Errorf("partiel.en.md lacks its warning:\n%s", got)
	}

	// Run again: the failed article alone is asked again.
	sum = run(t, options(s, out, &progress, in))
	if sum != (Summary{Failed: 1, Skipped: 4}) {
		t.Errorf("second run: %v, want 0 translated, 1 failed, 4 skipped", sum)
	}
	jobs := s.Submitted()
	second := jobs[len(jobs)-1]
	if len(jobs) != 2 || len(second.Articles) != 1 || !strings.Contains(second.Articles[0].Text, "ÉCHEC") {
		t.Errorf("the second job = %+v, want the failed article alone", second)
	}
}

// A client stopped mid-job (killed, closed) follows the same job when run
// again: nothing is submitted twice and what was written stays.
func TestResumeAfterStop(t *testing.T) {
	s := jobstest.New(t, testKey, false)
	in, out := articles(t, nil), t.TempDir()
	var progress syncBuffer
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	o := options(s, out, &progress, in)
	go func() { _, err := Run(ctx, o); done <- err }()
	s.Release(1)
	first := filepath.Join(out, "soudan.en.md") // the stand-in works the last article first
	for deadline := time.Now().Add(10 * time.Second); !exists(first); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no output after one article:\n%s", progress.String())
		}
	}
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped Run: %v, want context.Canceled", err)
	}
	var kept state
	if err := json.Unmarshal([]byte(read(t, filepath.Join(out, stateFile))), &kept); err != nil || kept.ID != "job1" {
		t.Fatalf("kept job = %+v, %v; want job1", kept, err)
	}

	progress.Reset()
	go func() {
		// Once the second run follows the job, the rest is worked.
		for !strings.Contains(progress.String(), "resuming") {
			time.Sleep(10 * time.Millisecond)
		}
		s.Release(2)
	}()
	// The folder named another way is the same request.
	sum := run(t, options(s, out, &progress, in+string(filepath.Separator)))
	if sum != (Summary{Translated: 2, Skipped: 1}) {
		t.Errorf("resumed run: %v, want 2 translated, 0 failed, 1 skipped", sum)
	}
	if n := len(s.Submitted()); n != 1 {
		t.Errorf("%d jobs were submitted, want 1: the second run follows the first's", n)
	}
	if !strings.Contains(progress.String(), "resuming job job1") {
		t.Errorf("progress does not say it resumes:\n%s", progress.String())
	}
	for _, name := range []string{"sommet.en.md", "soudan.en.md", "europe/brexit.en.md"} {
		if !exists(filepath.Join(out, name)) {
			t.Errorf("%s is missing after the resumed run", name)
		}
	}
}

func TestFormatJSON(t *testing.T) {
	s := jobstest.New(t, testKey, true)
	in, out := articles(t, nil), t.TempDir()
	o := options(s, out, &syncBuffer{}, filepath.Join(in, "sommet.txt"))
	o.Format = "json"
	if sum := run(t, o); sum != (Summary{Translated: 1}) {
		t.Fatalf("run: %v", sum)
	}
	var rep struct {
		Translation struct{ Title string } `json:"translation"`
		Complete    bool                   `json:"complete"`
		SourceLang  string                 `json:"source_lang"`
	}
	if err := json.Unmarshal([]byte(read(t, filepath.Join(out, "sommet.en.json"))), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Translation.Title != "EN Premier sommet Poutine-Kim à Vladivostok" || !rep.Complete || rep.SourceLang != "fr" {
		t.Errorf("sommet.en.json = %+v, want the reply itself", rep)
	}
}

func TestFeedAndURLs(t *testing.T) {
	s := jobstest.New(t, testKey, true)
	s.Feeds["https://www.lemonde.fr/international/rss_full.xml"] = []jobstest.Source{
		{HTML: "<p>Sri Lanka : le bilan revu à la baisse</p>\n<p>253 morts, et non 359.</p>"},
		{URL: "https://www.lemonde.fr/afrique/article/2019/04/25/au-soudan_5454620_3212.html"},
	}
	out := t.TempDir()
	o := options(s, out, &syncBuffer{}, "https://www.lemonde.fr/international/article/2019/04/25/premier-sommet_5454694_3210.html")
	o.Feed = "https://www.lemonde.fr/international/rss_full.xml"
	if sum := run(t, o); sum != (Summary{Translated: 3}) {
		t.Fatalf("run: %v", sum)
	}
	var names []string
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
			names = append(names, d.Name())
		}
		return nil
	})
	if len(names) != 3 || !exists(filepath.Join(out, "premier-sommet_5454694_3210.en.md")) ||
		!exists(filepath.Join(out, "en-p-sri-lanka-le-bilan-revu-a-la-baisse-p.en.md")) {
		t.Errorf("outputs = %v, want the URL's by its last segment and the feed items' by their titles", names)
	}
}

func TestWrongKeyAndNoInput(t *testing.T) {
	s := jobstest.New(t, testKey, true)
	o := options(s, t.TempDir(), &syncBuffer{}, articles(t, nil))
	o.Key = "psl_other"
	if _, err := Run(context.Background(), o); err == nil || !regexp.MustCompile(`401.*unauthorized`).MatchString(err.Error()) {
		t.Errorf("Run with a wrong key: %v, want the gateway's 401", err)
	}
	o.Inputs = nil
	if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "nothing to translate") {
		t.Errorf("Run without inputs: %v", err)
	}
}

// A stream cut after each event is resumed from the last event seen, and
// results are read once each, paged with ?after.
func TestEventsResumeAndResultsPaging(t *testing.T) {
	s := jobstest.New(t, testKey, false)
	s.CutStreams = true
	in, out := articles(t, nil), t.TempDir()
	done := make(chan Summary, 1)
	go func() { done <- runAsync(t, options(s, out, &syncBuffer{}, in)) }()
	for i := 0; i < 3; i++ {
		time.Sleep(100 * time.Millisecond)
		s.Release(1)
	}
	if sum := <-done; sum != (Summary{Translated: 3}) {
		t.Fatalf("run: %v", sum)
	}
	ids := s.LastEventIDs()
	if len(ids) < 2 || ids[0] != "" {
		t.Fatalf("Last-Event-IDs = %q, want a first stream without one, then resumed ones", ids)
	}
	for i := 1; i < len(ids); i++ {
		prev, _ := strconv.Atoi(ids[i-1])
		if cur, err := strconv.Atoi(ids[i]); err != nil || cur <= prev {
			t.Fatalf("Last-Event-IDs = %q, want increasing ids: no event read twice", ids)
		}
	}
	if n := s.Served(); n != 3 {
		t.Errorf("%d result lines served, want 3: each result read once", n)
	}
}

// A gateway that stops answering for a while (a restart) is waited for;
// one that does not come back within the patience ends the run, to be
// resumed.
func TestGatewayDownForAWhile(t *testing.T) {
	s := jobstest.New(t, testKey, false)
	in, out := articles(t, nil), t.TempDir()
	var progress syncBuffer
	o := options(s, out, &progress, in)
	done := make(chan Summary, 1)
	go func() { done <- runAsync(t, o) }()
	s.Release(1)
	for deadline := time.Now().Add(10 * time.Second); !exists(filepath.Join(out, "soudan.en.md")); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no first output")
		}
	}
	s.SetDown(true)
	s.Release(2)
	time.Sleep(300 * time.Millisecond)
	s.SetDown(false)
	if sum := <-done; sum != (Summary{Translated: 3}) {
		t.Errorf("run: %v, want 3 translated", sum)
	}
	for _, want := range []string{"the gateway does not answer", "the gateway answers again"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}

	s2 := jobstest.New(t, testKey, false)
	o = options(s2, t.TempDir(), &syncBuffer{}, in)
	o.Patience = 200 * time.Millisecond
	errc := make(chan error, 1)
	go func() { _, err := Run(context.Background(), o); errc <- err }()
	for len(s2.Submitted()) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	s2.SetDown(true)
	select {
	case err := <-errc:
		if err == nil || !strings.Contains(err.Error(), "has not answered") {
			t.Errorf("Run against a gateway gone: %v, want it to give up", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not give up on a gateway gone")
	}
}

// On a terminal the progress is a bar with the count, the rate and the
// time left, and a failure is a line of its own.
func TestTerminalBar(t *testing.T) {
	s := jobstest.New(t, testKey, true)
	in := articles(t, map[string]string{"panne.txt": "Une dépêche ÉCHEC\n\nLe fournisseur ne répond pas.\n"})
	var progress syncBuffer
	o := options(s, t.TempDir(), &progress, in)
	o.Terminal = true
	if sum := run(t, o); sum != (Summary{Translated: 3, Failed: 1}) {
		t.Fatalf("run: %v", sum)
	}
	got := progress.String()
	for _, re := range []string{`translating`, `\(4/4, \d+(\.\d+)? articles/s\)`, `\[\d+s:\d+s\]`, `[\r\n]panne: failed: 502 provider_error`} {
		if !regexp.MustCompile(re).MatchString(got) {
			t.Errorf("the bar lacks %s:\n%q", re, got)
		}
	}
	if strings.Contains(got, "[1/4]") {
		t.Errorf("plain lines on a terminal:\n%q", got)
	}
}

// A job refused with 503 and Retry-After is submitted again.
func TestSubmitRetriesARefusalThatAsksToComeBack(t *testing.T) {
	s := jobstest.New(t, testKey, true)
	s.SetDown(true)
	time.AfterFunc(300*time.Millisecond, func() { s.SetDown(false) })
	start := time.Now()
	if sum := run(t, options(s, t.TempDir(), &syncBuffer{}, articles(t, nil))); sum != (Summary{Translated: 3}) {
		t.Errorf("run: %v, want 3 translated", sum)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("sent again after %s, want after the Retry-After of 1s", waited)
	}
	if n := len(s.Submitted()); n != 1 {
		t.Errorf("%d jobs, want 1", n)
	}
}

// A kept job made for another request (an article edited since) is not
// followed: what is not written goes in a new job.
func TestKeptJobOfAnotherRequest(t *testing.T) {
	s := jobstest.New(t, testKey, false)
	in, out := articles(t, nil), t.TempDir()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := Run(ctx, options(s, out, &syncBuffer{}, in)); done <- err }()
	s.Release(1)
	for !exists(filepath.Join(out, "soudan.en.md")) {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	<-done
	if err := os.WriteFile(filepath.Join(in, "sommet.txt"), []byte("Premier sommet, version corrigée\n\nLe sommet s'est achevé.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Release(10)
	if sum := run(t, options(s, out, &syncBuffer{}, in)); sum != (Summary{Translated: 2, Skipped: 1}) {
		t.Errorf("run: %v, want 2 translated, 0 failed, 1 skipped", sum)
	}
	jobs := s.Submitted()
	if len(jobs) != 2 || len(jobs[1].Articles) != 2 || !strings.Contains(jobs[1].Articles[1].Text, "version corrigée") {
		t.Errorf("jobs = %+v, want a second job of the two articles not written, the edited one as edited", jobs)
	}
}

// A job cancelled on the gateway ends the run, its articles not done
// counted failed.
func TestCancelledJob(t *testing.T) {
	s := jobstest.New(t, testKey, false)
	in, out := articles(t, nil), t.TempDir()
	var progress syncBuffer
	done := make(chan Summary, 1)
	go func() { done <- runAsync(t, options(s, out, &progress, in)) }()
	s.Release(1)
	for !exists(filepath.Join(out, "soudan.en.md")) {
		time.Sleep(10 * time.Millisecond)
	}
	req, _ := http.NewRequest(http.MethodDelete, s.URL+"/v1/jobs/job1", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if sum := <-done; sum != (Summary{Translated: 1, Failed: 2}) {
		t.Errorf("run: %v, want 1 translated, 2 failed", sum)
	}
	if !strings.Contains(progress.String(), "job job1 cancelled: 2 articles not translated") {
		t.Errorf("progress does not say the job was cancelled:\n%s", progress.String())
	}
}
