package testenv

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// The OpenAI-compatible stand-ins of the tests, tools/bench and tools/chaos
// differ in what they answer (a fixed translation, a phrase book, faults),
// not in how: the wire format is here, written once, and checked against
// OpenAI's OpenAPI document by this package's tests.

// ChatMessage is one message of a chat completion request.
type ChatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ChatRequest is what a stand-in reads of a chat completion request.
type ChatRequest struct {
	Model    string        `json:"model"`
	Messages []ChatMessage `json:"messages"`
}

// maxChatBody bounds what ReadChat reads: far over any request the gateway
// sends, under what would hurt a test machine.
const maxChatBody = 64 << 20

// ReadChat reads and decodes the body of a chat completion request.
func ReadChat(r *http.Request) (ChatRequest, []byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxChatBody))
	if err != nil {
		return ChatRequest{}, nil, fmt.Errorf("could not read the request body: %w", err)
	}
	req, err := DecodeChat(body)
	return req, body, err
}

// DecodeChat decodes a chat completion request; one without messages is an
// error.
func DecodeChat(body []byte) (ChatRequest, error) {
	var req ChatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return ChatRequest{}, errors.New("could not parse the request body")
	}
	if len(req.Messages) == 0 {
		return ChatRequest{}, errors.New("the request has no messages")
	}
	return req, nil
}

// User returns the content of the last message, the one the gateway puts
// the article's text in.
func (c ChatRequest) User() string {
	if len(c.Messages) == 0 {
		return ""
	}
	return c.Messages[len(c.Messages)-1].Content
}

// Segments decodes the gateway's translation request in the last message,
// {"segments": [...]}, and returns its segments; a message that is not one,
// or carries none, is an error.
func (c ChatRequest) Segments() ([]string, error) {
	var payload struct {
		Segments []string `json:"segments"`
	}
	if err := json.Unmarshal([]byte(c.User()), &payload); err != nil || len(payload.Segments) == 0 {
		return nil, errors.New("the user message is not the segment JSON")
	}
	return payload.Segments, nil
}

// Usage is the token count a completion reports.
type Usage struct {
	PromptTokens, CompletionTokens int
}

// Completion is the body of a chat completion whose one choice is an
// assistant message saying content, as OpenAI documents it.
func Completion(id, model, content string, usage Usage) map[string]any {
	return map[string]any{
		"id": id, "object": "chat.completion", "created": time.Now().Unix(), "model": model,
		"choices": []any{map[string]any{
			"index": 0, "finish_reason": "stop", "logprobs": nil,
			"message": map[string]any{"role": "assistant", "content": content, "refusal": nil},
		}},
		"usage": map[string]int{
			"prompt_tokens": usage.PromptTokens, "completion_tokens": usage.CompletionTokens,
			"total_tokens": usage.PromptTokens + usage.CompletionTokens,
		},
	}
}

// TranslationsContent is the assistant message answering a translation
// request: {"translations": [...]}, as the gateway's JSON schema asks.
func TranslationsContent(out []string) string {
	b, _ := json.Marshal(map[string][]string{"translations": out})
	return string(b)
}

// WriteCompletion writes the chat completion Completion describes.
func WriteCompletion(w http.ResponseWriter, id, model, content string, usage Usage) error {
	return writeJSON(w, http.StatusOK, Completion(id, model, content, usage))
}

// OpenAIError is the body of an error as OpenAI documents it; code is null
// when empty.
func OpenAIError(typ, code, message string) map[string]any {
	var c any
	if code != "" {
		c = code
	}
	return map[string]any{"error": map[string]any{"message": message, "type": typ, "param": nil, "code": c}}
}

// WriteOpenAIError writes an error answer with status in OpenAI's format.
func WriteOpenAIError(w http.ResponseWriter, status int, typ, code, message string) {
	_ = writeJSON(w, status, OpenAIError(typ, code, message))
}

// Models is the answer to GET /v1/models, listing one model: the gateway's
// readiness probe asks it.
func Models(id, owner string) map[string]any {
	return map[string]any{"object": "list",
		"data": []any{map[string]any{"id": id, "object": "model", "created": 0, "owned_by": owner}}}
}

// WriteModels writes Models(id, owner).
func WriteModels(w http.ResponseWriter, id, owner string) {
	_ = writeJSON(w, http.StatusOK, Models(id, owner))
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}
