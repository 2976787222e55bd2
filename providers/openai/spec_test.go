package openai

import (
	"errors"
	"strings"
	"testing"

	"passerelle/internal/testenv/spectest"
)

// loadSpec loads testdata/openai-openapi.excerpt.json, an excerpt of
// OpenAI's OpenAPI document, which the fake server checks every request and
// every answer against.
func loadSpec(t testing.TB) *spectest.Doc {
	t.Helper()
	return spectest.MustLoad(t, "testdata/openai-openapi.excerpt.json")
}

// TestSpecCatchesViolations proves the checker can fail: each body breaks
// the request schema in one way the fake server must notice, and is refused
// for that reason.
func TestSpecCatchesViolations(t *testing.T) {
	s, err := loadSpec(t).Request("POST", "/chat/completions", "application/json")
	if err != nil {
		t.Fatal(err)
	}
	valid := `{"model":"gpt-4o-mini","messages":[{"role":"system","content":"x"},{"role":"user","content":"y"}],"temperature":0,"stream":false,` +
		`"response_format":{"type":"json_schema","json_schema":{"name":"t","schema":{"type":"object"},"strict":true}}}`
	if err := s.Validate([]byte(valid)); err != nil {
		t.Fatalf("valid request rejected: %v", err)
	}
	tests := []struct {
		name, body       string
		pointer, keyword string
		want             string // in the reason
	}{
		{"no model", `{"messages":[{"role":"user","content":"y"}]}`, "/model", "required", `"model" is missing`},
		{"model not a string", `{"model":4,"messages":[{"role":"user","content":"y"}]}`, "/model", "anyOf", ""},
		{"no messages", `{"model":"m"}`, "/messages", "required", `"messages" is missing`},
		{"messages not a list", `{"model":"m","messages":{"role":"user","content":"y"}}`, "/messages", "type", ""},
		{"empty messages", `{"model":"m","messages":[]}`, "/messages", "minItems", "1"},
		{"unknown role", `{"model":"m","messages":[{"role":"robot","content":"y"}]}`, "/messages/0", "oneOf", ""},
		{"message without content", `{"model":"m","messages":[{"role":"user"}]}`, "/messages/0", "oneOf", `"content" is missing`},
		{"temperature too high", `{"model":"m","messages":[{"role":"user","content":"y"}],"temperature":2.5}`, "/temperature", "anyOf", ""},
		{"stream as a string", `{"model":"m","messages":[{"role":"user","content":"y"}],"stream":"no"}`, "/stream", "type", ""},
		{"json_schema without its object", `{"model":"m","messages":[{"role":"user","content":"y"}],"response_format":{"type":"json_schema"}}`, "/response_format", "oneOf", `"json_schema" is missing`},
		{"unknown response format", `{"model":"m","messages":[{"role":"user","content":"y"}],"response_format":{"type":"yaml"}}`, "/response_format", "oneOf", ""},
		{"unreviewed property", `{"model":"m","messages":[{"role":"user","content":"y"}],"tools":[]}`, "", "properties", `"tools" is unsupported`},
		{"not JSON", `{"model":"m",`, "", "json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Validate([]byte(tt.body))
			var v *spectest.Violation
			if !errors.As(err, &v) {
				t.Fatalf("Validate(%s) = %v, want a violation of %s at %q", tt.body, err, tt.keyword, tt.pointer)
			}
			if v.Pointer != tt.pointer || v.Keyword != tt.keyword || !strings.Contains(v.Reason, tt.want) {
				t.Errorf("Validate(%s) = %v, want a violation of %s at %q saying %q", tt.body, err, tt.keyword, tt.pointer, tt.want)
			}
		})
	}
	if _, err := loadSpec(t).Request("POST", "/chat/completions", "text/plain"); err == nil {
		t.Errorf("a text/plain chat completion request passed")
	}
	for schema, body := range map[string]string{
		"ErrorResponse":                `{"error":{"message":"x","type":"server_error","param":null}}`,
		"CreateChatCompletionResponse": `{"id":"c","object":"chat.completion","created":"1741570283","model":"m","choices":[]}`,
	} {
		if err := loadSpec(t).ValidateSchema(schema, []byte(body)); err == nil {
			t.Errorf("%s passed %s", body, schema)
		}
	}
}
