package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"passerelle/gateway"
	"passerelle/providers"
)

// articleRequest is the JSON body of /v1/translate, /v1/summarize and
// /v1/articles.
type articleRequest struct {
	Title            string            `json:"title"`
	Text             string            `json:"text"`
	HTML             string            `json:"html"`
	URL              string            `json:"url"`
	SourceLang       string            `json:"source_lang"`
	TargetLang       string            `json:"target_lang"`
	Provider         string            `json:"provider"`
	SummarySentences int               `json:"summary_sentences"`
	Glossary         map[string]string `json:"glossary"`
	Strict           bool              `json:"strict"`
}

// readBody reads the request body, at most limit bytes of it.
func (h *handler) readBody(c *gin.Context, limit int64) ([]byte, error) {
	r := http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	var body []byte
	var err error
	if n := c.Request.ContentLength; n > 0 && n <= limit {
		// The length is known (the server holds the body to it): one
		// allocation of its size, where ReadAll would grow a buffer several
		// times over, on every request of the hit path.
		body = make([]byte, n)
		_, err = io.ReadFull(r, body)
	} else {
		body, err = io.ReadAll(r)
	}
	if h.opts.WriteTimeout > 0 {
		// The server's write deadline was set when the headers were read:
		// a slow upload would eat the time the reply needs, and the client
		// get nothing while the log says 200. The request's own deadline
		// starts now, so the reply's must too. A writer that cannot take a
		// deadline (a test recorder) has none to move.
		_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(h.opts.WriteTimeout))
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, gateway.Errorf(gateway.CodeTooLarge, "the request body is over %d bytes", limit)
		}
		return nil, gateway.Errorf(gateway.CodeInvalidJSON, "the request body could not be read")
	}
	return body, nil
}

// decodeArticle checks and decodes a request body. Unknown fields are
// refused: a misspelt "txt" silently ignored would translate nothing.
func decodeArticle(body []byte) (gateway.Request, error) {
	// A byte-order mark, as Notepad and PowerShell write one before JSON,
	// says nothing the JSON does not.
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return gateway.Request{}, gateway.Errorf(gateway.CodeInvalidJSON, `the request body is empty: send JSON such as {"text": "..."}`)
	}
	if trimmed[0] != '{' && !json.Valid(trimmed) {
		// Not an object, and not JSON at all: most likely the article
		// sent as it is (curl --data-binary @article.txt).
		return gateway.Request{}, gateway.Errorf(gateway.CodeInvalidJSON,
			`the request body is not JSON: send the article inside JSON, such as {"text": "..."}, with Content-Type: application/json`)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var in articleRequest
	if err := dec.Decode(&in); err != nil {
		return gateway.Request{}, jsonError(err)
	}
	if dec.More() {
		return gateway.Request{}, gateway.Errorf(gateway.CodeInvalidJSON, "the request body holds more than one JSON value")
	}
	return gateway.Request{
		Title:            in.Title,
		Text:             in.Text,
		HTML:             in.HTML,
		URL:              in.URL,
		SourceLang:       in.SourceLang,
		TargetLang:       in.TargetLang,
		Provider:         strings.TrimSpace(in.Provider),
		SummarySentences: in.SummarySentences,
		Glossary:         in.Glossary,
		Strict:           in.Strict,
	}, nil
}

// jsonError explains a decoding failure in terms of the client's input.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return gateway.Errorf(gateway.CodeInvalidJSON, "malformed JSON at byte %d: %v", syntax.Offset, err)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return gateway.Errorf(gateway.CodeInvalidJSON, "field %q must be a %s, not a JSON %s", typ.Field, jsonType(typ.Type.Kind().String()), typ.Value)
		}
		return gateway.Errorf(gateway.CodeInvalidJSON, "the request body must be a JSON object, not a JSON %s", typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return gateway.Errorf(gateway.CodeInvalidJSON, "malformed JSON: the body ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return gateway.Errorf(gateway.CodeInvalidRequest, "unknown field %s: the fields are title, text, html, url, source_lang, target_lang, provider, summary_sentences, glossary, strict", field)
	}
	return gateway.Errorf(gateway.CodeInvalidJSON, "malformed JSON: %v", err)
}

func jsonType(goKind string) string {
	switch goKind {
	case "int", "int64":
		return "number"
	}
	return goKind
}

// cachePolicy reads the request's Cache-Control header: no-cache refreshes
// the entries, no-store neither reads nor writes them. callerCachePolicy
// says who may refresh.
func cachePolicy(header string) gateway.CachePolicy {
	var p gateway.CachePolicy
	for _, directive := range strings.Split(header, ",") {
		switch strings.ToLower(strings.TrimSpace(directive)) {
		case "no-cache":
			p.NoRead = true
		case "no-store":
			p.NoRead, p.NoWrite = true, true
		}
	}
	return p
}

func headerCacheStatus(status string) string { return strings.ToUpper(status) }

// articleResponse is the JSON reply of the article endpoints, one object
// holding the members of its two parts: the document, which a repeat of the
// request would get the same and which a kept reply stores, and the fields
// of the request that answers, which are never stored. A field belongs to
// one part or the other, never to articleResponse itself: a field added to
// the document is kept and replayed, one added to requestFields is written
// afresh for every request. Fields may be added; none may be renamed.
type articleResponse struct {
	articleDocument
	requestFields
}

// articleDocument is the part of a reply that a kept reply stores.
type articleDocument struct {
	Translation  *translationBody `json:"translation,omitempty"`
	Summary      *summaryBody     `json:"summary,omitempty"`
	SourceLang   string           `json:"source_lang"`
	TargetLang   string           `json:"target_lang"`
	DetectedLang string           `json:"detected_lang"`
	Byline       string           `json:"byline,omitempty"`    // of a page given in html or url
	Published    string           `json:"published,omitempty"` // YYYY-MM-DD, likewise
	Provider     taskStrings      `json:"provider"`
	Model        taskStrings      `json:"model"`
	Cache        cacheBody        `json:"cache"`
	Usage        usageBody        `json:"usage"`
	// Complete is false when a paragraph is returned without a checked
	// translation; Warnings then names each one, and the paragraphs whose
	// translation holds words that are not English (which leave it true).
	Complete bool          `json:"complete"`
	Warnings []warningBody `json:"warnings,omitempty"`
}

// requestFields are the part of a reply that belongs to the request that
// answers: a replayed reply gets its own.
type requestFields struct {
	TimingsMS timingsBody `json:"timings_ms"`
}

// warningBody is a paragraph returned without a checked translation, or
// whose translation holds words that are not English.
type warningBody struct {
	Paragraph int    `json:"paragraph"` // in translation.paragraphs; -1 for the title
	Code      string `json:"code"`
	Check     string `json:"check,omitempty"`
	Message   string `json:"message"`
}

type translationBody struct {
	Title      string   `json:"title"`
	Paragraphs []string `json:"paragraphs"`
	Text       string   `json:"text"`
}

type summaryBody struct {
	Text      string `json:"text"`
	Sentences int    `json:"sentences"`
}

type taskStrings struct {
	Translation string `json:"translation,omitempty"`
	Summary     string `json:"summary,omitempty"`
}

type cacheBody struct {
	Status             string `json:"status"`
	SegmentsCached     int    `json:"segments_cached"`
	SegmentsTranslated int    `json:"segments_translated"`
	SegmentsKept       int    `json:"segments_kept,omitempty"` // already in English, returned as they were
	Summary            string `json:"summary,omitempty"`       // hit or miss, when a summary was made
}

// usageBody is what this request paid upstream: zero on a cache hit.
type usageBody struct {
	Translation providers.Usage  `json:"translation"`
	Summary     *providers.Usage `json:"summary,omitempty"`
}

type timingsBody struct {
	Total       float64 `json:"total"`
	Translation float64 `json:"translation"`
	Summary     float64 `json:"summary,omitempty"`
}

// briefDocument shapes everything of a result but the translated text: the
// document /v1/summarize answers, which names the translating provider but
// leaves its text out.
func briefDocument(res *gateway.Result) articleDocument {
	out := articleDocument{
		SourceLang:   res.SourceLang,
		TargetLang:   res.TargetLang,
		DetectedLang: res.DetectedLang,
		Byline:       res.Byline,
		Published:    res.Published,
		Complete:     true,
		Cache: cacheBody{
			Status:             res.Cache.Status,
			SegmentsCached:     res.Cache.SegmentsCached,
			SegmentsTranslated: res.Cache.SegmentsTranslated,
			SegmentsKept:       res.Cache.SegmentsKept,
		},
	}
	if tr := res.Translation; tr != nil {
		out.Provider.Translation, out.Model.Translation = tr.Provider, tr.Model
		out.Usage.Translation = tr.Usage
		out.Complete = tr.Complete()
		for _, w := range tr.Warnings {
			out.Warnings = append(out.Warnings, warningBody{Paragraph: w.Paragraph, Code: w.Code, Check: w.Check, Message: w.Message})
		}
	}
	if sum := res.Summary; sum != nil {
		out.Summary = &summaryBody{Text: sum.Text, Sentences: res.SummarySentences}
		out.Provider.Summary, out.Model.Summary = sum.Provider, sum.Model
		usage := sum.Usage
		out.Usage.Summary = &usage
		out.Cache.Summary = "miss"
		if sum.Cached {
			out.Cache.Summary = "hit"
		}
	}
	return out
}

// fullDocument is briefDocument with the translated text: the document of
// /v1/translate and /v1/articles.
func fullDocument(res *gateway.Result) articleDocument {
	out := briefDocument(res)
	if tr := res.Translation; tr != nil {
		out.Translation = &translationBody{Title: tr.Title, Paragraphs: tr.Paragraphs, Text: tr.Text()}
	}
	return out
}

// fieldsOf returns the request's own fields of the reply of res.
func fieldsOf(res *gateway.Result) requestFields {
	return requestFields{TimingsMS: timingsBody{
		Total:       ms(res.Timings.Total),
		Translation: ms(res.Timings.Translation),
		Summary:     ms(res.Timings.Summary),
	}}
}

func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
