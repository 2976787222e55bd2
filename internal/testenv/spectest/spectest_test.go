package spectest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pets is a small OpenAPI document with the shapes the vendors' excerpts use.
const pets = `{
  "openapi": "3.0.3",
  "info": {"title": "pets", "version": "1"},
  "paths": {
    "/pets": {
      "post": {
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewPet"}}}},
        "x-max-body-bytes": 1024,
        "responses": {
          "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
          "404": {"description": "no body"}
        }
      }
    }
  },
  "components": {
    "schemas": {
      "NewPet": {
        "type": "object",
        "required": ["name", "legs"],
        "additionalProperties": false,
        "properties": {
          "name": {"type": "string", "pattern": "^[A-Z]"},
          "legs": {"type": "integer", "minimum": 0},
          "tag": {"type": "string", "nullable": true}
        }
      },
      "Pet": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
    }
  }
}`

func load(t *testing.T, doc string) (*Doc, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(path)
}

// TestValidateRejectsWrongBodies: a request missing a required field, or
// with a value of the wrong type, is refused, and the violation says where
// and why.
func TestValidateRejectsWrongBodies(t *testing.T) {
	d, err := load(t, pets)
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.Request("POST", "/pets", "application/json; charset=utf-8")
	if err != nil {
		t.Fatal(err)
	}
	for _, ok := range []string{`{"name":"Rex","legs":4}`, `{"name":"Rex","legs":4,"tag":null}`} {
		if err := s.Validate([]byte(ok)); err != nil {
			t.Errorf("Validate(%s) = %v, want nil", ok, err)
		}
	}
	tests := []struct {
		body, pointer, keyword string
	}{
		{`{"name":"Rex"}`, "/legs", "required"},
		{`{"legs":4}`, "/name", "required"},
		{`{"name":"Rex","legs":"4"}`, "/legs", "type"},
		{`{"name":"Rex","legs":4.5}`, "/legs", "type"},
		{`{"name":7,"legs":4}`, "/name", "type"},
		{`{"name":"Rex","legs":-1}`, "/legs", "minimum"},
		{`{"name":"rex","legs":4}`, "/name", "pattern"},
		{`{"name":"Rex","legs":4,"owner":"x"}`, "", "properties"},
		{`[{"name":"Rex","legs":4}]`, "", "type"},
		{`{"name":"Rex","legs":4`, "", "json"},
		{`{"name":"Rex","legs":4} {}`, "", "json"},
	}
	for _, tt := range tests {
		err := s.Validate([]byte(tt.body))
		var v *Violation
		if !errors.As(err, &v) {
			t.Errorf("Validate(%s) = %v, want a violation", tt.body, err)
			continue
		}
		if v.Pointer != tt.pointer || v.Keyword != tt.keyword || v.Schema != "NewPet" {
			t.Errorf("Validate(%s) = %+v, want NewPet's %s at %q", tt.body, v, tt.keyword, tt.pointer)
		}
	}
}

func TestOperations(t *testing.T) {
	d, err := load(t, pets)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Request("POST", "/pets", "text/plain"); err == nil || !strings.Contains(err.Error(), "application/json") {
		t.Errorf("Request for text/plain = %v, want an error listing application/json", err)
	}
	if _, err := d.Request("GET", "/pets", "application/json"); err == nil {
		t.Errorf("Request for an undocumented operation succeeded")
	}
	if _, err := d.Request("POST", "/cats", "application/json"); err == nil {
		t.Errorf("Request for an undocumented path succeeded")
	}
	ok, err := d.Response("POST", "/pets", 200)
	if err != nil || ok == nil || ok.Name() != "Pet" {
		t.Fatalf("Response(200) = %v, %v; want Pet", ok, err)
	}
	if err := ok.Validate([]byte(`{"id":"1"}`)); err == nil {
		t.Errorf("an id as a string passed Pet")
	}
	if s, err := d.Response("POST", "/pets", 404); s != nil || err != nil {
		t.Errorf("Response(404) = %v, %v; want no schema and no error", s, err)
	}
	if _, err := d.Response("POST", "/pets", 500); err == nil {
		t.Errorf("Response(500), undocumented, gave no error")
	}
	if n, ok := d.MaxBodyBytes("POST", "/pets"); n != 1024 || !ok {
		t.Errorf("MaxBodyBytes = %d, %v; want 1024, true", n, ok)
	}
	if err := d.ValidateSchema("Dog", []byte(`{}`)); err == nil {
		t.Errorf("ValidateSchema of a schema the document lacks gave no error")
	}
}

// TestLoadRejectsBrokenDocuments: a document the validator could not trust
// fails to load rather than passing everything.
func TestLoadRejectsBrokenDocuments(t *testing.T) {
	for name, doc := range map[string]string{
		"dangling reference": strings.Replace(pets, `"#/components/schemas/Pet"`, `"#/components/schemas/Cat"`, 1),
		"not OpenAPI":        `{"swagger": "2.0"}`,
		"not JSON":           `{"openapi":`,
	} {
		if _, err := load(t, doc); err == nil {
			t.Errorf("%s: Load succeeded", name)
		}
	}
}
