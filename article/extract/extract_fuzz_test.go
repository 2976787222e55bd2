package extract_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"passerelle/article/extract"
)

// extractDeadline bounds one extraction in FuzzArticle. An extraction takes
// tens of milliseconds; one still running after this long is stuck, and
// reported as such rather than left to hang the fuzzer.
const extractDeadline = 30 * time.Second

// FuzzArticle checks that Article, on any bytes, returns in bounded time
// either ErrNoArticle or an article whose title and paragraphs are valid
// UTF-8 without control characters or white space at their ends, and whose
// paragraphs are non-empty.
func FuzzArticle(f *testing.F) {
	for _, p := range []string{
		"testdata/synthetic.html",
		"testdata/readability/mozilla-liberation-1/expected.html",
		"testdata/readability/fivefilters-challenges/expected.html",
	} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
		f.Add(b, "https://www.example.fr/monde/article.html")
	}
	f.Fuzz(func(t *testing.T, page []byte, pageURL string) {
		ctx, cancel := context.WithTimeout(context.Background(), extractDeadline)
		defer cancel()
		type outcome struct {
			res extract.Result
			err error
		}
		done := make(chan outcome, 1)
		go func() {
			res, err := extract.Article(ctx, page, pageURL)
			done <- outcome{res, err}
		}()
		var got outcome
		select {
		case got = <-done:
		case <-ctx.Done():
			t.Fatalf("Article did not return within %v on a page of %d bytes: %q", extractDeadline, len(page), page)
		}

		if got.err != nil {
			if !errors.Is(got.err, extract.ErrNoArticle) {
				t.Fatalf("Article error = %v, want ErrNoArticle", got.err)
			}
			if len(got.res.Paragraphs) != 0 || got.res.Title != "" {
				t.Errorf("Article failed but returned %+v", got.res)
			}
			return
		}
		if len(got.res.Paragraphs) == 0 {
			t.Fatalf("Article returned no error and no paragraph")
		}
		check := func(what, s string) {
			t.Helper()
			if !utf8.ValidString(s) {
				t.Errorf("%s %q is not valid UTF-8", what, s)
			}
			if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
				r, _ := utf8.DecodeRuneInString(s[i:])
				t.Errorf("%s %q holds the control character %U", what, s, r)
			}
			if strings.TrimSpace(s) != s {
				t.Errorf("%s %q has white space at an end", what, s)
			}
		}
		check("title", got.res.Title)
		check("byline", got.res.Byline)
		for i, p := range got.res.Paragraphs {
			if p == "" {
				t.Errorf("paragraph %d is empty", i)
			}
			check("paragraph", p)
		}
		if d := got.res.Date; d != "" {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				t.Errorf("Date = %q, want YYYY-MM-DD", d)
			}
		}
	})
}
