package gateway

import (
	"flag"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"passerelle/article"
	"passerelle/article/language"
)

// corpusDir points at a copy of the shared evaluation corpus.
var corpusDir = flag.String("corpus", "", "folder holding mt/*.sgm (WMT); empty skips the corpus tests")

// The opening the language is detected on decides as an opening twice as
// long on every WMT document: French sources are French, English
// references English.
//
//	go test ./gateway -run OpeningDecides -v -corpus ../shared/corpus
func TestOpeningDecidesAsALongerOne(t *testing.T) {
	if *corpusDir == "" {
		t.Skip("no -corpus folder given")
	}
	files, err := filepath.Glob(filepath.Join(*corpusDir, "mt", "*.sgm"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no WMT files in %s/mt: %v", *corpusDir, err)
	}
	docs := regexp.MustCompile(`(?s)<doc[^>]*>(.*?)</doc>`)
	segs := regexp.MustCompile(`<seg[^>]*>(.*?)</seg>`)
	det := language.NewDetector(language.Options{})
	checked := 0
	for _, f := range files {
		want := map[bool]string{true: "en", false: "fr"}[regexp.MustCompile(`\.en\.sgm$`).MatchString(f)]
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs.FindAllStringSubmatch(string(raw), -1) {
			var texts []string
			for _, s := range segs.FindAllStringSubmatch(d[1], -1) {
				texts = append(texts, html.UnescapeString(s[1]))
			}
			if len(texts) < 2 {
				continue
			}
			doc := article.Document{Title: texts[0], Paragraphs: texts[1:]}
			short, _ := det.Detect(opening(doc, openingBytes))
			long, _ := det.Detect(opening(doc, 2*openingBytes))
			if short != long || short != want {
				t.Errorf("%s: %q on %d bytes, %q on %d; want %q: %.100q", filepath.Base(f), short, openingBytes, long, 2*openingBytes, want, doc.Title)
			}
			checked++
		}
	}
	t.Logf("%d documents", checked)
}
