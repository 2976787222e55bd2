package libretranslate

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"

	"passerelle/providers"
)

// maxBody caps what is read of an answer: a translation is a few times the
// size of its source at most, and a request carries at most MaxChars.
const maxBody = 16 << 20

// request is the JSON body of POST /translate. q is always an array, so that
// the answer's translatedText is an array too.
type request struct {
	Q      []string `json:"q"`
	Source string   `json:"source"`
	Target string   `json:"target"`
	Format string   `json:"format"`
	APIKey string   `json:"api_key,omitempty"`
}

// post translates one batch and returns one text per string of r.Q.
func (p *Provider) post(ctx context.Context, r request) ([]string, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return nil, p.errorf(providers.KindBadRequest, "encode request: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url+"/translate", bytes.NewReader(body))
	if err != nil {
		return nil, p.transportError(err)
	}
	req.Header.Set("Content-Type", "application/json")
	answer, err := p.do(req)
	if err != nil {
		return nil, err
	}

	var resp struct {
		TranslatedText json.RawMessage `json:"translatedText"`
	}
	if err := json.Unmarshal(answer, &resp); err != nil {
		return nil, p.badOutput("the answer is not JSON: %s", snippet(answer))
	}
	if len(resp.TranslatedText) == 0 || string(resp.TranslatedText) == "null" {
		return nil, p.badOutput("the answer has no translatedText: %s", snippet(answer))
	}
	var texts []string
	if err := json.Unmarshal(resp.TranslatedText, &texts); err != nil {
		// A single string is the answer to a string q; servers that do not
		// take arrays may answer one for a batch of one.
		var one string
		if json.Unmarshal(resp.TranslatedText, &one) != nil {
			return nil, p.badOutput("translatedText is neither a string nor an array of strings: %s", snippet(resp.TranslatedText))
		}
		texts = []string{one}
	}
	if len(texts) != len(r.Q) {
		return nil, p.badOutput("the answer has %d translations for %d strings", len(texts), len(r.Q))
	}
	return texts, nil
}

// Ping lists the server's languages and checks that it translates French
// into English. GET /languages needs no API key and is exempt from the
// server's rate limits, so a wrong key goes unnoticed until a translation.
// It returns a *providers.Error when the server cannot be reached, or one
// of kind KindBadRequest when it lacks French or English.
func (p *Provider) Ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"/languages", nil)
	if err != nil {
		return p.transportError(err)
	}
	answer, err := p.do(req)
	if err != nil {
		return err
	}
	var langs []struct {
		Code    string   `json:"code"`
		Targets []string `json:"targets"`
	}
	if err := json.Unmarshal(answer, &langs); err != nil {
		return p.errorf(providers.KindUnavailable, "/languages answer is not LibreTranslate's: %s", snippet(answer))
	}
	hasFR, hasEN := false, false
	for _, l := range langs {
		switch l.Code {
		case "fr":
			// Servers before 1.3 list no targets; every language then
			// translates into every other.
			hasFR = l.Targets == nil || slices.Contains(l.Targets, "en")
		case "en":
			hasEN = true
		}
	}
	if !hasFR || !hasEN {
		return p.errorf(providers.KindBadRequest, "the server does not translate French into English (its /languages: %s)", snippet(answer))
	}
	return nil
}

// do sends req and returns the body of a 2xx answer, or a *providers.Error.
func (p *Provider) do(req *http.Request) ([]byte, error) {
	// The timeout is this context's, as in every provider: OpenAI's wraps
	// its transport, and http.Client.Timeout over a wrapped transport starts
	// two goroutines a call.
	ctx, cancel := context.WithTimeout(req.Context(), p.timeout)
	defer cancel()
	req = req.WithContext(ctx)
	req.Header.Set("Accept", "application/json")
	// LibreTranslate localises its error messages; they are matched in English.
	req.Header.Set("Accept-Language", "en")
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, p.transportError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, p.transportError(err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, p.apiError(resp.StatusCode, resp.Header, body)
	}
	return body, nil
}
