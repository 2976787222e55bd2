package deepl

import (
	"errors"
	"strings"
	"testing"

	"passerelle/internal/testenv/spectest"
)

// loadSpec loads testdata/deepl-openapi.excerpt.json, an excerpt of DeepL's
// OpenAPI document, which the fake server checks every request and every
// answer against.
func loadSpec(t testing.TB) *spectest.Doc {
	t.Helper()
	return spectest.MustLoad(t, "testdata/deepl-openapi.excerpt.json")
}

// TestSpecCatchesViolations proves the checker can fail: each body breaks
// the request schema in one way the fake server must notice, and is refused
// for that reason.
func TestSpecCatchesViolations(t *testing.T) {
	doc := loadSpec(t)
	s, err := doc.Request("POST", "/v2/translate", "application/json")
	if err != nil {
		t.Fatal(err)
	}
	valid := `{"text":["Bonjour"],"source_lang":"FR","target_lang":"EN-US","show_billed_characters":true,` +
		`"formality":"prefer_less","model_type":"quality_optimized","glossary_id":"def3a26b-3e84-45b3-84ae-0c0aaf3525f7","context":"x","tag_handling":"html"}`
	if err := s.Validate([]byte(valid)); err != nil {
		t.Fatalf("valid request rejected: %v", err)
	}
	tests := []struct {
		name, body       string
		pointer, keyword string
		want             string // in the reason
	}{
		{"no text", `{"target_lang":"DE"}`, "/text", "required", `"text" is missing`},
		{"no target", `{"text":["a"]}`, "/target_lang", "required", `"target_lang" is missing`},
		{"text not a list", `{"text":"a","target_lang":"DE"}`, "/text", "type", "array"},
		{"a text not a string", `{"text":["a",3],"target_lang":"DE"}`, "/text/1", "type", "string"},
		{"empty text", `{"text":[],"target_lang":"DE"}`, "/text", "minItems", "1"},
		{"51 texts", `{"text":[` + strings.Repeat(`"a",`, 50) + `"a"],"target_lang":"DE"}`, "/text", "maxItems", "50"},
		{"lower-case target", `{"text":["a"],"target_lang":"en-us"}`, "/target_lang", "pattern", ""},
		{"source with a variant", `{"text":["a"],"source_lang":"EN-US","target_lang":"DE"}`, "/source_lang", "pattern", ""},
		{"unknown formality", `{"text":["a"],"target_lang":"DE","formality":"formal"}`, "/formality", "enum", ""},
		{"unknown model type", `{"text":["a"],"target_lang":"DE","model_type":"fast"}`, "/model_type", "enum", ""},
		{"unknown tag handling", `{"text":["a"],"target_lang":"DE","tag_handling":"markdown"}`, "/tag_handling", "enum", ""},
		{"billed characters as a string", `{"text":["a"],"target_lang":"DE","show_billed_characters":"1"}`, "/show_billed_characters", "type", "boolean"},
		{"key in the body", `{"text":["a"],"target_lang":"DE","auth_key":"k"}`, "", "properties", `"auth_key" is unsupported`},
		{"unreviewed property", `{"text":["a"],"target_lang":"DE","split_sentences":"0"}`, "", "properties", `"split_sentences" is unsupported`},
		{"not JSON", `text=a&target_lang=DE`, "", "json", ""},
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
	if _, err := doc.Request("POST", "/v2/translate", "application/x-www-form-urlencoded"); err == nil {
		t.Errorf("a form-encoded request passed: this excerpt documents the JSON request only")
	}
	if err := doc.ValidateSchema("ErrorResponse", []byte(`{"detail":"x"}`)); err == nil {
		t.Errorf("an error body without message passed ErrorResponse")
	}
	ok, err := doc.Response("POST", "/v2/translate", 200)
	if err != nil {
		t.Fatal(err)
	}
	if err := ok.Validate([]byte(`{"translations":[{"text":"a","billed_characters":"3"}]}`)); err == nil {
		t.Errorf("billed_characters as a string passed %s", ok.Name())
	}
	if _, err := doc.Response("POST", "/v2/translate", 502); err == nil {
		t.Errorf("a 502 answer is documented: the fake's tests of proxies' pages need it not to be")
	}
	if n, ok := doc.MaxBodyBytes("POST", "/v2/translate"); n != 128<<10 || !ok {
		t.Errorf("MaxBodyBytes = %d, %v; want the 128 KiB DeepL states", n, ok)
	}
}
