package deepl

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"

	"passerelle/providers"
)

// maxAnswer caps what is read of an answer: a translation is a few times the
// size of its 128 KiB request at most.
const maxAnswer = 8 << 20

// userAgent is sent with every request: DeepL asks clients to identify
// themselves, and refuses requests without a User-Agent.
const userAgent = "passerelle-deepl/1"

// call sends one request to DeepL, with body (when not nil) as JSON, and
// decodes a 200 answer into answer. Any other status, a transport failure
// or an undecodable answer is returned as a *providers.Error.
func (p *Provider) call(ctx context.Context, method, path string, body, answer any) error {
	// The timeout is this context's, as in every provider: OpenAI's wraps
	// its transport, and http.Client.Timeout over a wrapped transport starts
	// two goroutines a call.
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		b, err := encode(body)
		if err != nil {
			return p.errorf(providers.KindBadRequest, "encode request: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.baseURL+path, rd)
	if err != nil {
		return p.transportError(err)
	}
	req.Header.Set("Authorization", "DeepL-Auth-Key "+p.apiKey)
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := p.client.Do(req)
	if err != nil {
		return p.transportError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return p.transportError(err)
	}
	if resp.StatusCode != http.StatusOK {
		return p.apiError(resp.StatusCode, resp.Header, data)
	}
	if err := json.Unmarshal(data, answer); err != nil {
		return &providers.Error{Provider: p.name, Kind: providers.KindBadOutput, Status: resp.StatusCode,
			Message: p.redact("the answer is not DeepL's JSON: " + snippet(data)), Err: err}
	}
	return nil
}
