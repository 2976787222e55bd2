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
package tokens

import (
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
	cl100kBase = &encoding{name: "cl100k_base", load: codec.NewCl100kBase}
	o200kBase  = &encoding{name: "o200k_base", load: codec.NewO200kBase}
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
	once  sync.Once
	codec *codec.Codec
}

func (e *encoding) Name() string { return e.name }

// Count returns the number of tokens of text, as OpenAI's tiktoken counts it
// with special tokens treated as ordinary text.
func (e *encoding) Count(text string) int {
	if text == "" {
		return 0
	}
	n, err := e.get().Count(text)
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
