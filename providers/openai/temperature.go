package openai

import (
	"bytes"
	"encoding/json"
	"errors"
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
	var buf bytes.Buffer
	if req.ContentLength > 0 {
		buf.Grow(int(req.ContentLength) + bytes.MinRead) // no copy on the way
	}
	_, err := buf.ReadFrom(req.Body)
	body := buf.Bytes()
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if body, err = withZeroTemperature(body); err != nil {
		return nil, fmt.Errorf("set temperature: %w", err)
	}
	// A RoundTripper must not modify the request it was given.
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return t.next.RoundTrip(out)
}

// withZeroTemperature returns body, a JSON object, with "temperature": 0
// added when it has no temperature of its own. The field goes first and every
// other byte stays as it was: the body is only scanned for its top-level
// keys, not decoded and encoded again, which cost as much as the rest of the
// call on a fast server.
func withZeroTemperature(body []byte) ([]byte, error) {
	keys, ok := topLevelKeys(body)
	if !ok {
		// Not an object, or not JSON: json says why.
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return nil, err
		}
		return nil, errors.New("the request body is not a JSON object")
	}
	for _, k := range keys {
		if k == "temperature" {
			return body, nil
		}
	}
	open := bytes.IndexByte(body, '{') + 1
	out := make([]byte, 0, len(body)+len(`"temperature":0,`))
	out = append(out, body[:open]...)
	out = append(out, `"temperature":0`...)
	if len(keys) > 0 {
		out = append(out, ',')
	}
	return append(out, body[open:]...), nil
}

// topLevelKeys returns the keys of the JSON object body, decoded, and false
// when body is not shaped as one object. It checks the shape (an object, its
// brackets and quotes balanced), not every value: the body comes from
// encoding/json.
func topLevelKeys(body []byte) ([]string, bool) {
	i := skipSpace(body, 0)
	if i == len(body) || body[i] != '{' {
		return nil, false
	}
	var keys []string
	depth := 0
	expectKey := false
	for ; i < len(body); i++ {
		switch c := body[i]; c {
		case '{', '[':
			depth++
			expectKey = c == '{' && depth == 1
		case '}', ']':
			if depth--; depth == 0 {
				return keys, skipSpace(body, i+1) == len(body)
			}
		case ',':
			expectKey = depth == 1
		case '"':
			end := stringEnd(body, i)
			if end < 0 {
				return nil, false
			}
			if expectKey {
				raw := body[i+1 : end-1]
				k := string(raw)
				if bytes.IndexByte(raw, '\\') >= 0 {
					if err := json.Unmarshal(body[i:end], &k); err != nil {
						return nil, false
					}
				}
				keys = append(keys, k)
				expectKey = false
			}
			i = end - 1
		}
	}
	return nil, false
}

// stringEnd returns the index after the JSON string that opens at body[i],
// -1 when it is not closed.
func stringEnd(body []byte, i int) int {
	for j := i + 1; j < len(body); j++ {
		switch body[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

func skipSpace(body []byte, i int) int {
	for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r') {
		i++
	}
	return i
}

// acceptsTemperature reports whether model takes a sampling temperature.
// Reasoning models (o1, o3, o4, gpt-5…) reject any value but their default;
// go-openai knows which they are, so its validator is asked rather than
// keeping a second list here.
func acceptsTemperature(model string) bool {
	probe := goopenai.ChatCompletionRequest{Model: model, Temperature: 0.5}
	return goopenai.NewReasoningValidator().Validate(probe) == nil
}
