// Package prompts holds the instructions sent to language models. The
// templates are embedded in the binary and an operator may replace any of them
// from a folder; each template's hash is its version, and it is part of every
// cache key, so editing a prompt never serves text made by the old one.
package prompts

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
)

// Names of the templates, as their file names.
const (
	// TranslateSystem is the system prompt for translation; render it with TranslateData.
	TranslateSystem = "translate_system.tmpl"
	// SummarizeSystem is the system prompt for summaries; render it with SummarizeData.
	SummarizeSystem = "summarize_system.tmpl"
	// TranslateNumbered is the system prompt for translation by servers that
	// cannot be asked for JSON: the answer is a numbered list, one item per
	// segment. Render it with TranslateData.
	TranslateNumbered = "translate_numbered.tmpl"
)

// TranslateData is what TranslateSystem may refer to. Languages are written
// as English names ("French"), which models follow more reliably than codes:
// see LanguageName.
type TranslateData struct {
	SourceLang string
	TargetLang string
	// HTML is true when the segments are fragments of HTML whose markup
	// the translation must keep as it is.
	HTML bool
}

// SummarizeData is what SummarizeSystem may refer to.
type SummarizeData struct {
	Lang      string // English name of the summary's language
	Sentences int    // the summary's length, in sentences
}

// known maps each template to sample data. Load executes every template with
// its sample so that an override naming a field that does not exist fails at
// start, not on the first request.
var known = map[string]any{
	TranslateSystem:   TranslateData{SourceLang: "French", TargetLang: "English"},
	SummarizeSystem:   SummarizeData{Lang: "English", Sentences: 3},
	TranslateNumbered: TranslateData{SourceLang: "French", TargetLang: "English"},
}

//go:embed *.tmpl
var embedded embed.FS

// Set is a loaded, immutable set of templates, safe for concurrent use.
type Set struct {
	templates map[string]*template.Template
	hashes    map[string]string

	// rendered keeps the prompts rendered with TranslateData and
	// SummarizeData, by name and data: a provider renders its system prompt
	// for every call, always with one of a few values, and executing a
	// template cost a tenth of a call's work.
	rendered      sync.Map // renderKey → string
	renderedCount atomic.Int32
}

// renderKey names a rendered prompt; data is a TranslateData or a
// SummarizeData, which are comparable.
type renderKey struct {
	name string
	data any
}

// maxRendered bounds the prompts a Set keeps: the languages and summary
// lengths a gateway serves are far fewer.
const maxRendered = 256

// Load returns the embedded templates, each replaced by the file of the same
// name in dir when there is one. dir "" means the embedded templates only.
// Files in dir that do not end in ".tmpl" are ignored. Load fails, naming the
// file, when dir cannot be read, when it holds a ".tmpl" file that is not one
// of the known templates, or when a template does not parse or cannot be
// executed with the data it will be given.
func Load(dir string) (*Set, error) {
	sources := make(map[string][]byte, len(known))
	for name := range known {
		src, err := embedded.ReadFile(name)
		if err != nil {
			// Only possible if a template listed in known was not embedded.
			return nil, fmt.Errorf("prompts: embedded %s: %w", name, err)
		}
		sources[name] = src
	}
	origin := make(map[string]string, len(known))
	for name := range known {
		origin[name] = "embedded " + name
	}

	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("prompts: read template folder: %w", err)
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || !strings.HasSuffix(name, ".tmpl") {
				continue
			}
			path := filepath.Join(dir, name)
			if _, ok := known[name]; !ok {
				return nil, fmt.Errorf("prompts: %s: unknown template, expected one of %s", path, strings.Join(Names(), ", "))
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("prompts: %w", err)
			}
			sources[name] = src
			origin[name] = path
		}
	}

	s := &Set{
		templates: make(map[string]*template.Template, len(sources)),
		hashes:    make(map[string]string, len(sources)),
	}
	for name, src := range sources {
		// missingkey=error turns a typo in a map key into an error instead of
		// the text "<no value>" inside a prompt.
		t, err := template.New(name).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("prompts: %s: %w", origin[name], err)
		}
		if err := t.Execute(&bytes.Buffer{}, known[name]); err != nil {
			return nil, fmt.Errorf("prompts: %s: %w", origin[name], err)
		}
		sum := sha256.Sum256(src)
		s.templates[name] = t
		s.hashes[name] = hex.EncodeToString(sum[:8])
	}
	return s, nil
}

// Names returns the names of the known templates, sorted.
func Names() []string {
	names := make([]string, 0, len(known))
	for name := range known {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// ErrUnknownTemplate is returned by Render for a name that is not a known template.
var ErrUnknownTemplate = errors.New("prompts: unknown template")

// Render executes the named template with data and returns the text. It
// returns an error wrapping ErrUnknownTemplate for an unknown name, or the
// template's execution error.
func (s *Set) Render(name string, data any) (string, error) {
	t, ok := s.templates[name]
	if !ok {
		return "", fmt.Errorf("%w %q", ErrUnknownTemplate, name)
	}
	var key renderKey
	switch data.(type) {
	case TranslateData, SummarizeData:
		key = renderKey{name, data}
		if text, ok := s.rendered.Load(key); ok {
			return text.(string), nil
		}
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("prompts: render %s: %w", name, err)
	}
	text := b.String()
	if key.data != nil && s.renderedCount.Load() < maxRendered {
		if _, loaded := s.rendered.LoadOrStore(key, text); !loaded {
			s.renderedCount.Add(1)
		}
	}
	return text, nil
}

// Hash returns the version of the named template: the first 16 hex digits of
// the SHA-256 of its source. It returns "" for an unknown name.
func (s *Set) Hash(name string) string {
	return s.hashes[name]
}
