// Package dateparser stands in for github.com/markusmobius/go-dateparser in
// Passerelle's build: go.mod replaces that module with this directory.
//
// go-htmldate, which the article extractor (go-trafilatura) imports, links
// go-dateparser for its extensive date search, and go-dateparser's package
// initialisation compiles the regular expressions of every locale it knows:
// some 85 MB allocated, 25 MB kept for good and 0.3 s at every start of the
// gateway. Passerelle runs go-htmldate in its fast mode only, which never
// calls go-dateparser, so this module keeps only the declarations
// go-htmldate compiles against, and a Parse that finds nothing: were the
// extensive search turned on, it would find no date beyond the fast mode's.
//
// Remove this module and the replace directive if the extensive date search
// is ever wanted; upgrading go-htmldate may need the declarations below to
// follow its use of go-dateparser (the build says so).
package dateparser

import (
	"errors"

	"github.com/markusmobius/go-dateparser/date"
)

// ErrNotLinked is what Parse returns: the parser is not in this build.
var ErrNotLinked = errors.New("dateparser: the extensive date parser is not linked into this build")

// ParserType names one of the parsers go-dateparser tries.
type ParserType uint8

// The parser types of go-dateparser, in its order.
const (
	Timestamp ParserType = iota
	NegativeTimestamp
	RelativeTime
	CustomFormat
	AbsoluteTime
	NoSpacesTime
)

// PreferredDateSource says how go-dateparser fills an incomplete date.
type PreferredDateSource uint8

// The date sources of go-dateparser, in its order.
const (
	CurrentPeriod PreferredDateSource = iota
	Past
	Future
)

// Configuration is the part of go-dateparser's configuration that
// go-htmldate sets.
type Configuration struct {
	PreferredDateSource PreferredDateSource
	StrictParsing       bool
}

// Parser is go-dateparser's parser, without its locales.
type Parser struct {
	ParserTypes []ParserType
}

// Parse finds no date: see the package documentation.
func (p *Parser) Parse(cfg *Configuration, str string, formats ...string) (date.Date, error) {
	return date.Date{}, ErrNotLinked
}
