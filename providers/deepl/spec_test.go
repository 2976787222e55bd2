package deepl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// spec holds testdata/deepl-openapi.excerpt.json, an excerpt of DeepL's
// OpenAPI document, and checks JSON values against its schemas. It knows the
// keywords the excerpt uses: $ref, type, enum, pattern, minItems, maxItems,
// properties, required, additionalProperties (as a boolean) and items.
type spec struct {
	Paths map[string]struct {
		RequestContentType string                     `json:"requestContentType"`
		Request            string                     `json:"request"`
		MaxBodyBytes       int                        `json:"x-max-body-bytes"`
		Responses          map[string]json.RawMessage `json:"responses"`
	} `json:"paths"`
	Components struct {
		Responses map[string]specResponse   `json:"responses"`
		Schemas   map[string]map[string]any `json:"schemas"`
	} `json:"components"`
}

// specResponse is a documented response: what it means, and the schema of
// its body when it has one.
type specResponse struct {
	Ref         string `json:"$ref"`
	Description string `json:"description"`
	Schema      string `json:"schema"`
}

func loadSpec(t *testing.T) *spec {
	t.Helper()
	raw, err := os.ReadFile("testdata/deepl-openapi.excerpt.json")
	if err != nil {
		t.Fatal(err)
	}
	var s spec
	if err := decodeJSON(raw, &s); err != nil {
		t.Fatalf("parse spec excerpt: %v", err)
	}
	return &s
}

// decodeJSON decodes with json.Number, so that integers can be told from
// other numbers as the schemas require.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

// response returns the documented response of operation ("POST /v2/translate")
// for status, and whether there is one.
func (s *spec) response(operation string, status int) (specResponse, bool) {
	op, ok := s.Paths[operation]
	if !ok {
		return specResponse{}, false
	}
	raw, ok := op.Responses[fmt.Sprint(status)]
	if !ok {
		return specResponse{}, false
	}
	var r specResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return specResponse{}, false
	}
	if r.Ref != "" {
		r, ok = s.Components.Responses[strings.TrimPrefix(r.Ref, "#/components/responses/")]
	}
	return r, ok
}

// validate returns the first way data breaks the schema ref
// ("#/components/schemas/X" or "X"), or nil.
func (s *spec) validate(ref string, data []byte) error {
	var v any
	if err := decodeJSON(data, &v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if !strings.HasPrefix(ref, "#/") {
		ref = "#/components/schemas/" + ref
	}
	return s.check("$", map[string]any{"$ref": ref}, v)
}

func (s *spec) check(path string, sch map[string]any, v any) error {
	if ref, ok := sch["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		target, ok := s.Components.Schemas[name]
		if !ok {
			return fmt.Errorf("%s: the excerpt has no schema %s", path, ref)
		}
		return s.check(path, target, v)
	}
	if typ, ok := sch["type"].(string); ok && !hasType(v, typ) {
		return fmt.Errorf("%s: want %s, got %s", path, typ, show(v))
	}
	if enum, ok := sch["enum"].([]any); ok && !inEnum(v, enum) {
		return fmt.Errorf("%s: %s is not one of %s", path, show(v), show(enum))
	}
	if pattern, ok := sch["pattern"].(string); ok {
		if str, isStr := v.(string); isStr && !regexp.MustCompile(pattern).MatchString(str) {
			return fmt.Errorf("%s: %q does not match %s", path, str, pattern)
		}
	}
	if list, ok := v.([]any); ok {
		if n, ok := sch["minItems"].(json.Number); ok {
			if min, _ := n.Int64(); int64(len(list)) < min {
				return fmt.Errorf("%s: %d items, want at least %d", path, len(list), min)
			}
		}
		if n, ok := sch["maxItems"].(json.Number); ok {
			if max, _ := n.Int64(); int64(len(list)) > max {
				return fmt.Errorf("%s: %d items, want at most %d", path, len(list), max)
			}
		}
		if items, ok := sch["items"].(map[string]any); ok {
			for i, item := range list {
				if err := s.check(fmt.Sprintf("%s[%d]", path, i), items, item); err != nil {
					return err
				}
			}
		}
	}
	if obj, ok := v.(map[string]any); ok {
		props, _ := sch["properties"].(map[string]any)
		for _, name := range sortedKeys(obj) {
			p, ok := props[name].(map[string]any)
			if !ok {
				if sch["additionalProperties"] == false {
					return fmt.Errorf("%s: unexpected property %q", path, name)
				}
				continue
			}
			if err := s.check(path+"."+name, p, obj[name]); err != nil {
				return err
			}
		}
		if req, ok := sch["required"].([]any); ok {
			for _, name := range req {
				if _, ok := obj[name.(string)]; !ok {
					return fmt.Errorf("%s: required property %q is missing", path, name)
				}
			}
		}
	}
	return nil
}

func hasType(v any, typ string) bool {
	switch typ {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := n.Int64()
		return err == nil
	}
	return false
}

func inEnum(v any, enum []any) bool {
	for _, e := range enum {
		if reflect.DeepEqual(v, e) {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func show(v any) string {
	b, _ := json.Marshal(v)
	return snippet(b)
}

// TestSpecCatchesViolations proves the checker can fail: each body breaks
// the request schema in one way the fake server must notice.
func TestSpecCatchesViolations(t *testing.T) {
	s := loadSpec(t)
	valid := `{"text":["Bonjour"],"source_lang":"FR","target_lang":"EN-US","show_billed_characters":true,` +
		`"formality":"prefer_less","model_type":"quality_optimized","glossary_id":"def3a26b-3e84-45b3-84ae-0c0aaf3525f7","context":"x","tag_handling":"html"}`
	if err := s.validate("TranslateTextRequest", []byte(valid)); err != nil {
		t.Fatalf("valid request rejected: %v", err)
	}
	tests := []struct {
		name, body, want string
	}{
		{"no text", `{"target_lang":"DE"}`, `"text" is missing`},
		{"no target", `{"text":["a"]}`, `"target_lang" is missing`},
		{"text not a list", `{"text":"a","target_lang":"DE"}`, "want array"},
		{"empty text", `{"text":[],"target_lang":"DE"}`, "at least 1"},
		{"51 texts", `{"text":[` + strings.Repeat(`"a",`, 50) + `"a"],"target_lang":"DE"}`, "at most 50"},
		{"lower-case target", `{"text":["a"],"target_lang":"en-us"}`, "does not match"},
		{"source with a variant", `{"text":["a"],"source_lang":"EN-US","target_lang":"DE"}`, "does not match"},
		{"unknown formality", `{"text":["a"],"target_lang":"DE","formality":"formal"}`, "is not one of"},
		{"unknown model type", `{"text":["a"],"target_lang":"DE","model_type":"fast"}`, "is not one of"},
		{"unknown tag handling", `{"text":["a"],"target_lang":"DE","tag_handling":"markdown"}`, "is not one of"},
		{"billed characters as a string", `{"text":["a"],"target_lang":"DE","show_billed_characters":"1"}`, "want boolean"},
		{"key in the body", `{"text":["a"],"target_lang":"DE","auth_key":"k"}`, `unexpected property "auth_key"`},
		{"unreviewed property", `{"text":["a"],"target_lang":"DE","split_sentences":"0"}`, `unexpected property "split_sentences"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.validate("TranslateTextRequest", []byte(tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("validate(%s) = %v, want an error containing %q", tt.body, err, tt.want)
			}
		})
	}
	if err := s.validate("ErrorResponse", []byte(`{"detail":"x"}`)); err == nil {
		t.Errorf("an error body without message passed ErrorResponse")
	}
	if err := s.validate("TranslateTextResponse", []byte(`{"translations":[{"text":"a","billed_characters":"3"}]}`)); err == nil {
		t.Errorf("billed_characters as a string passed TranslateTextResponse")
	}
}
