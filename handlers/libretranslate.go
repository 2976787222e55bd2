package handlers

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"passerelle/gateway"
)

// The LibreTranslate dialect: POST /translate, POST /detect, GET /languages
// and GET /frontend/settings as LibreTranslate 1.9 answers them, so that
// the tools configured with a LibreTranslate endpoint (Weblate, Mastodon,
// Misskey and its forks, the npm clients) use Passerelle unchanged. Where
// Passerelle's rules and LibreTranslate's differ, the request gets
// Passerelle's (French into English only, its keys and limits), told in
// LibreTranslate's words: {"error": "..."} with 400, 403, 429 or 500.
//
// A LibreTranslate client carries its key in the body (api_key; apiKey for
// the npm client), so the body is read, within MaxBodyBytes, before the
// request is authenticated; Passerelle's own headers are still honoured
// when the body has no key.

const ctxKeyLibreRequest = "libre_request"

// libreRequest is the body of POST /translate and POST /detect, JSON or a
// form.
type libreRequest struct {
	q      []string
	batch  bool // q was an array: the reply holds arrays
	source string
	target string
	format string
	fromQ  bool // q was given at all (an empty array is not)
}

// libreStatuses maps every Passerelle error code to the status
// LibreTranslate answers the like with: 400 for what the client sent, 403
// for a key refused, 429 for "retry in a while" (an allowance spent, a
// gateway busy or stopping, limits that cannot be counted now), 500 for
// what went wrong behind. A code missing here is answered 500.
var libreStatuses = map[string]int{
	gateway.CodeInvalidJSON:         http.StatusBadRequest,
	gateway.CodeInvalidRequest:      http.StatusBadRequest,
	gateway.CodeEmptyArticle:        http.StatusBadRequest,
	gateway.CodeUnknownProvider:     http.StatusBadRequest,
	gateway.CodeProviderNotAllowed:  http.StatusBadRequest,
	gateway.CodeTooLarge:            http.StatusBadRequest,
	gateway.CodeUnsupportedLanguage: http.StatusBadRequest,
	gateway.CodeNoArticle:           http.StatusBadRequest,
	gateway.CodeNotHTML:             http.StatusBadRequest,
	gateway.CodeURLNotAllowed:       http.StatusBadRequest,
	codeNotFound:                    http.StatusBadRequest,
	codeMethodNotAllowed:            http.StatusBadRequest,
	codeJobFinished:                 http.StatusBadRequest,
	codeNotAFeed:                    http.StatusBadRequest,
	codeUnauthorized:                http.StatusForbidden,
	codeForbidden:                   http.StatusForbidden,
	codeRateLimited:                 http.StatusTooManyRequests,
	codeQuotaUnavailable:            http.StatusTooManyRequests,
	gateway.CodeOverloaded:          http.StatusTooManyRequests,
	gateway.CodeShuttingDown:        http.StatusTooManyRequests,
	gateway.CodeProviderError:       http.StatusInternalServerError,
	gateway.CodeNoProvider:          http.StatusInternalServerError,
	gateway.CodeOutputCheck:         http.StatusInternalServerError,
	gateway.CodeProviderTimeout:     http.StatusInternalServerError,
	gateway.CodeFetchFailed:         http.StatusInternalServerError,
	gateway.CodeInternal:            http.StatusInternalServerError,
}

// libreStatus returns the LibreTranslate status of an error code.
func libreStatus(code string) int {
	if status, ok := libreStatuses[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// libreError is the body of every error reply of the dialect.
type libreError struct {
	Error string `json:"error"`
}

// writeLibreError writes an error as LibreTranslate does. A request that
// presents no key where one is required gets 400, as LibreTranslate's
// "please get an API key"; a key that is not valid gets 403. A 429 message
// starts with "Slowdown:", as LibreTranslate's.
func writeLibreError(c *gin.Context, _ int, d errorDetail) {
	status, message := libreStatus(d.Code), d.Message
	switch {
	case d.Code == codeUnauthorized && presentedKey(c) == "":
		status = http.StatusBadRequest
		message = "an API key is required: send it as api_key (or in the Authorization: Bearer or X-API-Key header)"
	case status == http.StatusTooManyRequests:
		message = "Slowdown: " + message
	}
	c.AbortWithStatusJSON(status, libreError{Error: message})
}

// speakLibre makes the request's errors LibreTranslate's.
func speakLibre(c *gin.Context) {
	speakErrors(c, writeLibreError)
	c.Next()
}

// libreRoutes registers the dialect on r. /languages and
// /frontend/settings need no key, as LibreTranslate's.
func (h *handler) libreRoutes(r *gin.Engine) {
	lt := r.Group("/", speakLibre)
	call := func(endpoint gin.HandlerFunc) []gin.HandlerFunc {
		return []gin.HandlerFunc{h.admit, h.readLibreRequest, h.authenticate, h.limitRequests, endpoint}
	}
	lt.POST("/translate", call(h.libreTranslate)...)
	lt.POST("/detect", call(h.libreDetect)...)
	lt.GET("/languages", h.libreLanguages)
	lt.GET("/frontend/settings", h.libreSettings)
}

// readLibreRequest reads and parses the body, and presents the key it
// carries, if any, to authenticate.
func (h *handler) readLibreRequest(c *gin.Context) {
	body, err := h.readBody(c, h.opts.MaxBodyBytes)
	if err != nil {
		h.writeError(c, err)
		return
	}
	in, key, err := parseLibreRequest(c.Request, body, h.opts.MaxBodyBytes)
	if err != nil {
		h.writeError(c, err)
		return
	}
	if key != "" {
		setPresentedKey(c, key)
	}
	c.Set(ctxKeyLibreRequest, in)
	c.Next()
}

func libreRequestOf(c *gin.Context) libreRequest {
	v, _ := c.Get(ctxKeyLibreRequest)
	in, _ := v.(libreRequest)
	return in
}

// parseLibreRequest parses body as LibreTranslate does: as JSON when the
// request says it is JSON, else as the form fields and the query string
// (application/x-www-form-urlencoded or multipart/form-data). It returns
// the request and the key it carries.
func parseLibreRequest(r *http.Request, body []byte, limit int64) (libreRequest, string, error) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "application/json" || strings.HasPrefix(mediaType, "application/") && strings.HasSuffix(mediaType, "+json") {
		return parseLibreJSON(body)
	}
	return parseLibreForm(r, body, limit)
}

// libreFields are the fields of a JSON body; others are ignored, as
// LibreTranslate ignores them.
type libreFields struct {
	Q      json.RawMessage `json:"q"`
	Source *string         `json:"source"`
	Target *string         `json:"target"`
	Format *string         `json:"format"`
	APIKey *string         `json:"api_key"`
	// The npm libretranslate client's spelling.
	APIKeyCamel *string `json:"apiKey"`
}

func parseLibreJSON(body []byte) (libreRequest, string, error) {
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return libreRequest{}, "", gateway.Errorf(gateway.CodeInvalidJSON, "Invalid JSON format: the body must be a JSON object such as {\"q\": \"...\", \"source\": \"fr\", \"target\": \"en\"}")
	}
	var f libreFields
	if err := json.Unmarshal(trimmed, &f); err != nil {
		return libreRequest{}, "", jsonError(err)
	}
	in := libreRequest{source: deref(f.Source), target: deref(f.Target), format: deref(f.Format)}
	if err := in.setQ(f.Q); err != nil {
		return libreRequest{}, "", err
	}
	key := deref(f.APIKey)
	if key == "" {
		key = deref(f.APIKeyCamel)
	}
	return in, strings.TrimSpace(key), nil
}

// setQ reads q, a string or an array of strings.
func (in *libreRequest) setQ(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		in.q, in.fromQ = []string{one}, one != ""
		return nil
	}
	// Pointers, so that a null in the array is refused rather than read
	// as an empty text.
	var many []*string
	if err := json.Unmarshal(raw, &many); err != nil || slices.Contains(many, nil) {
		return gateway.Errorf(gateway.CodeInvalidRequest, "Invalid request: q must be a string or an array of strings")
	}
	in.q = make([]string, len(many))
	for i, s := range many {
		in.q[i] = *s
	}
	in.batch, in.fromQ = true, len(many) > 0
	return nil
}

func parseLibreForm(r *http.Request, body []byte, limit int64) (libreRequest, string, error) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	if mediaType == "multipart/form-data" {
		// The body is in memory already: so are its parts, whatever
		// their kind (a file part too), and nothing is left on disk.
		err = r.ParseMultipartForm(limit)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		return libreRequest{}, "", gateway.Errorf(gateway.CodeInvalidRequest, "Invalid request: the form could not be read: %v", err)
	}
	value := func(name string) string {
		// request.values: the query string first, then the form.
		if v := r.URL.Query()[name]; len(v) > 0 {
			return v[0]
		}
		return r.PostFormValue(name)
	}
	in := libreRequest{source: value("source"), target: value("target"), format: value("format")}
	if q := value("q"); q != "" {
		// A form's line breaks are CRLF (RFC 2046 4.1.1); LibreTranslate
		// makes them LF before counting characters, and so does this.
		in.q, in.fromQ = []string{normalizeLineBreaks(q)}, true
	}
	key := value("api_key")
	if key == "" {
		key = value("apiKey")
	}
	return in, strings.TrimSpace(key), nil
}

// normalizeLineBreaks makes CRLF and CR line breaks LF and drops the final
// one, as Python's "\n".join(q.splitlines()) does.
func normalizeLineBreaks(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimSuffix(s, "\n")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// missing returns the error of a required field left out, in
// LibreTranslate's words.
func missing(name string) error {
	return gateway.Errorf(gateway.CodeInvalidRequest, "Invalid request: missing %s parameter", name)
}

// libreDetection is one language of a detection, its confidence from 0 to
// 100 as LibreTranslate's.
type libreDetection struct {
	Confidence float64 `json:"confidence"`
	Language   string  `json:"language"`
}

// libreTranslation is the reply of POST /translate: translatedText and
// detectedLanguage are a string and an object for a q that is a string,
// arrays of as many for an array. Warnings, Passerelle's, name the texts
// returned without a checked translation (see gateway.Warning).
type libreTranslation struct {
	TranslatedText   any           `json:"translatedText"`
	DetectedLanguage any           `json:"detectedLanguage"`
	Warnings         []warningBody `json:"warnings,omitempty"`
}

// libreTranslate answers POST /translate through the gateway: its cache,
// routes, checks and allowances, as /v1/translate.
func (h *handler) libreTranslate(c *gin.Context) {
	in := libreRequestOf(c)
	switch {
	case !in.fromQ:
		h.writeError(c, missing("q"))
		return
	case in.source == "":
		h.writeError(c, missing("source"))
		return
	case in.target == "":
		h.writeError(c, missing("target"))
		return
	}
	res, err := h.translateTexts(c, gateway.Request{Segments: in.q, Format: in.format, SourceLang: in.source, TargetLang: in.target})
	if err != nil {
		h.writeError(c, err)
		return
	}
	tr := res.Translation
	out := libreTranslation{}
	for _, w := range tr.Warnings {
		out.Warnings = append(out.Warnings, warningBody{Paragraph: w.Paragraph, Code: w.Code, Check: w.Check, Message: w.Message})
	}
	detected := h.libreDetected(in, res)
	if in.batch {
		out.TranslatedText, out.DetectedLanguage = tr.Paragraphs, detected
	} else {
		out.TranslatedText, out.DetectedLanguage = tr.Paragraphs[0], detected[0]
	}
	c.JSON(http.StatusOK, out)
}

// libreDetected returns the detectedLanguage of each text of a request
// answered with res. A source given is taken at its word with a confidence
// of 100, as LibreTranslate does. With "auto", the language is the one the
// gateway translated from (it decides one for the whole request), and the
// confidence the detector's in that language for each text: 0 when it was
// unsure of it (a short text) or found another.
func (h *handler) libreDetected(in libreRequest, res *gateway.Result) []libreDetection {
	out := make([]libreDetection, len(in.q))
	source := strings.ToLower(strings.TrimSpace(in.source))
	for i, text := range in.q {
		if source != "auto" {
			out[i] = libreDetection{Confidence: 100, Language: source}
			continue
		}
		out[i] = libreDetection{Language: res.SourceLang}
		if lang, confidence := h.gw.DetectLanguage(text); lang == res.SourceLang {
			out[i].Confidence = percent(confidence)
		}
	}
	return out
}

// percent turns a confidence from 0 to 1 into LibreTranslate's 0 to 100.
func percent(confidence float64) float64 { return math.Round(confidence * 100) }

// libreDetect answers POST /detect with the gateway's detector: one
// language, or none (an empty array) when the detector is unsure, as it is
// of a text of fewer than 20 letters.
func (h *handler) libreDetect(c *gin.Context) {
	in := libreRequestOf(c)
	if !in.fromQ {
		h.writeError(c, missing("q"))
		return
	}
	detections := []libreDetection{}
	if lang, confidence := h.gw.DetectLanguage(strings.Join(in.q, "\n")); lang != "" {
		detections = append(detections, libreDetection{Confidence: percent(confidence), Language: lang})
	}
	c.JSON(http.StatusOK, detections)
}

// libreLanguage is one entry of GET /languages.
type libreLanguage struct {
	Code    string   `json:"code"`
	Name    string   `json:"name"`
	Targets []string `json:"targets"`
}

// libreLanguages are what Passerelle translates: French into English, and
// English "into English", returned as it was at no cost.
var libreLanguages = []libreLanguage{
	{Code: "en", Name: "English", Targets: []string{"en"}},
	{Code: "fr", Name: "French", Targets: []string{"en"}},
}

func (h *handler) libreLanguages(c *gin.Context) {
	c.JSON(http.StatusOK, libreLanguages)
}

// libreFrontendTimeout is LibreTranslate's default frontendTimeout: how
// long, in milliseconds, its page waits after a keystroke before it asks
// for a translation.
const libreFrontendTimeout = 500 * time.Millisecond

type libreLanguageName struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// libreSettings is the reply of GET /frontend/settings.
type libreSettings struct {
	CharLimit            int      `json:"charLimit"`
	FrontendTimeout      int64    `json:"frontendTimeout"`
	APIKeys              bool     `json:"apiKeys"`
	KeyRequired          bool     `json:"keyRequired"`
	Suggestions          bool     `json:"suggestions"`
	FilesTranslation     bool     `json:"filesTranslation"`
	SupportedFilesFormat []string `json:"supportedFilesFormat"`
	Language             struct {
		Source libreLanguageName `json:"source"`
		Target libreLanguageName `json:"target"`
	} `json:"language"`
}

// libreSettings says what LibreTranslate's page and clients read of a
// server: the characters one request may hold (-1: no bound), whether a
// key is required (Passerelle's auth), and that suggestions and files are
// not served.
func (h *handler) libreSettings(c *gin.Context) {
	s := libreSettings{
		CharLimit:            h.gw.MaxCharacters(),
		FrontendTimeout:      libreFrontendTimeout.Milliseconds(),
		SupportedFilesFormat: []string{},
	}
	if s.CharLimit <= 0 {
		s.CharLimit = -1
	}
	auth := h.rulesOf(c).access.Enabled
	s.APIKeys, s.KeyRequired = auth, auth
	s.Language.Source = libreLanguageName{Code: "auto", Name: "Auto Detect"}
	s.Language.Target = libreLanguageName{Code: "en", Name: "English"}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, s)
}
