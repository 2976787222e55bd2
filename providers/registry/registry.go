// Package registry is the table of the provider types Passerelle can run:
// one row per vendor, so that adding a vendor is a package beneath
// providers, a file here with its row, and a line in the builtin list.
//
// A Row says what a type can do (Capabilities), which provider the
// environment alone defines (Env), and makes the zero Options its YAML
// block is decoded into. The Options are the vendor's own settings, typed:
// they fill their defaults, check themselves, mask their secrets, say
// whether their credentials are there, size the vendor's batches (Budget)
// and build its Translator and Summarizer. What every provider shares
// (type, timeout, concurrency, retries, breaker, prices) is not here: the
// config package keeps it in one common struct, and internal/assemble wraps
// what a row builds in the provider's guard.
//
// The rows live here rather than in the vendor packages so that those stay
// plain clients, usable without Passerelle's configuration (the evaluation
// tools build Apertium directly), and so that the one place a vendor's name
// meets the configuration, the environment and the gateway is this
// package. Nothing outside a vendor's package and this one spells a
// vendor's name: config and internal/assemble go through Lookup and Rows.
// The defaults that depend on vendors are rows' Env flags too: the provider
// that heads the default routes when it is configured (Preferred), and the
// offline engines that are always there and always last
// (OfflineTranslator, OfflineSummarizer).
package registry

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"passerelle/article"
	"passerelle/prompts"
	"passerelle/providers"
)

// Row is one provider type.
type Row struct {
	// Type is the name a provider block gives in "type".
	Type string
	// Capabilities say what the type can do.
	Capabilities Capabilities
	// GlossaryInPrompt is true when the gateway hands each segment's
	// glossary terms to the provider with the request, for it to apply (an
	// LLM reads them in its prompt). For the others the gateway shields the
	// terms with placeholders the engine passes through untouched.
	GlossaryInPrompt bool
	// SelfHosted is true for a server the operator runs: /readyz asks it
	// whether it is up. Paid APIs are not asked.
	SelfHosted bool
	// Timeout is the default of one call's timeout.
	Timeout time.Duration
	// Options returns the zero options a provider block is decoded into:
	// a pointer to a struct with yaml tags.
	Options func() Options
	// Env, when set, lets environment variables define a provider of this
	// type with no configuration file.
	Env *Env
}

// Capabilities say what a provider type can do.
type Capabilities struct {
	Translate bool
	Summarize bool
	// HTML is true when the type keeps inline markup.
	HTML bool
	// VendorGlossary is true when the vendor itself can apply a glossary:
	// an LLM through its prompt, DeepL through a glossary kept in the
	// account (glossary_id). GET /v1/providers reports it as "glossary".
	// Whether the gateway sends a request's terms to the provider is
	// Row.GlossaryInPrompt.
	VendorGlossary bool
	// NeedsKey is true when the type cannot work without an API key.
	NeedsKey bool
}

// Env is how environment variables define a provider with no file, or
// override the one the file gives under Name (when it has this type).
type Env struct {
	// Name is the name of the provider the variables define.
	Name string
	// Key, URL and Model name the variables that set the API key, the
	// server's or API's URL and the model; "" when the type has none.
	Key, URL, Model string
	// URLAlone is true when URL alone defines the provider (a server the
	// operator runs); otherwise only Key does.
	URLAlone bool
	// Offline is true for an engine that works on this machine with
	// nothing set: the provider is always defined, and is the last of the
	// default routes of the tasks it can do.
	Offline bool
	// Preferred is true for the type whose provider, when defined, heads
	// the default routes of the tasks it can do. At most one row has it.
	Preferred bool
}

// Options are one vendor's own settings, decoded from its provider block.
// Implementations are pointers to structs with yaml tags.
type Options interface {
	// Default fills the fields left empty with their defaults.
	Default()
	// Check reports what is wrong, each problem with how to fix it.
	Check() []Problem
	// Masked returns a copy with every secret replaced by redact.Mask, for
	// logs.
	Masked() Options
	// Credentials says whether the options hold the API key the vendor
	// needs.
	Credentials() Credentials
	// FromEnv lays the values of the row's Env variables over the options;
	// an empty value leaves its field alone.
	FromEnv(key, url, model string)
	// Budget is what one request to the vendor may carry.
	Budget() Budget
	// Build makes the vendor's clients. Both are nil, with no error, when
	// the API key is missing: the provider is reported unavailable and the
	// routes fall through to the next one. A misconfiguration is an error.
	Build(Setup) (Parts, error)
}

// Problem is one thing wrong in a provider block.
type Problem struct {
	// Key is the key at fault ("response_format"), or "" when the problem
	// is between keys.
	Key string
	// Text says what is wrong and how to fix it.
	Text string
}

// Credentials says whether a provider holds the key it needs.
type Credentials string

// The states of Credentials, as GET /v1/providers reports them.
const (
	KeyPresent   Credentials = "present"
	KeyMissing   Credentials = "missing"
	KeyNotNeeded Credentials = "not_needed"
)

// credentials is the usual answer: present when there is a key, else
// missing when one is needed.
func credentials(key string, needed bool) Credentials {
	switch {
	case key != "":
		return KeyPresent
	case needed:
		return KeyMissing
	}
	return KeyNotNeeded
}

// Setup is what a provider is built with besides its own options.
type Setup struct {
	// Name is the provider's configured name, used in errors.
	Name string
	// Timeout bounds one call; MaxConcurrency the calls in flight.
	Timeout        time.Duration
	MaxConcurrency int
	// Prompts are the LLM prompt templates.
	Prompts *prompts.Set
	// Sentences is the default summary length.
	Sentences int
}

// Parts are what Build makes: a Translator, a Summarizer, or both.
type Parts struct {
	Translator providers.Translator
	Summarizer providers.Summarizer
}

// Budget is what one request to a vendor may carry: tokens for an LLM,
// characters for a translation engine, within the vendor's limits on texts
// per request.
type Budget struct {
	article.Budget
	// Count measures a text in the budget's unit; nil counts characters.
	Count func(string) int
	// SummaryMax is the most a summary call reads; a longer text is
	// summarized in parts, then the parts together. 0: the whole text.
	SummaryMax int
}

// builtin are the vendors compiled in, one line each.
var builtin = []Row{
	anthropicRow,
	apertiumRow,
	deeplRow,
	extractiveRow,
	googleRow,
	libreTranslateRow,
	openAIRow,
}

var (
	mu   sync.RWMutex
	rows = map[string]Row{}
)

func init() {
	for _, r := range builtin {
		Register(r)
	}
}

// Register adds a row, for a vendor compiled in from elsewhere (or a
// test's), and returns the function that removes it again. It panics when
// the type is taken, when the row cannot make its options, or when a second
// row claims Env.Preferred or an Env name taken by another row.
func Register(r Row) (unregister func()) {
	mu.Lock()
	defer mu.Unlock()
	if r.Type == "" || r.Options == nil {
		panic(fmt.Sprintf("registry: row %q has no type or no options", r.Type))
	}
	if _, taken := rows[r.Type]; taken {
		panic(fmt.Sprintf("registry: type %q registered twice", r.Type))
	}
	for _, other := range rows {
		if r.Env != nil && other.Env != nil && (r.Env.Name == other.Env.Name || r.Env.Preferred && other.Env.Preferred) {
			panic(fmt.Sprintf("registry: types %q and %q claim the same environment defaults", r.Type, other.Type))
		}
	}
	rows[r.Type] = r
	return func() {
		mu.Lock()
		defer mu.Unlock()
		delete(rows, r.Type)
	}
}

// Lookup returns the row of a type.
func Lookup(typ string) (Row, bool) {
	mu.RLock()
	defer mu.RUnlock()
	r, ok := rows[typ]
	return r, ok
}

// Rows returns every row, by type.
func Rows() []Row {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Row, 0, len(rows))
	for _, r := range rows {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

// TypeList names every type, for messages: "anthropic, apertium, ...".
func TypeList() string {
	var types []string
	for _, r := range Rows() {
		types = append(types, r.Type)
	}
	return strings.Join(types, ", ")
}

// Preferred is the name of the provider that heads the default routes when
// it is configured, or "" when no row claims it.
func Preferred() string {
	for _, r := range Rows() {
		if r.Env != nil && r.Env.Preferred {
			return r.Env.Name
		}
	}
	return ""
}

// OfflineTranslator and OfflineSummarizer name the always-defined provider
// of each task, the last of its default route: the first offline row, by
// type, that can do it.
func OfflineTranslator() string {
	return offline(func(c Capabilities) bool { return c.Translate })
}

// OfflineSummarizer: see OfflineTranslator.
func OfflineSummarizer() string {
	return offline(func(c Capabilities) bool { return c.Summarize })
}

func offline(can func(Capabilities) bool) string {
	for _, r := range Rows() {
		if r.Env != nil && r.Env.Offline && can(r.Capabilities) {
			return r.Env.Name
		}
	}
	return ""
}

// oneOf reports whether v is one of allowed.
func oneOf(v string, allowed ...string) bool { return slices.Contains(allowed, v) }
