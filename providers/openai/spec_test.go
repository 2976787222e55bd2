package openai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"passerelle/providers"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// spec holds the schemas of testdata/openai-openapi.excerpt.json, an excerpt
// of OpenAI's OpenAPI document, and checks JSON values against them. It knows
// the keywords the excerpt uses: $ref, type, nullable, enum, minimum,
// maximum, minItems, maxItems, properties, required, additionalProperties
// (as a boolean), items, anyOf and oneOf.
type spec struct {
	schemas map[string]map[string]any
}

func loadSpec(t *testing.T) *spec {
	t.Helper()
	raw, err := os.ReadFile("testdata/openai-openapi.excerpt.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := decodeJSON(raw, &doc); err != nil {
		t.Fatalf("parse spec excerpt: %v", err)
	}
	return &spec{schemas: doc.Components.Schemas}
}

// decodeJSON decodes with json.Number, so that integers can be told from
// other numbers as the schemas require.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

// validate returns the first way data breaks the named schema, or nil.
func (s *spec) validate(schema string, data []byte) error {
	var v any
	if err := decodeJSON(data, &v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.check("$", map[string]any{"$ref": "#/components/schemas/" + schema}, v)
}

func (s *spec) check(path string, sch map[string]any, v any) error {
	if ref, ok := sch["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		target, ok := s.schemas[name]
		if !ok {
			return fmt.Errorf("%s: the excerpt has no schema %s", path, ref)
		}
		return s.check(path, target, v)
	}
	if v == nil && sch["nullable"] == true {
		return nil
	}
	if typ, ok := sch["type"].(string); ok && !hasType(v, typ) {
		return fmt.Errorf("%s: %s is not of type %s", path, show(v), typ)
	}
	if enum, ok := sch["enum"].([]any); ok && !inEnum(v, enum) {
		return fmt.Errorf("%s: %s is not one of %v", path, show(v), enum)
	}
	if n, ok := v.(json.Number); ok {
		f, _ := n.Float64()
		if lo, ok := sch["minimum"].(json.Number); ok {
			if min, _ := lo.Float64(); f < min {
				return fmt.Errorf("%s: %s is below the minimum %s", path, n, lo)
			}
		}
		if hi, ok := sch["maximum"].(json.Number); ok {
			if max, _ := hi.Float64(); f > max {
				return fmt.Errorf("%s: %s is above the maximum %s", path, n, hi)
			}
		}
	}
	if list, ok := v.([]any); ok {
		if lo, ok := sch["minItems"].(json.Number); ok {
			if min, _ := lo.Int64(); int64(len(list)) < min {
				return fmt.Errorf("%s: %d items, want at least %s", path, len(list), lo)
			}
		}
		if hi, ok := sch["maxItems"].(json.Number); ok {
			if max, _ := hi.Int64(); int64(len(list)) > max {
				return fmt.Errorf("%s: %d items, want at most %s", path, len(list), hi)
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
	if anyOf, ok := sch["anyOf"].([]any); ok {
		var errs []string
		for _, alt := range anyOf {
			err := s.check(path, alt.(map[string]any), v)
			if err == nil {
				errs = nil
				break
			}
			errs = append(errs, err.Error())
		}
		if errs != nil {
			return fmt.Errorf("%s: matches no anyOf alternative: %s", path, strings.Join(errs, "; "))
		}
	}
	if oneOf, ok := sch["oneOf"].([]any); ok {
		var matched int
		var errs []string
		for _, alt := range oneOf {
			if err := s.check(path, alt.(map[string]any), v); err != nil {
				errs = append(errs, err.Error())
			} else {
				matched++
			}
		}
		if matched != 1 {
			return fmt.Errorf("%s: matches %d oneOf alternatives, want 1: %s", path, matched, strings.Join(errs, "; "))
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
	case "null":
		return v == nil
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
	return providers.Truncate(string(b), 80)
}

// TestSpecCatchesViolations proves the checker can fail: each body breaks
// the request schema in one way the fake server must notice.
func TestSpecCatchesViolations(t *testing.T) {
	s := loadSpec(t)
	valid := `{"model":"gpt-4o-mini","messages":[{"role":"system","content":"x"},{"role":"user","content":"y"}],"temperature":0,"stream":false,` +
		`"response_format":{"type":"json_schema","json_schema":{"name":"t","schema":{"type":"object"},"strict":true}}}`
	if err := s.validate("CreateChatCompletionRequest", []byte(valid)); err != nil {
		t.Fatalf("valid request rejected: %v", err)
	}
	tests := []struct {
		name, body, want string
	}{
		{"no model", `{"messages":[{"role":"user","content":"y"}]}`, `"model" is missing`},
		{"no messages", `{"model":"m"}`, `"messages" is missing`},
		{"empty messages", `{"model":"m","messages":[]}`, "at least 1"},
		{"unknown role", `{"model":"m","messages":[{"role":"robot","content":"y"}]}`, "oneOf"},
		{"message without content", `{"model":"m","messages":[{"role":"user"}]}`, "oneOf"},
		{"temperature too high", `{"model":"m","messages":[{"role":"user","content":"y"}],"temperature":2.5}`, "anyOf"},
		{"json_schema without its object", `{"model":"m","messages":[{"role":"user","content":"y"}],"response_format":{"type":"json_schema"}}`, "oneOf"},
		{"unknown response format", `{"model":"m","messages":[{"role":"user","content":"y"}],"response_format":{"type":"yaml"}}`, "oneOf"},
		{"unreviewed property", `{"model":"m","messages":[{"role":"user","content":"y"}],"tools":[]}`, `unexpected property "tools"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.validate("CreateChatCompletionRequest", []byte(tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("validate(%s) = %v, want an error containing %q", tt.body, err, tt.want)
			}
		})
	}
}
