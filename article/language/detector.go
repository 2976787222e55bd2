// Package language tells whether a text is French, English or something else.
//
// The question the service asks is narrow: is this paragraph in the language
// it should be in? A wrong answer costs more than no answer (an output check
// that fails a good English translation sends it to a fallback engine), so
// Detect answers "" whenever it is unsure: fewer than 20 letters once proper
// names and acronyms are set aside, a low confidence, or function words that
// contradict the trigram profile.
//
// # The detector
//
// Detection is by trigram profiles (Cavnar and Trenkle, through
// github.com/RadhiFadlillah/whatlanggo, the fork of abadojack/whatlanggo that
// go-trafilatura already brings into the module), restricted to a few
// languages. Two additions make it safe on news text: names and acronyms are
// set aside before detection (see signal), and a vote of language-specific
// function words can veto the answer (see contradicts).
//
// It was chosen over github.com/pemistahl/lingua-go v1.4.0 after measuring
// both on the WMT newstest2012+2013 French sources and English references
// (every document, paragraphs and sentences: 8,590 English and 8,590 French
// texts) and on news paragraphs in es, de, it, pt and nl, all restricted to
// fr, en, es, de, it, pt and nl. "Wrong" is a confident answer naming another
// language, "unsure" an answer of "":
//
//	detector (top answer, no threshold)    letters  English right/wrong   French right/wrong
//	whatlanggo v1.0.1                        20-49     89.9% / 10.1%         95.1% / 4.9%
//	                                         50-99     99.0% /  1.0%         99.5% / 0.5%
//	                                         100+      99.9% /  0.1%         99.9% / 0.1%
//	whatlanggo fork (this package's base)    20-49     89.6% / 10.4%         94.5% / 5.5%
//	                                         50-99     98.9% /  1.1%         99.6% / 0.4%
//	                                         100+      99.9% /  0.1%        100.0% / 0.0%
//	lingua-go, low accuracy mode             20-49     92.9% /  7.1%         96.2% / 3.8%
//	                                         50-99     98.6% /  1.4%         99.6% / 0.4%
//	                                         100+      99.8% /  0.2%         99.8% / 0.2%
//	lingua-go, high accuracy mode            20-49     96.9% /  3.1%         98.2% / 1.8%
//	                                         50-99     99.3% /  0.7%         99.6% / 0.4%
//	                                         100+      99.8% /  0.2%         99.8% / 0.2%
//	this package (Detect, defaults)          <20        0%  /  0%  (all "")   0%  / 0%  (all "")
//	                                         20-49     68.3% /  0.7%         76.1% / 0.1%
//	                                         50-99     94.8% /  0   (0/2576) 98.0% / 1 in 2401
//	                                         100+      99.8% /  0   (0/4333) 99.9% / 0 (0/4913)
//
// On the 80 paragraphs and sentences in the other five languages Detect is
// never wrong and answers "" on two short sentences.
//
// lingua-go is the more accurate on short texts, but it is confidently wrong
// on sentences full of foreign names ("Xabi Alonso follows them with 91,
// Fernando Torres, with 90…" is Spanish at 0.98, "…the Budesliga legionaries
// Danijel Pranjic (Bayern Munich)…" German at 1.00) and no threshold removes
// those, while the trigram detector's mistakes have low confidence and go
// away once names are set aside. The costs decide it as well:
//
//	                          binary growth   max RSS (tiny program)   start-up   per detection
//	whatlanggo fork + this       +0.5 MB         4.0 MB                 none       ~115 µs (BenchmarkDetect: 87 µs a sentence, 110-150 µs a paragraph)
//	lingua-go low accuracy     +131 MB          25.9 MB                0.33 s      ~490 µs
//	lingua-go high accuracy    +131 MB         282 MB                  4.5 s       ~780 µs
//
// (Stripped static binaries against a 1.6 MB baseline of 2.0 MB RSS; every
// lingua-go model is embedded whatever the languages chosen. Per-detection
// times are the mean over the corpus texts above, whose median is one
// sentence.)
//
// Those times were whatlanggo's own. The detector now scores Latin-script
// text against whatlanggo's profiles itself (trigramScorer), with the same
// answers, in about a tenth of the time (BenchmarkDetect: 9 µs a sentence,
// 25 µs a paragraph, on a loaded 2-core machine where whatlanggo took 250
// and 310 µs): the output checks detect every paragraph of every
// translation.
//
// MinConfidence defaults to 0.3: at 0.2 the detector was wrong on 0.4% of
// English paragraphs of 50 to 99 letters, at 0.5 it answered "" on 17% of
// them for no fewer mistakes at 50 letters and more. TestCorpusAccuracy
// recomputes this package's rates on the corpus sentences alone (-corpus
// flag); BenchmarkDetect measures a sentence and a paragraph.
package language

import (
	"slices"
	"strings"

	"github.com/RadhiFadlillah/whatlanggo"
)

// DefaultLanguages returns the languages a Detector chooses among when
// Options names none: the two the service works with and the five it is
// most often confused with in European news.
func DefaultLanguages() []string {
	return []string{"fr", "en", "es", "de", "it", "pt", "nl"}
}

// Options configure a Detector. The zero value is ready to use.
type Options struct {
	// Languages lists the ISO 639-1 codes the detector chooses among.
	// Default: DefaultLanguages(). Codes of languages the detector has no
	// profile for (any outside the 48 Latin-script languages of whatlanggo)
	// are ignored; when none is left the default is used.
	Languages []string

	// MinLetters is the number of letters, once names and acronyms are set
	// aside, below which Detect answers "" rather than guess. Default 20.
	MinLetters int

	// MinConfidence is the confidence below which Detect answers "".
	// Default 0.3 (see the package comment for the measurements behind it).
	MinConfidence float64
}

const (
	defaultMinLetters    = 20
	defaultMinConfidence = 0.3
)

// Detector identifies the language of a text among a few. It holds no
// mutable state: one Detector serves any number of goroutines.
type Detector struct {
	allow         whatlanggo.Options
	codes         map[whatlanggo.Lang]string // ISO 639-1 code of each allowed language
	scorer        *trigramScorer             // nil when a language has no profile here
	minLetters    int
	minConfidence float64
}

// NewDetector returns a Detector configured by opts, with a default for each
// zero field.
func NewDetector(opts Options) *Detector {
	d := &Detector{
		minLetters:    opts.MinLetters,
		minConfidence: opts.MinConfidence,
		codes:         map[whatlanggo.Lang]string{},
	}
	if d.minLetters <= 0 {
		d.minLetters = defaultMinLetters
	}
	if d.minConfidence <= 0 {
		d.minConfidence = defaultMinConfidence
	}
	d.allow.Whitelist = allowed(opts.Languages, d.codes)
	if len(d.allow.Whitelist) == 0 {
		d.allow.Whitelist = allowed(DefaultLanguages(), d.codes)
	}
	langs := make([]string, 0, len(d.codes))
	for _, code := range d.codes {
		langs = append(langs, code)
	}
	slices.Sort(langs)
	d.scorer = newTrigramScorer(langs)
	return d
}

// allowed maps the known codes among want to whatlanggo languages, filling
// codes with the reverse mapping.
func allowed(want []string, codes map[whatlanggo.Lang]string) map[whatlanggo.Lang]bool {
	known := map[string]whatlanggo.Lang{}
	for l := range whatlanggo.Langs {
		if c := l.Iso6391(); c != "" {
			known[c] = l
		}
	}
	set := map[whatlanggo.Lang]bool{}
	for _, c := range want {
		if l, ok := known[strings.ToLower(strings.TrimSpace(c))]; ok {
			set[l] = true
			codes[l] = l.Iso6391()
		}
	}
	return set
}

// Detect returns the ISO 639-1 code of the language text is written in and
// the detector's confidence, from 0 to 1. It returns "" and the confidence it
// had when it is unsure: fewer than MinLetters letters outside names and
// acronyms (a headline of names, a number, a short quote), a confidence below
// MinConfidence, a script none of the languages is written in, or function
// words that vote clearly for another language than the trigrams do.
func (d *Detector) Detect(text string) (lang string, confidence float64) {
	words, letters := signal(text)
	if letters < d.minLetters {
		return "", 0
	}
	code, confidence := d.trigrams(words)
	if code == "" || confidence < d.minConfidence || contradicts(functionWordVotes(words), code) {
		return "", confidence
	}
	return code, confidence
}

// DetectOther is Detect for a caller that only asks whether text is in
// another language than lang: it returns what Detect returns when that is
// neither lang nor "", and "" otherwise (with a confidence of 0 when the
// function words alone settled it).
//
// The function words are counted first, and the trigrams, four fifths of
// the work, only when they do not settle it: when lang has at least three
// votes and more than twice as many as any other language, every other
// language the trigrams could find would be contradicted by those votes,
// so Detect cannot answer another language. That is the case of nearly
// every English paragraph checked after a translation (the output checks
// call this once per paragraph).
func (d *Detector) DetectOther(text, lang string) (other string, confidence float64) {
	words, letters := signal(text)
	if letters < d.minLetters {
		return "", 0
	}
	v := functionWordVotes(words)
	if outvotesAll(v, lang) {
		return "", 0
	}
	code, confidence := d.trigrams(words)
	if code == "" || code == lang || confidence < d.minConfidence || contradicts(v, code) {
		return "", confidence
	}
	return code, confidence
}

// trigrams returns whatlanggo's answer for words among the allowed
// languages: the code, "" for none, and the confidence.
func (d *Detector) trigrams(words string) (string, float64) {
	if d.scorer != nil && latinOnly(words) {
		l, confidence := d.scorer.score(words)
		if l < 0 {
			return "", confidence
		}
		return d.scorer.langs[l], confidence
	}
	info := whatlanggo.DetectWithOptions(words, d.allow)
	return d.codes[info.Lang], info.Confidence
}
