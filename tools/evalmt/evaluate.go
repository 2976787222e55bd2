package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"passerelle/tools/eval/chrf"
)

// articleTranslator is the path through the gateway: a whole article in,
// its translated title and paragraphs out.
type articleTranslator func(ctx context.Context, title string, paragraphs []string) (string, []string, error)

// sentenceTranslator is the path straight to the engine: one translation
// per sentence.
type sentenceTranslator func(ctx context.Context, sentences []string) ([]string, error)

// outcome is what both paths made of one document.
type outcome struct {
	pair
	// The gateway's translation; Err when it failed (the whole article is
	// then counted as lost).
	Title      string
	Paragraphs []string
	Err        error
	// Engine holds the engine's translation of each sentence of
	// Source.Sentences().
	Engine []string

	Lost, Added, Reordered int
}

// paragraphsIn is the number of paragraphs sent to the gateway.
func (o outcome) paragraphsIn() int { return len(o.Source.Paragraphs) }

// whole reports whether the gateway returned every paragraph in place.
func (o outcome) whole() bool {
	return o.Err == nil && o.Lost == 0 && o.Added == 0 && o.Reordered == 0
}

// engineParagraphs returns the engine's translation rebuilt as the article:
// the title, then each paragraph's sentences joined by a space.
func (o outcome) engineParagraphs() (string, []string) {
	rest := o.Engine[1:]
	paras := make([]string, len(o.Source.Paragraphs))
	for i, p := range o.Source.Paragraphs {
		paras[i] = strings.Join(rest[:len(p)], " ")
		rest = rest[len(p):]
	}
	return o.Engine[0], paras
}

// joinParagraphs returns each paragraph's sentences joined by a space.
func joinParagraphs(a newsArticle) []string {
	out := make([]string, len(a.Paragraphs))
	for i, p := range a.Paragraphs {
		out[i] = strings.Join(p, " ")
	}
	return out
}

// runs holds the outcome of every document and how long each path took.
type runs struct {
	Outcomes                []outcome
	GatewayTime, EngineTime time.Duration
}

// translateAll sends every document through both paths, parallel documents
// at a time on each, and checks the gateway's paragraphs. A gateway failure
// is recorded in the document's outcome; an engine failure ends the run,
// since without it there is nothing to compare with.
func translateAll(ctx context.Context, pairs []pair, gw articleTranslator, engine sentenceTranslator, parallel int) (runs, error) {
	r := runs{Outcomes: make([]outcome, len(pairs))}
	for i, p := range pairs {
		r.Outcomes[i].pair = p
	}

	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for i := range r.Outcomes {
		o := &r.Outcomes[i]
		g.Go(func() error {
			sentences := o.Source.Sentences()
			out, err := engine(gctx, sentences)
			if err == nil && len(out) != len(sentences) {
				err = fmt.Errorf("%d translations for %d sentences", len(out), len(sentences))
			}
			if err != nil {
				return fmt.Errorf("engine, document %s: %w", o.ID, err)
			}
			o.Engine = out
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return runs{}, err
	}
	r.EngineTime = time.Since(start)

	start = time.Now()
	g = new(errgroup.Group)
	g.SetLimit(parallel)
	for i := range r.Outcomes {
		o := &r.Outcomes[i]
		g.Go(func() error {
			o.Title, o.Paragraphs, o.Err = gw(ctx, o.Source.Title, joinParagraphs(o.Source))
			if o.Err != nil {
				o.Lost = o.paragraphsIn()
				return nil
			}
			_, anchors := o.engineParagraphs()
			o.Lost, o.Added, o.Reordered = checkParagraphs(o.paragraphsIn(), o.Paragraphs, anchors)
			return nil
		})
	}
	_ = g.Wait()
	r.GatewayTime = time.Since(start)
	return r, ctx.Err()
}

// checkParagraphs compares the paragraphs the gateway returned (got) for
// sent paragraphs with anchors, the engine's translation of the same
// paragraphs sentence by sentence. Missing and extra paragraphs are counted
// from the numbers alone. When the numbers agree, paragraph i is out of
// place when another anchor resembles it more (chrF) than anchor i: the
// engine translates a paragraph and its sentences nearly alike, so a
// paragraph returned in the wrong slot matches another slot's anchor best.
func checkParagraphs(sent int, got, anchors []string) (lost, added, reordered int) {
	if len(got) != sent {
		return max(0, sent-len(got)), max(0, len(got)-sent), 0
	}
	for i, g := range got {
		own := chrf.Sentence(g, anchors[i])
		for j, a := range anchors {
			if j != i && chrf.Sentence(g, a) > own {
				reordered++
				break
			}
		}
	}
	return 0, 0, reordered
}

// scores are the chrF figures of one system (0-100); Paragraph and
// Sentence are negative when they could not be computed.
type scores struct {
	Document, Paragraph, Sentence float64
	// Paragraphs and Sentences count the aligned pairs scored.
	Paragraphs, Sentences int
}

// report is everything the command prints and judges.
type report struct {
	Documents                   int
	ParagraphsIn, ParagraphsOut int
	Lost, Added, Reordered      int
	Failed                      []string // documents the gateway did not translate, with why
	// AlignedDocuments is how many documents came back whole, the set the
	// paragraph-level scores are computed on.
	AlignedDocuments int
	Gateway, Engine  scores
	Source           scores // the French left untranslated: the floor any translation must clear
	// Agreement is the chrF of the gateway's paragraphs against the
	// engine's, on the aligned documents: 100 when the gateway adds nothing.
	Agreement float64
}

// summarize scores the outcomes.
func summarize(outs []outcome) report {
	rep := report{Documents: len(outs)}
	var (
		gwDoc, engDoc, srcDoc, refDoc     []string
		gwPara, engPara, srcPara, refPara []string
		engSent, srcSent, refSent         []string
	)
	for _, o := range outs {
		rep.ParagraphsIn += o.paragraphsIn()
		rep.ParagraphsOut += len(o.Paragraphs)
		rep.Lost += o.Lost
		rep.Added += o.Added
		rep.Reordered += o.Reordered
		if o.Err != nil {
			rep.Failed = append(rep.Failed, fmt.Sprintf("%s: %v", o.ID, o.Err))
		}

		ref := o.Reference.Sentences()
		src := o.Source.Sentences()
		engTitle, engParas := o.engineParagraphs()
		refDoc = append(refDoc, strings.Join(ref, " "))
		srcDoc = append(srcDoc, strings.Join(src, " "))
		engDoc = append(engDoc, strings.Join(o.Engine, " "))
		// A failed document scores as an empty translation: what the reader got.
		gwDoc = append(gwDoc, strings.TrimSpace(o.Title+" "+strings.Join(o.Paragraphs, " ")))

		engSent = append(engSent, o.Engine...)
		srcSent = append(srcSent, src...)
		refSent = append(refSent, ref...)

		if !o.whole() {
			continue
		}
		rep.AlignedDocuments++
		refPara = append(append(refPara, o.Reference.Title), joinParagraphs(o.Reference)...)
		srcPara = append(append(srcPara, o.Source.Title), joinParagraphs(o.Source)...)
		engPara = append(append(engPara, engTitle), engParas...)
		gwPara = append(append(gwPara, o.Title), o.Paragraphs...)
	}

	rep.Gateway = scores{Document: chrf.Corpus(gwDoc, refDoc), Paragraph: chrf.Corpus(gwPara, refPara), Sentence: -1, Paragraphs: len(gwPara)}
	rep.Engine = scores{Document: chrf.Corpus(engDoc, refDoc), Paragraph: chrf.Corpus(engPara, refPara), Sentence: chrf.Corpus(engSent, refSent),
		Paragraphs: len(engPara), Sentences: len(engSent)}
	rep.Source = scores{Document: chrf.Corpus(srcDoc, refDoc), Paragraph: chrf.Corpus(srcPara, refPara), Sentence: chrf.Corpus(srcSent, refSent),
		Paragraphs: len(srcPara), Sentences: len(srcSent)}
	if len(gwPara) == 0 {
		rep.Gateway.Paragraph, rep.Engine.Paragraph, rep.Source.Paragraph = -1, -1, -1
	}
	rep.Agreement = chrf.Corpus(gwPara, engPara)
	return rep
}

// tolerance is how far the gateway's document chrF may fall below the
// engine's: the gateway sends paragraphs where the engine got sentences,
// and repairs typography, which moves the score a little either way.
const tolerance = 0.5

// failures returns the floors rep misses, each said in a sentence.
func (rep report) failures() []string {
	var out []string
	if n := len(rep.Failed); n > 0 {
		out = append(out, fmt.Sprintf("the gateway failed on %d document(s)", n))
	}
	if rep.Lost > 0 || rep.Added > 0 || rep.Reordered > 0 {
		out = append(out, fmt.Sprintf("paragraphs lost %d, added %d, reordered %d: all must be 0", rep.Lost, rep.Added, rep.Reordered))
	}
	if rep.Gateway.Document < rep.Engine.Document-tolerance {
		out = append(out, fmt.Sprintf("gateway document chrF %.1f is more than %.1f below the engine's %.1f",
			rep.Gateway.Document, tolerance, rep.Engine.Document))
	}
	return out
}
