// Command evalsum measures summarizers against reference summaries: it scores
// the LEAD baseline (the first sentences of the article) and the offline
// extractive summarizer with ROUGE-1, ROUGE-2 and ROUGE-L F1 on the OrangeSum
// development articles kept in the shared corpus.
//
//	go run ./tools/evalsum -corpus ../shared/corpus
//
// It prints one table for all articles, then one for the first half and one
// for the second: the extractive weights were tuned on the first half only,
// so the second half is the honest, held-out figure.
//
// It exits with status 1 when the extractive summarizer, at its default
// length, scores a lower ROUGE-1 than LEAD of the same length on all the
// articles: below that floor, taking the first sentences would be better.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"passerelle/article"
	"passerelle/providers"
	"passerelle/providers/extractive"
	"passerelle/tools/eval/rouge"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "evalsum:", err)
		os.Exit(1)
	}
}

// tuned is how many articles, from the first, the extractive weights were
// chosen on.
const tuned = 500

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("evalsum", flag.ContinueOnError)
	corpus := fs.String("corpus", "", "corpus folder holding summarization/orangesum/ (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *corpus == "" {
		return errors.New("-corpus is required: the folder holding summarization/orangesum/")
	}
	dir := filepath.Join(*corpus, "summarization", "orangesum")
	sources, err := readLines(filepath.Join(dir, "abstract_dev.source.txt"))
	if err != nil {
		return err
	}
	golds, err := readLines(filepath.Join(dir, "abstract_dev.gold.txt"))
	if err != nil {
		return err
	}
	if len(sources) != len(golds) {
		return fmt.Errorf("%d articles but %d abstracts: the files must pair line by line", len(sources), len(golds))
	}

	summ := extractive.New(extractive.Options{})
	var systems []system
	// The floor compares these two systems, at the default length.
	leadDefault, extractiveDefault := -1, -1
	for n := 1; n <= 3; n++ {
		if n == extractive.DefaultSentences {
			leadDefault = len(systems)
		}
		systems = append(systems, system{fmt.Sprintf("LEAD-%d", n), lead(n)})
	}
	for n := 1; n <= 3; n++ {
		name := fmt.Sprintf("extractive N=%d", n)
		if n == extractive.DefaultSentences {
			name += " (default)"
			extractiveDefault = len(systems)
		}
		systems = append(systems, system{name, extract(summ, n)})
	}

	refs := make([][]string, len(golds))
	goldWords := 0
	for i, g := range golds {
		refs[i] = rouge.Tokens(g)
		goldWords += len(refs[i])
	}
	results := make([][]result, len(systems))
	for s, sys := range systems {
		results[s] = make([]result, len(sources))
		for i, src := range sources {
			sum, err := sys.summarize(ctx, src)
			if err != nil {
				return fmt.Errorf("%s, article %d: %w", sys.name, i+1, err)
			}
			cand := rouge.Tokens(sum)
			results[s][i] = result{
				r1:    rouge.N(cand, refs[i], 1).F1,
				r2:    rouge.N(cand, refs[i], 2).F1,
				rl:    rouge.L(cand, refs[i]).F1,
				words: len(cand),
			}
		}
	}

	fmt.Fprintf(stdout, "OrangeSum abstract_dev: %d articles, reference abstracts average %.1f words.\n",
		len(sources), float64(goldWords)/float64(len(golds)))
	fmt.Fprintln(stdout, "ROUGE F1 x100; lower-cased letters and digits, no stemming.")
	half := min(tuned, len(sources))
	parts := []struct {
		title    string
		from, to int
	}{
		{fmt.Sprintf("All %d articles", len(sources)), 0, len(sources)},
		{fmt.Sprintf("Articles 1-%d (weights tuned here)", half), 0, half},
		{fmt.Sprintf("Articles %d-%d (held out)", half+1, len(sources)), half, len(sources)},
	}
	for _, part := range parts {
		if part.from == part.to {
			continue
		}
		fmt.Fprintf(stdout, "\n%s\n", part.title)
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "system\tROUGE-1\tROUGE-2\tROUGE-L\twords\t")
		for s, sys := range systems {
			m := mean(results[s][part.from:part.to])
			fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t\n", sys.name, 100*m.r1, 100*m.r2, 100*m.rl, m.words)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if leadDefault < 0 || extractiveDefault < 0 {
		return fmt.Errorf("the default length %d is outside the lengths measured", extractive.DefaultSentences)
	}
	return floor(systems[leadDefault].name, mean(results[leadDefault]).r1, systems[extractiveDefault].name, mean(results[extractiveDefault]).r1)
}

// floor returns an error when the extractive summarizer's ROUGE-1 is below
// LEAD's at the same length: then it would be better to take the first
// sentences.
func floor(leadName string, leadR1 float64, extractiveName string, extractiveR1 float64) error {
	if extractiveR1 < leadR1 {
		return fmt.Errorf("%s scores ROUGE-1 %.1f, below %s at %.1f", extractiveName, 100*extractiveR1, leadName, 100*leadR1)
	}
	return nil
}

type system struct {
	name      string
	summarize func(ctx context.Context, text string) (string, error)
}

// lead is the LEAD-n baseline: the first n sentences, split the same way the
// extractive summarizer splits them.
func lead(n int) func(context.Context, string) (string, error) {
	return func(_ context.Context, text string) (string, error) {
		sents := article.Sentences(text)
		return strings.Join(sents[:min(n, len(sents))], " "), nil
	}
}

func extract(s *extractive.Summarizer, n int) func(context.Context, string) (string, error) {
	return func(ctx context.Context, text string) (string, error) {
		res, err := s.Summarize(ctx, providers.SummarizeRequest{Lang: "fr", Text: text, Sentences: n})
		return res.Summary, err
	}
}

type result struct {
	r1, r2, rl float64
	words      int
}

type average struct {
	r1, r2, rl, words float64
}

func mean(rs []result) average {
	var a average
	for _, r := range rs {
		a.r1 += r.r1
		a.r2 += r.r2
		a.rl += r.rl
		a.words += float64(r.words)
	}
	n := float64(len(rs))
	return average{a.r1 / n, a.r2 / n, a.rl / n, a.words / n}
}

// readLines returns the lines of the file at path, without their line ends.
func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return lines, nil
}
