package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"passerelle/article/extract"
	"passerelle/config"
)

// TestNewsPage checks that the flood's pages are what it says: of the size
// asked, under the default body limit once in a request, and an article the
// gateway's extractor finds paragraph by paragraph.
func TestNewsPage(t *testing.T) {
	n := 0
	next := func() int { n++; return n }
	rng := rand.New(rand.NewPCG(1, 1))
	page := newsPage(rng, next, 900_000)
	if len(page) < 880_000 || len(page) > 900_000 {
		t.Errorf("page of %d bytes, want about 900,000", len(page))
	}
	body := jsonBody(map[string]string{"html": string(page)})
	if len(body) >= config.DefaultMaxBodyBytes {
		t.Errorf("request body of %d bytes: over the default max_body_bytes %d", len(body), config.DefaultMaxBodyBytes)
	}

	// A small page, so that the test stays quick with any extractor.
	small := newsPage(rng, next, 20_000)
	res, err := extract.Article(context.Background(), small, "https://www.example.fr/article.html")
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Count(small, []byte(`<p class="article__paragraph">`))
	if len(res.Paragraphs) < want {
		t.Errorf("the extractor found %d blocks, want the %d paragraphs at least", len(res.Paragraphs), want)
	}
	for _, p := range res.Paragraphs {
		for _, furniture := range []string{"cookies", "Mentions légales", "Commentaires"} {
			if strings.Contains(p, furniture) {
				t.Errorf("page furniture extracted: %q", p)
			}
		}
	}
}

// TestBatchBody checks that a batch is the JSON it claims, of the length it
// claims, with articles that are all different.
func TestBatchBody(t *testing.T) {
	n := 0
	next := func() int { n++; return n }
	rng := rand.New(rand.NewPCG(1, 1))
	pool := newBatchPool(rng, next, 10, 5_000)
	parts, length := pool.batchBody(rng, next, 25)
	readers := make([]io.Reader, len(parts))
	for i, p := range parts {
		readers[i] = bytes.NewReader(p)
	}
	raw, _ := io.ReadAll(io.MultiReader(readers...))
	if len(raw) != length {
		t.Fatalf("body of %d bytes, said %d", len(raw), length)
	}
	var batch struct {
		Task     string `json:"task"`
		Articles []struct {
			Title string `json:"title"`
			Text  string `json:"text"`
		} `json:"articles"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&batch); err != nil {
		t.Fatal(err)
	}
	if batch.Task != "translate" || len(batch.Articles) != 25 {
		t.Fatalf("task %q, %d articles", batch.Task, len(batch.Articles))
	}
	seen := map[string]bool{}
	book := newPhrasebook()
	for _, a := range batch.Articles {
		if seen[a.Title+a.Text] {
			t.Errorf("article %q twice", a.Title)
		}
		seen[a.Title+a.Text] = true
		if len(a.Text) < 5_000 {
			t.Errorf("article of %d bytes, want 5,000 at least", len(a.Text))
		}
		// Every paragraph is a phrase the stand-in translates.
		for _, p := range append([]string{a.Title}, strings.Split(a.Text, "\n\n")...) {
			if _, ok := book.translate(p); !ok {
				t.Fatalf("%q is no phrase of the stand-in", p)
			}
		}
	}
}
