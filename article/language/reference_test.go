package language

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// This file keeps the former implementations of functions that were made
// faster, so that tests and fuzz targets hold the new ones to the same
// results.

// referenceSignal is signal as it was before its words were split and
// tested byte by byte (unicode.IsSpace, strings.Contains, strings.ContainsRune).
func referenceSignal(text string) (words string, letters int) {
	var b strings.Builder
	b.Grow(len(text))
	sentenceStart := true
	for rest := text; ; {
		var tok string
		if tok, rest = referenceNextField(rest); tok == "" {
			break
		}
		opens := sentenceStart || strings.ContainsRune("«“\"‹‘'([—–", firstRune(tok))
		sentenceStart = endsSentence(tok)
		if strings.Contains(tok, "://") || strings.HasPrefix(tok, "www.") || strings.Contains(tok, "@") {
			continue
		}
		word := trimNonLetters(tok)
		if word == "" {
			continue
		}
		first, _ := utf8.DecodeRuneInString(word)
		if isAcronym(word) || (unicode.IsUpper(first) && !opens) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tok)
		for _, r := range word {
			if unicode.IsLetter(r) {
				letters++
			}
		}
	}
	return b.String(), letters
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func referenceNextField(s string) (tok, rest string) {
	start := -1
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		if unicode.IsSpace(r) {
			if start >= 0 {
				return s[start:i], s[i:]
			}
		} else if start < 0 {
			start = i
		}
		i += n
	}
	if start < 0 {
		return "", ""
	}
	return s[start:], ""
}

func sameSignal(t *testing.T, text string) {
	t.Helper()
	words, letters := signal(text)
	wantWords, wantLetters := referenceSignal(text)
	if words != wantWords || letters != wantLetters {
		t.Errorf("signal(%q) = %q, %d; the reference gives %q, %d", text, words, letters, wantWords, wantLetters)
	}
}

// signalEdges are texts at the edges of the byte-wise tests of signal.
var signalEdges = []string{
	"see https://example.org now", "mail a@b.fr", "www.example.org le", "a:// b", "x:/ y", "Le « Président » dit",
	"(Paris) et [Lyon] — Marseille – Nice ‘Lille’ 'Metz' \"Brest\" “Tours” ‹Caen›", "a\u00a0b\u2003c\u0085d\x1ce\x1ff",
	"\xff\xfe Le président", "NATO et l'ONU", "\v\fLe\rpoint\tici", "Ça va. Été",
}

func TestSignalMatchesReference(t *testing.T) {
	for _, text := range append(detectorTexts(t), signalEdges...) {
		sameSignal(t, text)
	}
}

func FuzzSignalMatchesReference(f *testing.F) {
	for _, s := range signalEdges {
		f.Add(s)
	}
	f.Fuzz(sameSignal)
}

// referenceDetectOther is DetectOther as it was before the function words
// were counted first: the trigrams always, the votes only when the trigrams
// found another language.
func referenceDetectOther(d *Detector, text, lang string) (string, float64) {
	words, letters := signal(text)
	if letters < d.minLetters {
		return "", 0
	}
	code, confidence := d.trigrams(words)
	if code == "" || code == lang || confidence < d.minConfidence || contradicts(functionWordVotes(words), code) {
		return "", confidence
	}
	return code, confidence
}

// sameOther fails when DetectOther and its reference disagree on the
// language found, or on the confidence given with it. The confidence given
// with "" may differ: the function words alone answer 0.
func sameOther(t *testing.T, d *Detector, text string) {
	for _, lang := range DefaultLanguages() {
		got, gotConf := d.DetectOther(text, lang)
		want, wantConf := referenceDetectOther(d, text, lang)
		if got != want || (got != "" && gotConf != wantConf) {
			t.Errorf("DetectOther(%q, %s) = %q %v, reference %q %v", text, lang, got, gotConf, want, wantConf)
		}
	}
}

func TestDetectOtherMatchesReference(t *testing.T) {
	d := NewDetector(Options{})
	for _, text := range detectorTexts(t) {
		sameOther(t, d, text)
	}
}

// TestOutvotingAllContradictsEveryOther holds the reasoning DetectOther's
// shortcut rests on, over every vote count from 0 to 6 in three languages
// (the others at 0, or all at 1).
func TestOutvotingAllContradictsEveryOther(t *testing.T) {
	for _, lang := range DefaultLanguages() {
		for a := range 7 {
			for b := range 7 {
				for c := range 7 {
					for _, rest := range []int{0, 1} {
						v := votes{rest, rest, rest, rest, rest, rest, rest}
						v[0], v[1], v[2] = a, b, c
						if !outvotesAll(v, lang) {
							continue
						}
						for _, code := range DefaultLanguages() {
							if code != lang && !contradicts(v, code) {
								t.Errorf("votes %v outvote all for %s, but do not contradict %s", v, lang, code)
							}
						}
					}
				}
			}
		}
	}
}

func FuzzDetectOtherMatchesReference(f *testing.F) {
	for _, s := range signalEdges {
		f.Add(s)
	}
	f.Add("The president said that the talks would go on, and that he was not surprised by the result.")
	f.Add("Le président a dit que les négociations allaient continuer et qu'il n'était pas surpris.")
	d := NewDetector(Options{})
	f.Fuzz(func(t *testing.T, text string) { sameOther(t, d, text) })
}
