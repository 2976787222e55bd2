package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"passerelle/gateway"
	"passerelle/gateway/checks"
	"passerelle/internal/testenv"
)

// noEnv is an environment with nothing set.
func noEnv(string) string { return "" }

// TestRun sends the fixture's two articles through the gateway and to a real
// Apertium server.
func TestRun(t *testing.T) {
	url := testenv.ApertiumURL(t)
	var out, logs bytes.Buffer
	if err := run(context.Background(), []string{"-corpus", "testdata/corpus", "-apertium", url, "-v"}, noEnv, &out, &logs); err != nil {
		t.Fatalf("run: %v\n%s\n%s", err, out.String(), logs.String())
	}
	got := out.String()
	for _, want := range []string{
		"2 documents, 10 sentences (headlines included), 6 paragraphs",
		"apertium:fra-spa-eng",
		"Paragraphs: 6 sent, 6 returned; lost 0, added 0, reordered 0; articles the gateway failed on: 0.",
		"ledevoir/2011/11/15/74380.html",
		"liberation/2012/12/01/160496",
		"All floors met.",
		"Paragraphs the checks flagged (returned with a warning, the rest of their article whole): 0.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

// TestRunDefaultURL checks that the test servers' variable names the APy
// server when -apertium is absent.
func TestRunDefaultURL(t *testing.T) {
	url := testenv.ApertiumURL(t)
	env := func(name string) string {
		if name == apertiumURLEnv {
			return url
		}
		return ""
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-corpus", "testdata/corpus", "-docs", "1"}, env, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if want := "Engine: Apertium APy at " + url + ","; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
	if want := "1 documents"; !strings.Contains(out.String(), want) {
		t.Errorf("-docs 1: output lacks %q:\n%s", want, out.String())
	}
}

func TestRunErrors(t *testing.T) {
	closed := fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no corpus flag", nil, "-corpus is required"},
		{"negative -docs", []string{"-corpus", "testdata/corpus", "-docs", "-1"}, "-docs -1"},
		{"missing files", []string{"-corpus", t.TempDir()}, "newstest2012-src.fr.sgm"},
		{"bad URL", []string{"-corpus", "testdata/corpus", "-apertium", "127.0.0.1:2737"}, "must start with http://"},
		{"nothing listening", []string{"-corpus", "testdata/corpus", "-apertium", closed}, "no Apertium APy server answers at " + closed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, noEnv, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestFlagsSayWhatTheChecksFlagged(t *testing.T) {
	var f flags
	if got := f.String(); got != "0" {
		t.Errorf("no warning: %q, want 0", got)
	}
	src := []string{"Le gazoduc.", "Les milliards."}
	f.add(&gateway.Translation{}, "", nil)
	f.add(&gateway.Translation{Warnings: []gateway.Warning{{Paragraph: 1, Code: gateway.CodeOutputCheck, Check: "numbers"}, {Paragraph: -1, Code: gateway.CodeProviderError}}}, "", nil)
	f.add(&gateway.Translation{Warnings: []gateway.Warning{{Paragraph: 0, Code: gateway.CodeOutputCheck, Check: "numbers"}}}, "", nil)
	if got, want := f.String(), "3 in 2 articles (numbers 2, provider_error 1)"; got != want {
		t.Errorf("flags = %q, want %q", got, want)
	}
	if got := f.untranslated(30); got != "0" {
		t.Errorf("no untranslated word: %q, want 0", got)
	}

	leak := func(at int) gateway.Warning {
		return gateway.Warning{Paragraph: at, Code: checks.CheckUntranslatedWords, Check: checks.CheckUntranslatedWords}
	}
	f.add(&gateway.Translation{Title: "The gazoduc", Paragraphs: []string{"The gazoduc.", "The millardos."},
		Warnings: []gateway.Warning{leak(-1), leak(0), leak(1)}}, "Le gazoduc", src)
	f.add(&gateway.Translation{Paragraphs: []string{"The millardos gazoduc.", "Fine."}, Warnings: []gateway.Warning{leak(0)}}, "", src)
	if got, want := f.String(), "3 in 2 articles (numbers 2, provider_error 1)"; got != want {
		t.Errorf("untranslated words counted among the failures: %q, want %q", got, want)
	}
	if got, want := f.untranslated(30), "4 paragraphs in 2 articles, 2 distinct words; most frequent (paragraphs): gazoduc 3, millardos 2"; got != want {
		t.Errorf("untranslated = %q, want %q", got, want)
	}
	if got, want := f.untranslated(1), "4 paragraphs in 2 articles, 2 distinct words; most frequent (paragraphs): gazoduc 3"; got != want {
		t.Errorf("untranslated(1) = %q, want %q", got, want)
	}
}
