package handlers

// DeepL's API v2, as a dialect (dialect.go): POST /v2/translate, GET and
// POST /v2/usage and GET /v2/languages, for the tools that take a DeepL
// URL (deepl-node and the other DeepL client libraries, browser and editor
// extensions). A translation goes through the same gateway call as
// /v1/translate, so the cache, coalescing, routes, fallbacks, checks,
// partial results and the key's limits all apply; what differs is where
// the key is presented (Authorization: DeepL-Auth-Key KEY), the parameters
// (a form or a JSON body, several texts), the reply, and the statuses and
// body of errors (deeplStatuses).

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"passerelle/gateway"
	"passerelle/providers"
)

const (
	// deeplAuthScheme is the scheme of the Authorization header DeepL's
	// clients send their key in.
	deeplAuthScheme = "DeepL-Auth-Key"
	// deeplLegacyAuthNotice is where DeepL explains the removal of auth_key;
	// its refusal names it, and so does Passerelle's.
	deeplLegacyAuthNotice = "https://developers.deepl.com/docs/resources/breaking-changes-change-notices/november-2025-deprecation-of-legacy-auth-methods"
	// deeplUnlimited is the character_limit DeepL reports for an account
	// without one; a key without characters_per_day reports it too.
	deeplUnlimited = 1_000_000_000_000
	// deeplStatusQuotaExceeded is DeepL's status for a spent allowance.
	deeplStatusQuotaExceeded = 456
	// legacyPeekBytes bounds what is read of a request without a key to
	// tell whether it carries auth_key in its body.
	legacyPeekBytes = 64 << 10
	// ctxKeyCharactersSpent marks a request refused for the characters of
	// the day, which DeepL answers 456 where the requests of the minute
	// get 429: both are rate_limited in Passerelle's table.
	ctxKeyCharactersSpent = "characters_spent"
)

// deeplStatuses maps every error code to the status a DeepL client
// expects: 400 for a request it should not send again as it is, 403 for a
// key, 404, 413, 429 for "wait and send again" (DeepL's clients back off
// on it), 456 for a spent allowance (see ctxKeyCharactersSpent), and for
// the gateway's own failures the 500 and 504 DeepL documents for
// /v2/translate. TestDeepLStatusesCoverEveryCode keeps it complete.
var deeplStatuses = map[string]int{
	gateway.CodeInvalidJSON:         http.StatusBadRequest,
	gateway.CodeInvalidRequest:      http.StatusBadRequest,
	gateway.CodeEmptyArticle:        http.StatusBadRequest,
	gateway.CodeUnknownProvider:     http.StatusBadRequest,
	gateway.CodeProviderNotAllowed:  http.StatusBadRequest,
	gateway.CodeUnsupportedLanguage: http.StatusBadRequest,
	gateway.CodeNoArticle:           http.StatusBadRequest,
	gateway.CodeNotHTML:             http.StatusBadRequest,
	gateway.CodeURLNotAllowed:       http.StatusBadRequest,
	codeNotAFeed:                    http.StatusBadRequest,
	codeJobFinished:                 http.StatusBadRequest,
	codeMethodNotAllowed:            http.StatusBadRequest,
	codeUnauthorized:                http.StatusForbidden,
	codeForbidden:                   http.StatusForbidden,
	codeNotFound:                    http.StatusNotFound,
	gateway.CodeTooLarge:            http.StatusRequestEntityTooLarge,
	codeRateLimited:                 http.StatusTooManyRequests,
	codeQuotaUnavailable:            http.StatusTooManyRequests,
	gateway.CodeOverloaded:          http.StatusTooManyRequests,
	gateway.CodeInternal:            http.StatusInternalServerError,
	gateway.CodeProviderError:       http.StatusInternalServerError,
	gateway.CodeOutputCheck:         http.StatusInternalServerError,
	gateway.CodeFetchFailed:         http.StatusInternalServerError,
	gateway.CodeNoProvider:          http.StatusGatewayTimeout,
	gateway.CodeProviderTimeout:     http.StatusGatewayTimeout,
	gateway.CodeShuttingDown:        http.StatusGatewayTimeout,
}

// deeplErrorBody is DeepL's error reply.
type deeplErrorBody struct {
	Message string `json:"message"`
}

// writeDeepLError is the DeepL dialect's errorWriter.
func writeDeepLError(c *gin.Context, _ int, detail errorDetail) {
	status, ok := deeplStatuses[detail.Code]
	switch {
	case detail.Code == codeRateLimited && c.GetBool(ctxKeyCharactersSpent):
		status = deeplStatusQuotaExceeded
	case !ok:
		status = http.StatusInternalServerError
	}
	c.AbortWithStatusJSON(status, deeplErrorBody{Message: detail.Message})
}

// deeplRoutes registers the DeepL dialect. The dialect's middleware comes
// first, so that every refusal of the shared middleware is written in
// DeepL's way.
func (h *handler) deeplRoutes(r *gin.Engine) {
	v2 := r.Group("/v2", h.speakDeepL, h.authenticate, h.admit, h.limitRequests)
	v2.POST("/translate", h.deeplTranslate)
	v2.GET("/usage", h.deeplUsage)
	v2.POST("/usage", h.deeplUsage)
	v2.GET("/languages", h.deeplLanguages)
}

// speakDeepLUnderV2 makes DeepL's writer that of a request under /v2 that
// no route takes (a path or a method DeepL has and Passerelle does not), so
// that a DeepL client reads its refusal.
func speakDeepLUnderV2(c *gin.Context) {
	if strings.HasPrefix(c.Request.URL.Path, "/v2/") {
		speakErrors(c, writeDeepLError)
	}
}

// speakDeepL makes DeepL's writer that of every error of the request, and
// takes the key from "Authorization: DeepL-Auth-Key KEY", the one way
// DeepL takes it now: auth_key in the query or the body is refused with
// DeepL's own words, and so is a request without the header when keys are
// required.
func (h *handler) speakDeepL(c *gin.Context) {
	speakErrors(c, writeDeepLError)
	if c.Request.URL.Query().Has("auth_key") {
		h.writeError(c, legacyAuth("query parameter"))
		return
	}
	scheme, key, _ := strings.Cut(strings.TrimSpace(c.GetHeader("Authorization")), " ")
	key = strings.TrimSpace(key)
	if strings.EqualFold(scheme, deeplAuthScheme) && key != "" {
		setPresentedKey(c, key)
		c.Next()
		return
	}
	// Another scheme (Bearer) or X-API-Key is not DeepL's way: the dialect
	// reads its own header only.
	setPresentedKey(c, "")
	if !h.rulesOf(c).access.Enabled {
		c.Next()
		return
	}
	if where := legacyBodyKey(c); where != "" {
		h.writeError(c, legacyAuth(where))
		return
	}
	h.writeError(c, gateway.Errorf(codeUnauthorized, "an API key is required: send it as \"Authorization: %s KEY\"", deeplAuthScheme))
}

// legacyAuth is DeepL's refusal of auth_key, where is "query parameter",
// "form body" or "JSON body".
func legacyAuth(where string) error {
	return gateway.Errorf(codeForbidden, "Legacy authentication method '%s' is no longer supported. Please update to header-based authentication. Find more details in our docs: %s",
		where, deeplLegacyAuthNotice)
}

// legacyBodyKey tells, for a request about to be refused for want of a
// key, whether its body carries auth_key instead, so that the refusal says
// so: "form body", "JSON body", or "" for neither. It reads at most
// legacyPeekBytes of an unauthenticated body, and the request ends with
// the refusal either way.
func legacyBodyKey(c *gin.Context) string {
	if c.Request.Method != http.MethodPost || c.Request.Body == nil {
		return ""
	}
	peek, _ := io.ReadAll(io.LimitReader(c.Request.Body, legacyPeekBytes))
	if isJSON(c) {
		var fields map[string]json.RawMessage
		if json.Unmarshal(peek, &fields) == nil && fields["auth_key"] != nil {
			return "JSON body"
		}
		return ""
	}
	// A body cut at the limit still parses up to its last whole field.
	if form, _ := url.ParseQuery(string(peek)); form.Has("auth_key") {
		return "form body"
	}
	return ""
}

// isJSON tells a JSON body from a form, DeepL's two kinds; a body without
// a Content-Type is read as a form, as DeepL does.
func isJSON(c *gin.Context) bool {
	media, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	return media == "application/json"
}

// deeplTranslation is a valid POST /v2/translate.
type deeplTranslation struct {
	texts      []string
	sourceLang string // "fr", "en", or "" to detect it
	format     string // providers.FormatText or providers.FormatHTML
	// xml: the texts are XML (tag_handling=xml), sent as HTML and held to
	// their markup byte for byte (keepXMLMarkup).
	xml bool
	// splitLines translates each line of a text on its own (split_sentences
	// 1, the default for text): a line break ends a sentence, as for DeepL,
	// and every line break comes back where it was, whatever the provider.
	splitLines bool
	showBilled bool
}

// deeplTranslateReply is DeepL's reply, with Passerelle's warnings beside
// the translations: DeepL's clients read translations only.
type deeplTranslateReply struct {
	Translations []deeplTranslationBody `json:"translations"`
	Warnings     []deeplWarning         `json:"warnings,omitempty"`
}

type deeplTranslationBody struct {
	DetectedSourceLanguage string `json:"detected_source_language"`
	Text                   string `json:"text"`
	BilledCharacters       *int   `json:"billed_characters,omitempty"`
}

// deeplWarning is a gateway.Warning of a partial result, by the index of
// the text it concerns.
type deeplWarning struct {
	Text    int    `json:"text"`
	Code    string `json:"code"`
	Check   string `json:"check,omitempty"`
	Message string `json:"message"`
}

// deeplTranslate answers POST /v2/translate through the gateway.
func (h *handler) deeplTranslate(c *gin.Context) {
	body, err := h.readBody(c, h.opts.MaxBodyBytes)
	if err != nil {
		h.writeError(c, err)
		return
	}
	params, err := deeplParams(body, isJSON(c))
	if err != nil {
		h.writeError(c, err)
		return
	}
	in, err := parseDeepLTranslation(params)
	if err != nil {
		h.writeError(c, err)
		return
	}
	layout := layOut(in.texts, in.splitLines)
	res, err := h.translateSegments(c, in, layout.segments)
	if err != nil {
		if errors.Is(err, errCharactersPerDay) {
			c.Set(ctxKeyCharactersSpent, true)
		}
		h.writeError(c, err)
		return
	}
	reply := layout.reply(in, res)
	if in.xml {
		keepXMLMarkup(in.texts, &reply)
	}
	sendUnescaped(c, reply)
}

// sendUnescaped answers v as JSON with its markup as it is: a translated
// fragment of HTML reads "<p>", as from DeepL, not "\u003cp\u003e".
func sendUnescaped(c *gin.Context, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // not for the plain structs sent here
		c.JSON(http.StatusOK, v)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// translateSegments makes the gateway call of a translation, charged to
// the caller like any other; nil, nil when there is nothing to translate.
func (h *handler) translateSegments(c *gin.Context, in deeplTranslation, segments []string) (*gateway.Result, error) {
	if len(segments) == 0 {
		return nil, nil
	}
	source := in.sourceLang
	if source == "" {
		source = "auto"
	}
	return h.translateTexts(c, gateway.Request{Segments: segments, Format: in.format, SourceLang: source, TargetLang: "en"})
}

func paragraphsOf(res *gateway.Result) int {
	if res.Translation == nil {
		return 0
	}
	return len(res.Translation.Paragraphs)
}

// deeplParams reads a form or a JSON object as the one set of parameters
// both mean: a JSON array is a repeated field, a boolean "1" or "0".
func deeplParams(body []byte, isJSON bool) (url.Values, error) {
	if !isJSON {
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, gateway.Errorf(gateway.CodeInvalidRequest, "the form body could not be read: %v", err)
		}
		if v.Has("auth_key") {
			return nil, legacyAuth("form body")
		}
		return v, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimPrefix(body, []byte("\ufeff")), &fields); err != nil {
		return nil, gateway.Errorf(gateway.CodeInvalidJSON, "the request body is not a JSON object: %v", err)
	}
	if fields["auth_key"] != nil {
		return nil, legacyAuth("JSON body")
	}
	v := url.Values{}
	for name, raw := range fields {
		values, err := jsonParam(raw)
		if err != nil {
			return nil, gateway.Errorf(gateway.CodeInvalidRequest, "Value for '%s' not supported.", name)
		}
		v[name] = values
	}
	return v, nil
}

// jsonParam returns the form values a JSON value stands for.
func jsonParam(raw json.RawMessage) ([]string, error) {
	var value any
	if err := json.Unmarshal(raw, &value); err != nil {
		return nil, err
	}
	switch x := value.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{x}, nil
	case bool:
		if x {
			return []string{"1"}, nil
		}
		return []string{"0"}, nil
	case float64:
		return []string{string(raw)}, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, item := range x {
			s, ok := item.(string)
			if !ok {
				return nil, errors.New("not a string")
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, errors.New("not a parameter")
}

// parseDeepLTranslation checks the parameters of POST /v2/translate.
// formality, context, glossary_id, model_type and the other parameters of
// DeepL's that Passerelle cannot apply are accepted and not used (see the
// README), as DeepL ignores the parameters it does not know.
func parseDeepLTranslation(v url.Values) (deeplTranslation, error) {
	in := deeplTranslation{texts: v["text"], format: providers.FormatText}
	if len(in.texts) == 0 {
		return in, missingParam("text")
	}
	target := strings.ToUpper(strings.TrimSpace(v.Get("target_lang")))
	switch target {
	case "":
		return in, missingParam("target_lang")
	case "EN", "EN-US", "EN-GB":
	default:
		return in, gateway.Errorf(gateway.CodeUnsupportedLanguage, "Value for 'target_lang' not supported: Passerelle translates into English (EN, EN-US or EN-GB), not %q.", v.Get("target_lang"))
	}
	switch source := strings.ToUpper(strings.TrimSpace(v.Get("source_lang"))); source {
	case "":
	case "FR", "EN":
		in.sourceLang = strings.ToLower(source)
	default:
		return in, gateway.Errorf(gateway.CodeUnsupportedLanguage, "Value for 'source_lang' not supported: Passerelle translates French (FR), and passes English (EN) through; leave source_lang out to detect the language, not %q.", v.Get("source_lang"))
	}
	split := "1"
	switch tags := strings.ToLower(v.Get("tag_handling")); tags {
	case "":
	case "html":
		in.format, split = providers.FormatHTML, "nonewlines"
	case "xml":
		in.format, in.xml, split = providers.FormatHTML, true, "nonewlines"

	default:
		return in, unsupportedValue("tag_handling")
	}
	if s := v.Get("split_sentences"); s != "" {
		split = strings.ToLower(s)
	}
	switch split {
	case "1":
		in.splitLines = in.format == providers.FormatText
	case "0", "nonewlines":
	default:
		return in, unsupportedValue("split_sentences")
	}
	var err error
	if in.showBilled, err = boolParam(v, "show_billed_characters"); err != nil {
		return in, err
	}
	// Passerelle never corrects what it is given: formatting is always
	// preserved, whatever preserve_formatting says.
	if _, err = boolParam(v, "preserve_formatting"); err != nil {
		return in, err
	}
	switch strings.ToLower(v.Get("formality")) {
	case "", "default", "prefer_more", "prefer_less":
	case "more", "less":
		// DeepL's answer: English has no formality to choose.
		return in, gateway.Errorf(gateway.CodeInvalidRequest, "'formality' is not supported for given 'target_lang'.")
	default:
		return in, unsupportedValue("formality")
	}
	switch strings.ToLower(v.Get("model_type")) {
	case "", "quality_optimized", "prefer_quality_optimized", "latency_optimized":
	default:
		return in, unsupportedValue("model_type")
	}
	return in, nil
}

func missingParam(name string) error {
	return gateway.Errorf(gateway.CodeInvalidRequest, "Parameter '%s' not specified.", name)
}

func unsupportedValue(name string) error {
	return gateway.Errorf(gateway.CodeInvalidRequest, "Value for '%s' not supported.", name)
}

// boolParam reads a boolean parameter: 0 or 1, as DeepL's clients send
// them, or false or true.
func boolParam(v url.Values, name string) (bool, error) {
	switch strings.ToLower(v.Get(name)) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, unsupportedValue(name)
}

// deeplLayout is how the texts of a request become the gateway's segments
// and come back: each text is parts, literal whitespace (blank lines, line
// breaks, the spaces around a line) and segments, so that nothing but the
// words goes to a provider and every space comes back as it was sent.
type deeplLayout struct {
	segments []string
	texts    [][]deeplPart
	segText  []int // the text of each segment
	billed   []int // the characters of each text sent to be translated
}

type deeplPart struct {
	literal string
	segment int // -1 for a literal
}

// layOut cuts texts into segments: each text whole, or each of its lines
// when splitLines.
func layOut(texts []string, splitLines bool) deeplLayout {
	l := deeplLayout{texts: make([][]deeplPart, len(texts)), billed: make([]int, len(texts))}
	for i, text := range texts {
		lines := []string{text}
		if splitLines {
			lines = strings.SplitAfter(text, "\n")
		}
		for _, line := range lines {
			core := strings.TrimSpace(line)
			if core == "" {
				l.texts[i] = append(l.texts[i], deeplPart{literal: line, segment: -1})
				continue
			}
			start := strings.Index(line, core)
			l.texts[i] = append(l.texts[i],
				deeplPart{literal: line[:start], segment: -1},
				deeplPart{segment: len(l.segments)},
				deeplPart{literal: line[start+len(core):], segment: -1})
			l.segments = append(l.segments, core)
			l.segText = append(l.segText, i)
			l.billed[i] += utf8.RuneCountInString(core)
		}
	}
	return l
}

// reply puts the translated segments of res back into their texts.
func (l deeplLayout) reply(in deeplTranslation, res *gateway.Result) deeplTranslateReply {
	detected := "FR" // nothing to detect in blank texts: Passerelle's source
	switch {
	case in.sourceLang != "":
		detected = strings.ToUpper(in.sourceLang)
	case res != nil && res.SourceLang != "":
		detected = strings.ToUpper(res.SourceLang)
	}
	out := deeplTranslateReply{Translations: make([]deeplTranslationBody, len(l.texts))}
	for i, parts := range l.texts {
		var b strings.Builder
		for _, p := range parts {
			if p.segment < 0 {
				b.WriteString(p.literal)
				continue
			}
			b.WriteString(res.Translation.Paragraphs[p.segment])
		}
		out.Translations[i] = deeplTranslationBody{DetectedSourceLanguage: detected, Text: b.String()}
		if in.showBilled {
			out.Translations[i].BilledCharacters = &l.billed[i]
		}
	}
	if res != nil {
		for _, w := range res.Translation.Warnings {
			if w.Paragraph < 0 || w.Paragraph >= len(l.segText) {
				continue
			}
			out.Warnings = append(out.Warnings, deeplWarning{Text: l.segText[w.Paragraph], Code: w.Code, Check: w.Check, Message: w.Message})
		}
	}
	return out
}

// deeplUsageReply is DeepL's GET /v2/usage reply.
type deeplUsageReply struct {
	CharacterCount int64 `json:"character_count"`
	CharacterLimit int64 `json:"character_limit"`
}

// deeplUsage answers what the key has spent of its characters a day,
// spending none: a key without the limit reports DeepL's unlimited.
func (h *handler) deeplUsage(c *gin.Context) {
	spent, allowance, err := h.charactersSpent(c.Request.Context(), h.rulesOf(c).access.Limiter, callerOf(c))
	if err != nil {
		h.writeError(c, err)
		return
	}
	reply := deeplUsageReply{CharacterCount: int64(spent), CharacterLimit: int64(allowance)}
	if allowance == 0 {
		reply.CharacterLimit = deeplUnlimited
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, reply)
}

type deeplSourceLanguage struct {
	Language string `json:"language"`
	Name     string `json:"name"`
}

type deeplTargetLanguage struct {
	Language          string `json:"language"`
	Name              string `json:"name"`
	SupportsFormality bool   `json:"supports_formality"`
}

// The languages Passerelle translates from and into, by DeepL's codes and
// names. English as a source is passed through, not translated: it is not
// listed.
var (
	deeplSources = []deeplSourceLanguage{{Language: "FR", Name: "French"}}
	deeplTargets = []deeplTargetLanguage{
		{Language: "EN-GB", Name: "English (British)"},
		{Language: "EN-US", Name: "English (American)"},
	}
)

// deeplLanguages answers GET /v2/languages[?type=source|target].
func (h *handler) deeplLanguages(c *gin.Context) {
	switch strings.ToLower(c.Query("type")) {
	case "", "source":
		c.JSON(http.StatusOK, deeplSources)
	case "target":
		c.JSON(http.StatusOK, deeplTargets)
	default:
		h.writeError(c, unsupportedValue("type"))
	}
}
