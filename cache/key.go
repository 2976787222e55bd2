package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
)

// Kind names what a cached value is. It is part of every key, so values of
// different kinds never collide even when they hash the same fields.
type Kind string

// The kinds of value the service caches.
const (
	KindDocument Kind = "tr"  // a whole translated article
	KindSegment  Kind = "seg" // one translated paragraph
	KindSummary  Kind = "sum" // a summary
	KindReply    Kind = "rep" // the bytes of a whole reply to a request
)

// keyPrefix namespaces every key. Its version changes when the encoding of
// keys or values changes, or what a key covers, so that old entries are
// ignored rather than misread or served where they no longer apply. v2: the
// article's entry covers whether paragraphs already in English are kept,
// and glossary terms are matched whatever their case. v3: links, e-mail
// addresses, handles, hashtags, acronyms and numbers with inner punctuation
// are protected from engines, which mangled them in v2 entries.
const keyPrefix = "passerelle:v3:"

// Key returns "passerelle:v3:<kind>:<hex sha256>", where the hash is taken over
// the fields in order, each written as its length in bytes (8 bytes, big-endian)
// followed by its bytes. The length prefix keeps the encoding unambiguous:
// ("ab", "c"), ("a", "bc") and ("abc") give three different keys, and so do
// ("a") and ("a", "").
//
// Callers pass everything that changes the cached output (normalised text,
// languages, provider, model, prompt hash, options), always in the same order.
func Key(kind Kind, fields ...string) string {
	return key(kind, fields, nil, false)
}

// KeyWithBody is Key with body as one more field after the others: the same
// key as Key(kind, append(fields, string(body))...), without copying body.
func KeyWithBody(kind Kind, body []byte, fields ...string) string {
	return key(kind, fields, body, true)
}

func key(kind Kind, fields []string, body []byte, withBody bool) string {
	h := sha256.New()
	// The hash has no WriteString, and converting each field to []byte
	// would copy a whole article to the heap; a small stack buffer streams
	// the fields through instead.
	var buf [512]byte
	for _, f := range fields {
		binary.BigEndian.PutUint64(buf[:8], uint64(len(f)))
		h.Write(buf[:8])
		for len(f) > 0 {
			n := copy(buf[:], f)
			h.Write(buf[:n])
			f = f[n:]
		}
	}
	if withBody {
		binary.BigEndian.PutUint64(buf[:8], uint64(len(body)))
		h.Write(buf[:8])
		h.Write(body)
	}
	var sum [sha256.Size]byte
	var hexSum [2 * sha256.Size]byte
	hex.Encode(hexSum[:], h.Sum(sum[:0]))

	var b strings.Builder
	b.Grow(len(keyPrefix) + len(kind) + 1 + len(hexSum))
	b.WriteString(keyPrefix)
	b.WriteString(string(kind))
	b.WriteByte(':')
	b.Write(hexSum[:])
	return b.String()
}
