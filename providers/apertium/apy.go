package apertium

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"passerelle/providers"
)

// maxBody caps what is read of an APy answer; a translation is a few times
// the size of its source at most, and sources are paragraphs.
const maxBody = 16 << 20

// post translates text along chain. Every call is a form POST: APy accepts
// the same parameters as for GET, and a GET with a long paragraph in its URL
// is cut off by the server's header limit.
func (p *Provider) post(ctx context.Context, chain []string, text, format string) (string, error) {
	form := url.Values{
		"q": {text},
		// APy strips one level of unknown-word marks itself; stripMarks
		// removes those a chain doubles.
		"markUnknown": {"no"},
		// Plain text by default: the HTML deformatter would take "<" and
		// "&" in the text as markup. In html mode it is what keeps the
		// tags and attributes out of the translation, through every leg
		// of a chain.
		"format": {apyFormat(format)},
	}
	endpoint := "/translate"
	if len(chain) == 2 {
		form.Set("langpair", chain[0]+"|"+chain[1])
	} else {
		endpoint = "/translateChain"
		form.Set("langpairs", strings.Join(chain, "|"))
	}

	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url+endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", p.transportError(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	body, status, err := p.do(req)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", p.apyError(status, body)
	}

	var answer struct {
		ResponseData struct {
			TranslatedText *string `json:"translatedText"`
		} `json:"responseData"`
		ResponseDetails any `json:"responseDetails"`
		ResponseStatus  int `json:"responseStatus"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return "", &providers.Error{Provider: p.name, Kind: providers.KindBadOutput, Status: status,
			Message: "answer is not APy JSON: " + snippet(body), Err: err}
	}
	if answer.ResponseStatus != 0 && answer.ResponseStatus != http.StatusOK {
		return "", p.apyError(answer.ResponseStatus, body)
	}
	if answer.ResponseData.TranslatedText == nil {
		return "", &providers.Error{Provider: p.name, Kind: providers.KindBadOutput, Status: status,
			Message: "answer has no translatedText: " + snippet(body)}
	}
	return *answer.ResponseData.TranslatedText, nil
}

// apyFormat returns APy's name of the deformatter for a request's format.
func apyFormat(format string) string {
	if format == providers.FormatHTML {
		return "html"
	}
	return "txt"
}

// listPairs returns the pairs APy serves, as "src-tgt" keys.
func (p *Provider) listPairs(ctx context.Context) (map[string]bool, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"/listPairs", nil)
	if err != nil {
		return nil, p.transportError(err)
	}
	body, status, err := p.do(req)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, p.apyError(status, body)
	}
	var answer struct {
		ResponseData []struct {
			Source string `json:"sourceLanguage"`
			Target string `json:"targetLanguage"`
		} `json:"responseData"`
		ResponseStatus int `json:"responseStatus"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		// Something that is not APy answers on this port: for routing, APy is
		// as good as absent.
		return nil, &providers.Error{Provider: p.name, Kind: providers.KindUnavailable, Status: status,
			Message: "/listPairs answer is not APy JSON: " + snippet(body), Err: err}
	}
	if answer.ResponseStatus != 0 && answer.ResponseStatus != http.StatusOK {
		return nil, p.apyError(answer.ResponseStatus, body)
	}
	pairs := make(map[string]bool, len(answer.ResponseData))
	for _, pair := range answer.ResponseData {
		pairs[pair.Source+"-"+pair.Target] = true
	}
	return pairs, nil
}

// do sends req and returns the body and status, or a transport error.
func (p *Provider) do(req *http.Request) ([]byte, int, error) {
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, 0, p.transportError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, resp.StatusCode, p.transportError(err)
	}
	return body, resp.StatusCode, nil
}

// transportError classifies a failure to get an answer at all: a deadline
// (ours or the caller's) is KindTimeout, anything else (connection refused,
// reset, the caller giving up) KindUnavailable.
func (p *Provider) transportError(err error) *providers.Error {
	kind := providers.TransportKind(err)
	return &providers.Error{Provider: p.name, Kind: kind, Err: err}
}

// apyError turns an APy failure into a *providers.Error. APy answers errors
// as {"status": "error", "code": 400, "message": "Bad Request",
// "explanation": "No path found for fra-deu"}; a success-shaped body may also
// carry responseStatus and responseDetails. Anything else (a proxy's HTML
// page) is classified by status alone.
func (p *Provider) apyError(status int, body []byte) *providers.Error {
	var answer struct {
		Code            int    `json:"code"`
		Message         string `json:"message"`
		Explanation     string `json:"explanation"`
		ResponseStatus  int    `json:"responseStatus"`
		ResponseDetails any    `json:"responseDetails"`
	}
	msg := snippet(body)
	code := ""
	if json.Unmarshal(body, &answer) == nil {
		switch {
		case answer.Explanation != "":
			msg, code = answer.Explanation, answer.Message
		case answer.ResponseDetails != nil:
			msg = fmt.Sprint(answer.ResponseDetails)
		case answer.Message != "":
			msg = answer.Message
		}
	}
	return &providers.Error{Provider: p.name, Kind: kindOf(status), Status: status, Code: code, Message: msg}
}

// kindOf maps an HTTP status from APy (or a proxy in front of it) to a Kind.
func kindOf(status int) providers.Kind {
	switch {
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return providers.KindTimeout
	case status == http.StatusTooManyRequests:
		return providers.KindRateLimited
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return providers.KindAuth
	case status >= 400 && status < 500:
		return providers.KindBadRequest
	default:
		return providers.KindUnavailable
	}
}

// snippet returns the start of a body for an error message.
func snippet(body []byte) string {
	const max = 200
	s := strings.TrimSpace(string(body))
	if len(s) > max {
		n := max
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "…"
	}
	return s
}
