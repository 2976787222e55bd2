package google

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"

	"passerelle/providers"
)

// maxBody caps what is read of an answer: a translation is a few times the
// size of its source at most, and a request carries at most MaxChars.
const maxBody = 16 << 20

// request is the JSON body of POST /language/translate/v2.
type request struct {
	Q      []string `json:"q"`
	Source string   `json:"source,omitempty"`
	Target string   `json:"target"`
	Format string   `json:"format"`
	Model  string   `json:"model,omitempty"`
}

// response is v2's answer to a translation.
type response struct {
	Data *struct {
		Translations []struct {
			TranslatedText         *string `json:"translatedText"`
			DetectedSourceLanguage string  `json:"detectedSourceLanguage"`
			Model                  string  `json:"model"`
		} `json:"translations"`
	} `json:"data"`
}

// post translates one batch and returns one text per string of r.Q and the
// model Google reports ("" when it reports none).
func (p *Provider) post(ctx context.Context, r request) ([]string, string, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return nil, "", p.errorf(providers.KindBadRequest, "encode request: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, "", p.transportError(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	answer, err := p.do(req)
	if err != nil {
		return nil, "", err
	}

	var resp response
	if err := json.Unmarshal(answer, &resp); err != nil {
		return nil, "", p.badOutput("the answer is not JSON: %s", snippet(answer))
	}
	if resp.Data == nil {
		return nil, "", p.badOutput("the answer has no data: %s", snippet(answer))
	}
	ts := resp.Data.Translations
	if len(ts) != len(r.Q) {
		return nil, "", p.badOutput("the answer has %d translations for %d strings", len(ts), len(r.Q))
	}
	texts := make([]string, len(ts))
	model := ""
	for i, t := range ts {
		if t.TranslatedText == nil {
			return nil, "", p.badOutput("translation %d has no translatedText", i)
		}
		texts[i] = *t.TranslatedText
		if model == "" {
			model = t.Model
		}
	}
	return texts, model, nil
}

// Ping lists the languages v2 supports, which costs no characters but
// needs a valid key for an enabled API. It returns a
// *providers.Error when Google cannot be reached or refuses the key.
func (p *Provider) Ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.endpoint+"/languages", nil)
	if err != nil {
		return p.transportError(err)
	}
	answer, err := p.do(req)
	if err != nil {
		return err
	}
	var resp struct {
		Data *struct {
			Languages []struct {
				Language string `json:"language"`
			} `json:"languages"`
		} `json:"data"`
	}
	if json.Unmarshal(answer, &resp) != nil || resp.Data == nil {
		return p.errorf(providers.KindUnavailable, "/languages answer is not v2 JSON: %s", snippet(answer))
	}
	return nil
}

// do sends req with the key and returns the body of a 2xx answer, or a
// *providers.Error.
func (p *Provider) do(req *http.Request) ([]byte, error) {
	// The timeout is this context's, as in every provider: OpenAI's wraps
	// its transport, and http.Client.Timeout over a wrapped transport starts
	// two goroutines a call.
	ctx, cancel := context.WithTimeout(req.Context(), p.timeout)
	defer cancel()
	req = req.WithContext(ctx)
	req.Header.Set("X-Goog-Api-Key", p.apiKey)
	req.Header.Set("Accept", "application/json")
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
