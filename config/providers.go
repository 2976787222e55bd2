package config

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"passerelle/providers/registry"
)

// Provider configures one provider instance: the fields every type reads,
// and the options of its type. In the file they are one block:
//
//	gpt: {type: openai, timeout: 20s, model: gpt-4o, api_key: "${KEY}"}
//
// The type's row in providers/registry decodes, defaults and checks its
// options.
type Provider struct {
	Common
	// Options are the options of Type (a *registry.OpenAIOptions for
	// "openai"); nil when Type is empty or unknown, which Validate reports.
	// They are a pointer: copies of the Provider share them.
	Options registry.Options
	// Ignored names the keys of the block that another type reads and
	// this one does not (a model left after the type was switched from
	// openai to deepl): switching a provider's type is one line, so they
	// are not an error, and the server logs them at start.
	Ignored []string `yaml:"-"`
}

// Common are the fields of a provider block every type reads.
type Common struct {
	Type string `yaml:"type"`
	// Timeout of one call to the provider. Default 60s for LLMs, 30s otherwise.
	Timeout time.Duration `yaml:"timeout"`
	// MaxConcurrency bounds the calls in flight to the provider. Default 4.
	MaxConcurrency int `yaml:"max_concurrency"`
	// QueueWait bounds how long a call waits for a free slot under
	// max_concurrency before the request is refused with 503 overloaded.
	// Whatever it says, a call waits only while the request's deadline
	// leaves time for a typical call of the provider, and does not queue
	// when the calls ahead of it would not leave that time. Default 0: no
	// bound but the deadline's.
	QueueWait time.Duration `yaml:"queue_wait"`
	// MaxBatch is the most one request carries, in the provider's unit:
	// tokens for LLMs, characters for translation engines. Longer articles
	// are sent in several batches in parallel, and a longer paragraph is cut
	// at sentence boundaries and joined back. Default: the type's own,
	// from its row in providers/registry (2000 tokens for LLMs, the
	// vendor's limit for a translation engine).
	MaxBatch int `yaml:"max_batch"`
	// RequestsPerMinute bounds the calls started per minute, to stay under a
	// vendor's quota. Default 0: no bound.
	RequestsPerMinute int `yaml:"requests_per_minute"`
	// Prices estimate the spend shown by passerelle_provider_cost_usd_total,
	// in US dollars per million units. Default: none.
	Prices Prices `yaml:"prices"`
	// Retry is the provider's retry policy.
	Retry Retry `yaml:"retry"`
	// Breaker is the provider's circuit breaker.
	Breaker Breaker `yaml:"breaker"`
}

// Retry is one provider's retry policy: exponential backoff with full
// jitter, for transient failures only (timeouts, connection errors, 429,
// 5xx), within an attempt and a time budget.
type Retry struct {
	// MaxAttempts counts the first call. Default 3.
	MaxAttempts int `yaml:"max_attempts"`
	// Budget bounds the time spent on one request, waits included. Default 90s.
	Budget time.Duration `yaml:"budget"`
	// MaxRetryAfter is the longest Retry-After honoured; a longer one sends
	// the request to the next provider at once. Default 2s.
	MaxRetryAfter time.Duration `yaml:"max_retry_after"`
}

// Breaker is one provider's circuit breaker.
type Breaker struct {
	// Failures is the number of consecutive failures that opens it. Default 5.
	Failures int `yaml:"failures"`
	// Cooldown is how long it stays open before one probe. Default 30s.
	Cooldown time.Duration `yaml:"cooldown"`
}

// Prices are what a provider bills, in US dollars per million units.
type Prices struct {
	PromptTokens     float64 `yaml:"prompt_tokens"`
	CompletionTokens float64 `yaml:"completion_tokens"`
	Characters       float64 `yaml:"characters"`
}

// Row returns the registry row of the provider's type.
func (p Provider) Row() (registry.Row, bool) { return registry.Lookup(p.Type) }

// UnmarshalYAML decodes a provider block: the common fields, then the
// options of its type. A key neither knows is refused, as the strict
// decoder refuses one elsewhere in the file. A block of an unknown type
// keeps its common fields only, for Validate to report.
func (p *Provider) UnmarshalYAML(node *yaml.Node) error {
	var common Common
	if err := node.Decode(&common); err != nil {
		return err
	}
	*p = Provider{Common: common}
	row, ok := p.Row()
	if !ok {
		return nil
	}
	p.Options = row.Options()
	if err := node.Decode(p.Options); err != nil {
		return err
	}
	ignored, err := unknownKeys(node, row.Type, reflect.TypeOf(common), reflect.TypeOf(p.Options))
	p.Ignored = ignored
	return err
}

// otherTypesKeys returns the keys of the blocks of every registered type.
func otherTypesKeys() map[string]reflect.Type {
	keys := map[string]reflect.Type{}
	for _, row := range registry.Rows() {
		yamlFields(reflect.TypeOf(row.Options()), keys)
	}
	return keys
}

// MarshalYAML writes the block back as one mapping, common fields first.
func (p Provider) MarshalYAML() (any, error) {
	var out yaml.Node
	if err := out.Encode(p.Common); err != nil {
		return nil, err
	}
	if p.Options != nil {
		var opts yaml.Node
		if err := opts.Encode(p.Options); err != nil {
			return nil, err
		}
		out.Content = append(out.Content, opts.Content...)
	}
	return &out, nil
}

// unknownKeys returns a *yaml.TypeError naming each key of the mapping
// node that none of the struct types decodes, at any depth, as
// yaml.Decoder.KnownFields does (a decoder it does not reach through
// UnmarshalYAML). A key of the block itself that another provider type
// reads is not an error: it is returned among the ignored ones.
func unknownKeys(node *yaml.Node, typ string, types ...reflect.Type) (ignored []string, err error) {
	var errs []string
	others := otherTypesKeys()
	var walk func(n *yaml.Node, what string, types []reflect.Type)
	walk = func(n *yaml.Node, what string, types []reflect.Type) {
		for n.Kind == yaml.AliasNode || n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
			if n.Kind == yaml.AliasNode {
				n = n.Alias
			} else {
				n = n.Content[0]
			}
		}
		if n.Kind != yaml.MappingNode {
			return
		}
		fields := map[string]reflect.Type{}
		for _, t := range types {
			yamlFields(t, fields)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i]
			if key.Value == "<<" {
				continue
			}
			ft, ok := fields[key.Value]
			if _, another := others[key.Value]; !ok && another && what == "a provider of type "+typ {
				ignored = append(ignored, key.Value)
				continue
			}
			if !ok {
				errs = append(errs, fmt.Sprintf("line %d: field %s not found in %s", key.Line, key.Value, what))
				continue
			}
			if ft.Kind() == reflect.Struct {
				walk(n.Content[i+1], key.Value+" of "+what, []reflect.Type{ft})
			}
		}
	}
	walk(node, "a provider of type "+typ, types)
	if len(errs) == 0 {
		return ignored, nil
	}
	return ignored, &yaml.TypeError{Errors: errs}
}

// yamlFields adds the keys of struct type t (through pointers and inline
// fields) with their types to fields.
func yamlFields(t reflect.Type, fields map[string]reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			yamlFields(f.Type, fields)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		fields[name] = ft
	}
}
