// Package providers defines the contract every translation engine and summarizer
// implements, and the errors they return, so that the gateway can route, fall
// back and cache without knowing which vendor answered.
package providers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"passerelle/internal/redact"
)

// Usage is what a call cost, in the units its vendor bills: tokens for LLMs,
// characters for translation engines. Zero fields were not reported.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens,omitempty"`
	CompletionTokens int `json:"completion_tokens,omitempty"`
	Characters       int `json:"characters,omitempty"`
}

// Add returns the sum of u and v.
func (u Usage) Add(v Usage) Usage {
	return Usage{
		PromptTokens:     u.PromptTokens + v.PromptTokens,
		CompletionTokens: u.CompletionTokens + v.CompletionTokens,
		Characters:       u.Characters + v.Characters,
	}
}

// TranslateRequest is a batch of segments (paragraphs or a title) in one
// language to be turned into another. Language codes are ISO 639-1 ("fr", "en").
type TranslateRequest struct {
	SourceLang string
	TargetLang string
	Segments   []string
	// Format is FormatText (the default when empty) or FormatHTML, for
	// segments that carry inline markup the engine must keep.
	Format string
	// Glossaries holds, for each segment, the glossary terms that occur in
	// it, mapped to the translation they must get (a term mapped to itself
	// must not be translated); nil when no segment has any. Each segment's
	// terms apply to that segment only: its translation is cached under a
	// key that covers its own terms, not its neighbours'. Only providers
	// that can honour a glossary natively receive it; the gateway protects
	// the terms for the others.
	Glossaries []map[string]string
}

// GlossariesByText returns the terms of each segment of r that has some, by
// the segment's text (the terms of a segment follow from its text), for a
// provider that splits the request: nil when no segment has any.
func (r TranslateRequest) GlossariesByText() map[string]map[string]string {
	var m map[string]map[string]string
	for i, g := range r.Glossaries {
		if len(g) == 0 || i >= len(r.Segments) {
			continue
		}
		if m == nil {
			m = make(map[string]map[string]string)
		}
		m[r.Segments[i]] = g
	}
	return m
}

// GlossedSegment is a segment as an LLM's user message carries it when
// glossary terms occur in it: the terms travel with the text they apply to,
// so that a model is shown for each segment only that segment's terms.
type GlossedSegment struct {
	Text     string            `json:"text"`
	Glossary map[string]string `json:"glossary"`
}

// MessageSegments returns segs as an LLM's user message lists them: a
// segment that has terms in glossaries (see GlossariesByText) as a
// GlossedSegment, the others as their text.
func MessageSegments(segs []string, glossaries map[string]map[string]string) []any {
	out := make([]any, len(segs))
	for i, s := range segs {
		if g := glossaries[s]; len(g) > 0 {
			out[i] = GlossedSegment{Text: s, Glossary: g}
		} else {
			out[i] = s
		}
	}
	return out
}

// Segment formats.
const (
	FormatText = "text"
	FormatHTML = "html"
)

// TranslateResult holds one translation per request segment, in the same order.
type TranslateResult struct {
	Translations []string
	Model        string
	Usage        Usage
}

// SummarizeRequest asks for a summary of Text, written in Lang, of about
// Sentences sentences.
type SummarizeRequest struct {
	Lang      string
	Title     string
	Text      string
	Sentences int
}

// SummarizeResult is a summary and what it cost.
type SummarizeResult struct {
	Summary string
	Model   string
	Usage   Usage
}

// Translator translates batches of segments.
type Translator interface {
	// Translate returns exactly one translation per segment, or an error
	// (usually a *Error) and no partial result.
	Translate(ctx context.Context, req TranslateRequest) (TranslateResult, error)
	// Fingerprint names everything that changes this provider's output for
	// the same input (engine, model, prompt template hash, options). It is part
	// of every cache key, so changing a model or a prompt never serves stale text.
	Fingerprint() string
}

// Summarizer writes summaries.
type Summarizer interface {
	// Summarize returns a summary, or an error (usually a *Error).
	Summarize(ctx context.Context, req SummarizeRequest) (SummarizeResult, error)
	// Fingerprint: see Translator.
	Fingerprint() string
}

// Pinger is implemented by providers that can tell cheaply whether they are
// reachable; /readyz uses it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Kind classifies a provider failure. The gateway decides what to do next
// (retry, fall back, which HTTP status to answer) from the kind alone.
type Kind int

const (
	// KindUnavailable: the provider failed or could not be reached (5xx,
	// connection refused, malformed answer). Transient; another provider may answer.
	KindUnavailable Kind = iota
	// KindTimeout: no answer within the deadline.
	KindTimeout
	// KindRateLimited: the vendor asked us to slow down (429); RetryAfter may say for how long.
	KindRateLimited
	// KindAuth: the credentials were refused (401, 403). Not transient.
	KindAuth
	// KindQuota: the account is out of quota or credit. Not transient.
	KindQuota
	// KindBadRequest: the vendor rejected the request itself (400, 404, 422). Not transient.
	KindBadRequest
	// KindContextLength: the input was too long for the model; split it and try again.
	KindContextLength
	// KindBadOutput: the provider answered, but not with what was asked
	// (wrong number of segments, invalid JSON, a truncated answer).
	KindBadOutput
	// KindOverloaded: the call was never made: the gateway's own bound on
	// calls to the provider (max_concurrency) had no slot free in time for
	// the request's deadline. Says nothing about the provider's health.
	KindOverloaded
)

var kindNames = [...]string{"unavailable", "timeout", "rate_limited", "auth", "quota", "bad_request", "context_length", "bad_output", "overloaded"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Transient reports whether the same call may succeed if tried again later.
func (k Kind) Transient() bool {
	switch k {
	case KindUnavailable, KindTimeout, KindRateLimited, KindBadOutput:
		return true
	}
	return false
}

// Error is a provider failure with enough detail to route on and to log.
// Message may contain the vendor's words; its text never shows credentials:
// each vendor client removes its key, and Error masks the user info and
// query values of any URL.
type Error struct {
	Provider   string        // configured provider name or vendor type
	Kind       Kind          // what went wrong, for routing
	Status     int           // the vendor's HTTP status, 0 when there was none
	Code       string        // the vendor's error code or type, when it gave one
	Message    string        // human-readable detail
	RetryAfter time.Duration // how long the vendor asked us to wait, 0 when unknown
	Err        error         // the underlying error, if any
}

func (e *Error) Error() string {
	msg := e.Provider + ": " + e.Kind.String()
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil && e.Message == "" {
		msg += ": " + e.Err.Error()
	}
	// net/http quotes the URL of a failed call with its user name and query
	// (it hides only the password): a base URL may carry credentials there.
	return redact.URLs(msg)
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err: the Kind of the *Error it wraps, KindTimeout
// for a context deadline, KindUnavailable otherwise.
func KindOf(err error) Kind {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Kind
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return KindTimeout
	}
	return KindUnavailable
}
