// Package tokens counts text in the unit a translation engine limits and
// bills it by: the tokens of an OpenAI-family model, or the characters of a
// machine-translation engine such as DeepL, Google Translate or Apertium.
//
// Tokens are counted offline with the model's own byte-pair encoding
// (cl100k_base or o200k_base). The encoding tables come compiled into the
// binary by github.com/tiktoken-go/tokenizer, so nothing is downloaded or read
// from disk at run time. They add about 9.5 MB to the binary, and they are
// built on first use only: a gateway that never counts tokens pays no memory
// and no start-up time for them. The first count with o200k_base takes about
// 75 ms and keeps about 7 MB of heap; cl100k_base, about 20 ms and 3.5 MB.
//
// That library was chosen over github.com/pkoukk/tiktoken-go with its offline
// loader (github.com/pkoukk/tiktoken-go-loader), which embeds the same tables
// as text and parses them when first used. Both give the same counts as
// OpenAI's tiktoken on the test strings and the seed article, and both grow the
// binary by about the same amount, but pkoukk's first use is 4 to 8 times
// slower (170 ms and 330 ms) and holds 3 times the heap (12 MB and 24 MB), a
// count of the seed article is 1.4 to 2 times slower, its loader is a
// process-wide setting whose default downloads the tables from the network,
// and its Encode panics on text that holds a special token such as
// "<|endoftext|>". Here such text is counted as ordinary text, which is what
// an article is.
//
// The library splits a text into pieces (words, numbers, runs of spaces)
// with a regular expression engine that allocates a match for every piece,
// then encodes each piece alone. The gateway counts every paragraph of every
// new article, so this package splits texts itself, as the library's
// compiled expressions do (split.go), and remembers the tokens of up to
// 65,536 pieces per encoding (a few MB, only once used): news repeats its
// words, and a count of the seed article with its pieces known takes 35 µs
// instead of 450 µs, without allocating. A text of mostly new pieces costs
// about what the library alone does, a fifth more.
package tokens

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tiktoken-go/tokenizer/codec"
)

// Counter counts text in the unit of one model or engine.
type Counter interface {
	// Count returns the size of text: 0 for "", never a negative number.
	Count(text string) int
	// Name names the unit: an encoding such as "o200k_base", or "characters".
	Name() string
}

// The two encodings are package-level because their tables are read-only,
// shared by every model that uses them and expensive to build: each is built
// once per process, on its first Count.
var (
	cl100kBase = &encoding{name: "cl100k_base", load: codec.NewCl100kBase, piece: cl100kPiece}
	o200kBase  = &encoding{name: "o200k_base", load: codec.NewO200kBase, piece: o200kPiece}
)

var (
	_ Counter = (*encoding)(nil)
	_ Counter = Characters{}
)

// encoding counts the tokens of one byte-pair encoding. It is safe for
// concurrent use.
type encoding struct {
	name  string
	load  func() *codec.Codec
	piece func(string) int // the length of the first piece (see split.go)
	once  sync.Once
	codec *codec.Codec

	// pieces remembers the tokens of pieces already encoded: news text
	// repeats its words, and a piece's tokens do not depend on what is
	// around it. Bounded by maxPieces; emptied when full.
	mu     sync.RWMutex
	pieces map[string]int
}

// maxPieces bounds an encoding's memory of pieces: a few MB at most.
const maxPieces = 1 << 16

func (e *encoding) Name() string { return e.name }

// Count returns the number of tokens of text, as OpenAI's tiktoken counts it
// with special tokens treated as ordinary text.
func (e *encoding) Count(text string) int {
	if text == "" {
		return 0
	}
	c := e.get()
	if e.piece == nil || !utf8.ValidString(text) {
		// The codec reads invalid bytes as U+FFFD: it counts such a text
		// whole.
		return e.codecCount(c, text)
	}
	// The text is split as the codec splits it, and each piece counted from
	// memory or by the codec, whose split of a piece is the piece itself.
	n := 0
	var unknown []span // the pieces not in memory, in order
	e.mu.RLock()
	for at := 0; at < len(text); {
		size := e.piece(text[at:])
		if size == 0 {
			// Nothing matches here (DEL): the codec skips the character.
			_, size = utf8.DecodeRuneInString(text[at:])
		} else if k, ok := e.pieces[text[at:at+size]]; ok {
			n += k
		} else {
			unknown = append(unknown, span{at, size})
		}
		at += size
	}
	e.mu.RUnlock()
	if len(unknown) == 0 {
		return n
	}
	counts := make([]int, len(unknown))
	if len(unknown) > fewPieces {
		// Mostly new text: one pass of the codec over all of it, each new
		// piece's tokens read from the result.
		total, ok := e.encodePieces(c, text, unknown, counts)
		if !ok {
			return e.codecCount(c, text)
		}
		n = total
	} else {
		for i, u := range unknown {
			counts[i] = e.codecCount(c, text[u.at:u.at+u.size])
			n += counts[i]
		}
	}
	e.mu.Lock()
	if e.pieces == nil || len(e.pieces)+len(unknown) > maxPieces {
		e.pieces = make(map[string]int, 1024)
	}
	for i, u := range unknown {
		if p := text[u.at : u.at+u.size]; e.pieces[p] == 0 {
			// A copy: the piece must not keep the whole text alive.
			e.pieces[strings.Clone(p)] = counts[i]
		}
	}
	e.mu.Unlock()
	return n
}

// span is a piece of a text: text[at:at+size].
type span struct{ at, size int }

// fewPieces is the number of new pieces up to which each is counted alone;
// beyond it, the whole text is encoded once.
const fewPieces = 8

// encodePieces encodes text with the codec, sets counts[i] to the tokens of
// the piece unknown[i], and returns the tokens of the whole text. A piece's
// tokens are consecutive and spell it, byte for byte, so they are read off
// in order; ok is false if they do not line up.
func (e *encoding) encodePieces(c *codec.Codec, text string, unknown []span, counts []int) (total int, ok bool) {
	_, toks, err := c.Encode(text)
	if err != nil {
		return 0, false
	}
	t, u := 0, 0
	for at := 0; at < len(text); {
		size := e.piece(text[at:])
		if size == 0 {
			_, size = utf8.DecodeRuneInString(text[at:])
			at += size
			continue
		}
		k, spelled := 0, 0
		for spelled < size && t < len(toks) {
			spelled += len(toks[t])
			t++
			k++
		}
		if spelled != size {
			return 0, false
		}
		if u < len(unknown) && unknown[u].at == at {
			counts[u] = k
			u++
		}
		at += size
	}
	return len(toks), t == len(toks) && u == len(unknown)
}

func (e *encoding) codecCount(c *codec.Codec, text string) int {
	n, err := c.Count(text)
	if err != nil {
		// The codec fails only when its split expression times out or when
		// it is set to reject invalid UTF-8; neither is configured here.
		// Should a later version fail anyway, the byte length is a safe
		// answer for a budget: no token is shorter than one byte.
		return len(text)
	}
	return n
}

func (e *encoding) get() *codec.Codec {
	e.once.Do(func() { e.codec = e.load() })
	return e.codec
}

// Characters counts Unicode code points, the unit in which DeepL, Google
// Translate and Apertium-style engines bound requests and bill usage. Invalid
// UTF-8 counts one per bad byte. The zero value is ready to use.
type Characters struct{}

// Count returns the number of code points of text.
func (Characters) Count(text string) int { return utf8.RuneCountInString(text) }

// Name returns "characters".
func (Characters) Name() string { return "characters" }
