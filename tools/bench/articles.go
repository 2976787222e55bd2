package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"passerelle/article"
	"passerelle/article/tokens"
)

// articleBody is the JSON body of a request to an article endpoint.
func articleBody(text string) []byte {
	b, _ := json.Marshal(map[string]string{"text": text})
	return b
}

// docText writes a document back as the text a client sends: the title, then
// the paragraphs, separated by blank lines.
func docText(d article.Document) string {
	return d.Title + "\n\n" + strings.Join(d.Paragraphs, "\n\n")
}

// variant returns d with every segment (title and paragraphs) marked with
// tag, so that neither the whole article nor any paragraph is in the cache:
// a true miss, every paragraph translated. The tag holds digits, which any
// translation keeps.
func variant(d article.Document, tag string) article.Document {
	v := article.Document{Title: d.Title + " (" + tag + ")", Paragraphs: make([]string, len(d.Paragraphs))}
	for i, p := range d.Paragraphs {
		v.Paragraphs[i] = p + " (" + tag + ")"
	}
	return v
}

// longArticle returns an article of n distinct paragraphs taken, in order,
// from the French texts matching glob (the seed first), each parsed as the
// gateway parses it; it fails when they hold fewer than n.
func longArticle(seed article.Document, glob string, n int) (article.Document, error) {
	files, err := filepath.Glob(glob)
	if err != nil {
		return article.Document{}, err
	}
	sort.Strings(files)
	doc := article.Document{Title: "Revue de presse internationale"}
	seen := map[string]bool{}
	add := func(paragraphs []string) {
		for _, p := range paragraphs {
			if len(doc.Paragraphs) < n && !seen[p] {
				seen[p] = true
				doc.Paragraphs = append(doc.Paragraphs, p)
			}
		}
	}
	add(seed.Paragraphs)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return article.Document{}, err
		}
		add(article.Parse("", string(raw)).Paragraphs)
	}
	if len(doc.Paragraphs) < n {
		return article.Document{}, fmt.Errorf("only %d distinct paragraphs in the seed and %s, want %d", len(doc.Paragraphs), glob, n)
	}
	return doc, nil
}

// characters counts what an engine bills: the characters of the segments.
func characters(segments ...string) int {
	n := 0
	for _, s := range segments {
		n += utf8.RuneCountInString(s)
	}
	return n
}

// predictedBatches is how many batches the gateway packs doc into for the
// slow provider: the budget cmd/passerelle gives an OpenAI provider (the
// JSON envelope of a request and of each segment counted on top of the
// segments' tokens), with the max_batch of the configuration written here.
func predictedBatches(doc article.Document) (int, error) {
	segments := append([]string{doc.Title}, doc.Paragraphs...)
	plan, err := article.Pack(segments, article.Budget{Max: slowMaxBatch, PerBatch: 40, PerPiece: 4}, tokens.For(standinModel).Count)
	if err != nil {
		return 0, err
	}
	return len(plan.Batches), nil
}
