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
