// Command evalmt measures how faithfully the gateway translates whole
// articles, on the French-original news articles of the WMT test sets
// newstest2012 and newstest2013 kept in the shared corpus (32 articles,
// 1,046 sentences, each with a human English reference):
//
//	go run ./tools/evalmt -corpus ../shared/corpus [-apertium URL] [-docs N] [-words N] [-v]
//
// Each article is rebuilt from the test set (the headline is seg 1, each
// <p> block a paragraph of its sentences joined by a space) and translated
// twice:
//
//   - through the gateway: a gateway.Service built in this process the way
//     cmd/passerelle builds it for the default offline configuration (the
//     Apertium translator behind its resilient guard, the extractive
//     summarizer, the in-memory cache, the language detector), called with
//     the title and the paragraphs separated by blank lines, source_lang
//     "fr". An in-process Service measures the same code as the server
//     without an HTTP hop, a port or a build step; built by internal/assemble
//     exactly as the server builds it;
//   - straight to the engine: the Apertium client alone, one segment per
//     sentence, the way the test set is meant to be translated.
//
// It reports the paragraphs lost, added or put out of place by the gateway,
// and chrF (sacreBLEU's default chrF2, see package chrf) against the
// references: per document for both paths, per paragraph where the gateway
// returned every paragraph, and per sentence for the engine. It exits with
// status 1 when a paragraph is lost, added or reordered, when the gateway
// fails on an article, or when the gateway's document chrF falls more than
// 0.5 below the engine's.
//
// The Apertium APy server is -apertium, by default $PASSERELLE_TEST_APERTIUM_URL
// or else http://127.0.0.1:2737; `scripts/apertium.sh serve 2737` starts one.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"passerelle/gateway"
	"passerelle/gateway/checks"
	"passerelle/providers"
	"passerelle/providers/registry"
	"passerelle/tools/eval/chrf"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "evalmt:", err)
		os.Exit(1)
	}
}

// apertiumURLEnv names the APy server when -apertium is not given; the
// tests use the same variable.
const (
	apertiumURLEnv     = "PASSERELLE_TEST_APERTIUM_URL"
	defaultApertiumURL = "http://127.0.0.1:2737"
)

// testSets are the files read under the corpus's mt/ folder, in order.
var testSets = []string{"newstest2012", "newstest2013"}

// parallel is how many articles are in flight at once on each path: the
// Apertium client bounds its calls to APy anyway (4 by default), and this
// keeps it busy without queueing the whole corpus.
const parallel = 4

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("evalmt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	corpus := fs.String("corpus", "", "corpus folder holding mt/newstest2012-* and mt/newstest2013-* (required)")
	defaultURL := getenv(apertiumURLEnv)
	if defaultURL == "" {
		defaultURL = defaultApertiumURL
	}
	apertiumURL := fs.String("apertium", defaultURL, "base URL of the Apertium APy server (default: $"+apertiumURLEnv+", else "+defaultApertiumURL+")")
	limit := fs.Int("docs", 0, "evaluate only the first N French-original documents (0: all)")
	topWords := fs.Int("words", 30, "list the N untranslated words found in the most paragraphs")
	verbose := fs.Bool("v", false, "print a line for every document, not only those that failed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *corpus == "" {
		return errors.New("-corpus is required: the folder holding mt/newstest2012-src.fr.sgm and the others")
	}
	if *limit < 0 {
		return fmt.Errorf("-docs %d: want 0 (all) or more", *limit)
	}

	pairs, err := readPairs(filepath.Join(*corpus, "mt"))
	if err != nil {
		return err
	}
	if *limit > 0 && *limit < len(pairs) {
		pairs = pairs[:*limit]
	}
	if len(pairs) == 0 {
		return errors.New("no French-original document in the test sets")
	}

	cfg, err := offlineConfig(*apertiumURL)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc, err := offlineGateway(cfg, log)
	if err != nil {
		return err
	}
	// The direct path gets a client of its own, without the guard, the
	// batching and the checks the gateway puts around its copy.
	offline := registry.OfflineTranslator()
	engine, err := newEngine(offline, cfg.Providers[offline])
	if err != nil {
		return err
	}
	model, err := probe(ctx, engine, *apertiumURL)
	if err != nil {
		return err
	}

	var mu sync.Mutex
	served := map[string]bool{}
	var flagged flags
	gw := func(ctx context.Context, title string, paragraphs []string) (string, []string, error) {
		ctx, cancel := context.WithTimeout(ctx, cfg.Server.RequestTimeout)
		defer cancel()
		res, err := svc.Translate(ctx, gateway.Request{Title: title, Text: strings.Join(paragraphs, "\n\n"), SourceLang: "fr"})
		if err != nil {
			return "", nil, err
		}
		mu.Lock()
		served[res.Translation.Provider+" "+res.Translation.Model] = true
		flagged.add(res.Translation, title, paragraphs)
		mu.Unlock()
		return res.Translation.Title, res.Translation.Paragraphs, nil
	}
	direct := func(ctx context.Context, sentences []string) ([]string, error) {
		res, err := engine.Translate(ctx, providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: sentences})
		return res.Translations, err
	}

	r, err := translateAll(ctx, pairs, gw, direct, parallel)
	if err != nil {
		return err
	}
	rep := summarize(r.Outcomes)
	printReport(stdout, rep, r, *apertiumURL, model, slices.Sorted(maps.Keys(served)), *verbose)
	fmt.Fprintf(stdout, "Paragraphs the checks flagged (returned with a warning, the rest of their article whole): %s.\n", flagged)
	fmt.Fprintf(stdout, "Paragraphs with untranslated words (warning %s, informational): %s.\n", checks.CheckUntranslatedWords, flagged.untranslated(*topWords))

	if failed := rep.failures(); len(failed) > 0 {
		return fmt.Errorf("translation fidelity below the floor: %s", strings.Join(failed, "; "))
	}
	return nil
}

// readPairs returns the French-original documents of every test set in dir,
// each paired with its reference.
func readPairs(dir string) ([]pair, error) {
	var all []pair
	for _, set := range testSets {
		src, err := readSGML(filepath.Join(dir, set+"-src.fr.sgm"))
		if err != nil {
			return nil, err
		}
		ref, err := readSGML(filepath.Join(dir, set+"-ref.en.sgm"))
		if err != nil {
			return nil, err
		}
		pairs, err := pairDocuments(src, ref, "fr")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", set, err)
		}
		all = append(all, pairs...)
	}
	return all, nil
}

// engineProbe is what probe needs of the engine.
type engineProbe interface {
	Ping(ctx context.Context) error
	Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error)
}

// probe checks that APy answers at url and translates French into English,
// and returns the model it reports ("apertium:fra-spa-eng"); its error says
// what is missing and how to provide it.
func probe(ctx context.Context, engine engineProbe, url string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := engine.Ping(ctx); err != nil {
		return "", fmt.Errorf("no Apertium APy server answers at %s (%v): start one with `scripts/apertium.sh serve 2737` "+
			"(or `apertium-apy -p 2737 /usr/share/apertium/modes`), or name a running one with -apertium URL or $%s",
			url, err, apertiumURLEnv)
	}
	res, err := engine.Translate(ctx, providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: []string{"Bonjour."}})
	if err != nil {
		return "", fmt.Errorf("the Apertium APy server at %s cannot translate French into English (%v): it needs the "+
			"Debian packages apertium-fr-es and apertium-eng-spa (`scripts/apertium.sh ensure` installs them), then a restart", url, err)
	}
	return res.Model, nil
}

func printReport(w io.Writer, rep report, r runs, url, model string, served []string, verbose bool) {
	sentences := rep.Engine.Sentences
	fmt.Fprintf(w, "WMT %s, French-original articles: %d documents, %d sentences (headlines included), %d paragraphs.\n",
		strings.Join(testSets, " + "), rep.Documents, sentences, rep.ParagraphsIn)
	fmt.Fprintf(w, "Engine: Apertium APy at %s, %s.\n", url, model)
	fmt.Fprintf(w, "gateway: in-process gateway.Service, default offline configuration; one Translate per article (title, paragraphs separated by blank lines, source_lang fr); served by %s; %.1f s\n",
		strings.Join(served, ", "), r.GatewayTime.Seconds())
	fmt.Fprintf(w, "engine:  the Apertium client alone, one segment per sentence; %.1f s\n", r.EngineTime.Seconds())

	fmt.Fprintf(w, "\nParagraphs: %d sent, %d returned; lost %d, added %d, reordered %d; articles the gateway failed on: %d.\n",
		rep.ParagraphsIn, rep.ParagraphsOut, rep.Lost, rep.Added, rep.Reordered, len(rep.Failed))
	for _, f := range rep.Failed {
		fmt.Fprintf(w, "  failed: %s\n", f)
	}

	fmt.Fprintln(w, "\nchrF2 (character 1- to 6-grams, white space removed, corpus level) against the human references")
	fmt.Fprintf(w, "%-26s %9s %10s %9s\n", "system", "document", "paragraph", "sentence")
	for _, row := range []struct {
		name string
		s    scores
	}{
		{"gateway (Apertium)", rep.Gateway},
		{"engine direct (Apertium)", rep.Engine},
		{"French, untranslated", rep.Source},
	} {
		fmt.Fprintf(w, "%-26s %9s %10s %9s\n", row.name, figure(row.s.Document), figure(row.s.Paragraph), figure(row.s.Sentence))
	}
	fmt.Fprintf(w, "document: each article's text joined, %d pairs; paragraph: headline and paragraphs of the %d articles returned whole, %d pairs;\n",
		rep.Documents, rep.AlignedDocuments, rep.Gateway.Paragraphs)
	fmt.Fprintf(w, "sentence: one segment per sentence, %d pairs (the gateway translates paragraphs, so it has no sentence figure).\n", sentences)
	fmt.Fprintf(w, "Gateway paragraphs against the engine's own, on the articles returned whole: chrF %.1f.\n", rep.Agreement)

	if verbose || len(rep.Failed) > 0 || rep.Lost+rep.Added+rep.Reordered > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "document\tparagraphs in\tout\tlost\tadded\treordered\tchrF gateway\tchrF engine")
		for _, o := range r.Outcomes {
			if !verbose && o.whole() {
				continue
			}
			ref := strings.Join(o.Reference.Sentences(), " ")
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.1f\t%.1f\n", o.ID, o.paragraphsIn(), len(o.Paragraphs), o.Lost, o.Added, o.Reordered,
				chrf.Sentence(o.Title+" "+strings.Join(o.Paragraphs, " "), ref), chrf.Sentence(strings.Join(o.Engine, " "), ref))
		}
		_ = tw.Flush()
	}

	fmt.Fprintf(w, "\nFloors: 0 paragraphs lost, added or reordered; gateway document chrF >= engine document chrF - %.1f.\n", tolerance)
	if failed := rep.failures(); len(failed) > 0 {
		fmt.Fprintf(w, "MISSED: %s\n", strings.Join(failed, "; "))
	} else {
		fmt.Fprintln(w, "All floors met.")
	}
}

// figure prints a score, or "-" for one that could not be computed.
func figure(v float64) string {
	if v < 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", v)
}

// flags counts the paragraphs returned with a warning: translated by no
// provider to the checks' satisfaction, their article answered all the
// same; and apart, the paragraphs whose translation holds words that are
// not English (checks.UntranslatedWords), which are informational.
type flags struct {
	paragraphs, articles int
	byCheck              map[string]int
	// leaky counts the paragraphs with untranslated words, leakyArticles
	// their articles, words how many paragraphs hold each word.
	leaky, leakyArticles int
	words                map[string]int
}

// add counts the warnings of tr, the translation of title and paragraphs.
func (f *flags) add(tr *gateway.Translation, title string, paragraphs []string) {
	failed, leaky := false, false
	for _, w := range tr.Warnings {
		if w.Check == checks.CheckUntranslatedWords {
			leaky = true
			f.leaky++
			if f.words == nil {
				f.words = map[string]int{}
			}
			src, out := title, tr.Title
			if w.Paragraph >= 0 && w.Paragraph < len(paragraphs) && w.Paragraph < len(tr.Paragraphs) {
				src, out = paragraphs[w.Paragraph], tr.Paragraphs[w.Paragraph]
			}
			for _, word := range checks.UntranslatedWords(src, out) {
				f.words[word]++
			}
			continue
		}
		if f.byCheck == nil {
			f.byCheck = map[string]int{}
		}
		failed = true
		f.paragraphs++
		check := w.Check
		if check == "" {
			check = w.Code
		}
		f.byCheck[check]++
	}
	if failed {
		f.articles++
	}
	if leaky {
		f.leakyArticles++
	}
}

func (f flags) String() string {
	if f.paragraphs == 0 {
		return "0"
	}
	var parts []string
	for _, check := range slices.Sorted(maps.Keys(f.byCheck)) {
		parts = append(parts, fmt.Sprintf("%s %d", check, f.byCheck[check]))
	}
	return fmt.Sprintf("%d in %d articles (%s)", f.paragraphs, f.articles, strings.Join(parts, ", "))
}

// untranslated describes the paragraphs with untranslated words and the
// words most often found.
func (f flags) untranslated(top int) string {
	if f.leaky == 0 {
		return "0"
	}
	words := slices.Collect(maps.Keys(f.words))
	slices.SortFunc(words, func(a, b string) int {
		if f.words[a] != f.words[b] {
			return f.words[b] - f.words[a]
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, w := range words[:min(len(words), top)] {
		parts = append(parts, fmt.Sprintf("%s %d", w, f.words[w]))
	}
	return fmt.Sprintf("%d paragraphs in %d articles, %d distinct words; most frequent (paragraphs): %s",
		f.leaky, f.leakyArticles, len(words), strings.Join(parts, ", "))
}
