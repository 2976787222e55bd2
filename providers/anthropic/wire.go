package anthropic

import (
	"encoding/json"
	"strings"
)

// messagesRequest is the body of POST /v1/messages, with the fields this
// provider uses.
type messagesRequest struct {
	Model     string    `json:"model"`
	MaxTokens int       `json:"max_tokens"`
	System    string    `json:"system,omitempty"`
	Messages  []message `json:"messages"`
	// Temperature is always sent: translations should be as deterministic as
	// the model allows, and the API's default is 1.
	Temperature float64     `json:"temperature"`
	Tools       []tool      `json:"tools,omitempty"`
	ToolChoice  *toolChoice `json:"tool_choice,omitempty"`
}

// message is one turn; content as a plain string is a single text block.
type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	InputSchema json.RawMessage `json:"input_schema"`
}

// toolChoice {"type": "tool", "name": ...} makes the model call that tool.
type toolChoice struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// messagesResponse is a Messages answer.
type messagesResponse struct {
	ID         string         `json:"id"`
	Type       string         `json:"type"`
	Role       string         `json:"role"`
	Model      string         `json:"model"`
	Content    []contentBlock `json:"content"`
	StopReason string         `json:"stop_reason"`
	Usage      struct {
		InputTokens  int `json:"input_tokens"`
		OutputTokens int `json:"output_tokens"`
	} `json:"usage"`
}

// contentBlock is a text block (Text) or a tool_use block (Name, Input).
type contentBlock struct {
	Type  string          `json:"type"`
	Text  string          `json:"text,omitempty"`
	ID    string          `json:"id,omitempty"`
	Name  string          `json:"name,omitempty"`
	Input json.RawMessage `json:"input,omitempty"`
}

// text returns the text blocks of the answer, joined.
func (r messagesResponse) text() string {
	var b strings.Builder
	for _, c := range r.Content {
		if c.Type == "text" {
			b.WriteString(c.Text)
		}
	}
	return b.String()
}

// toolInput returns the input of the first call to the named tool, or nil.
func (r messagesResponse) toolInput(name string) json.RawMessage {
	for _, c := range r.Content {
		if c.Type == "tool_use" && c.Name == name {
			return c.Input
		}
	}
	return nil
}

// Stop reasons this provider acts on.
const (
	stopMaxTokens = "max_tokens"
	stopRefusal   = "refusal"
)

// errorResponse is the body of every error answer:
// {"type": "error", "error": {"type": ..., "message": ...}, "request_id": ...}.
type errorResponse struct {
	Type  string `json:"type"`
	Error *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
		// Details.ErrorCode tells a spending cap from a rate limit, both 429
		// rate_limit_error.
		Details *struct {
			ErrorCode string `json:"error_code"`
		} `json:"details"`
	} `json:"error"`
	RequestID string `json:"request_id"`
}
