package openai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"
)

// zeroTemperature adds "temperature": 0 to the body of chat completion
// requests that have none.
//
// Translations should be as deterministic as the model allows, but
// go-openai's ChatCompletionRequest.Temperature is a float32 tagged
// omitempty, so a temperature of 0 is never sent and the server applies its
// default (1 at OpenAI). The usual workaround, math.SmallestNonzeroFloat32,
// goes on the wire as 1e-45: OpenAI treats it as 0, but servers that divide
// logits by the temperature and test only for exactly 0 overflow to infinity.
// Setting the field in the JSON sends the documented value to every server.
type zeroTemperature struct {
	next http.RoundTripper
}

func (t zeroTemperature) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || req.Body == nil || !strings.HasSuffix(req.URL.Path, "/chat/completions") {
		return t.next.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	// RawMessage keeps every other field byte for byte.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, fmt.Errorf("set temperature: %w", err)
	}
	if _, ok := fields["temperature"]; !ok {
		fields["temperature"] = json.RawMessage("0")
		if body, err = json.Marshal(fields); err != nil {
			return nil, fmt.Errorf("set temperature: %w", err)
		}
	}
	// A RoundTripper must not modify the request it was given.
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return t.next.RoundTrip(out)
}

// acceptsTemperature reports whether model takes a sampling temperature.
// Reasoning models (o1, o3, o4, gpt-5…) reject any value but their default;
// go-openai knows which they are, so its validator is asked rather than
// keeping a second list here.
func acceptsTemperature(model string) bool {
	probe := goopenai.ChatCompletionRequest{Model: model, Temperature: 0.5}
	return goopenai.NewReasoningValidator().Validate(probe) == nil
}
