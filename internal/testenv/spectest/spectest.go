// Package spectest checks the wire format of the paid vendors' fake servers
// against the vendors' own OpenAPI documents, so that a test passing against
// a fake means a request the real API would accept and an answer it could
// send.
//
// A vendor's test package keeps an excerpt of the vendor's document in its
// testdata (the tests run from the repository alone) and loads it with Load.
// Its fake server then asks the document, not a hand-written copy of it:
// Request for the schema of an operation's request body (an undocumented
// content type is an error), Response for the schema of an answer with a
// given status, Schema for a named component schema (OpenAI documents its
// error body only there). Schema.Validate decodes a body and checks it with
// kin-openapi's validator; a failure is a *Violation naming the JSON pointer
// of the value and the keyword it broke, so that a test can tell that a body
// was refused for the right reason. testenv's own tests check the OpenAI
// stand-ins of the end-to-end tests and tools the same way.
//
// Bodies are checked with kin-openapi's own validator, for OpenAI's
// OpenAPI 3.1 excerpt too, rather than its JSON Schema 2020-12 mode: the
// excerpts use no keyword the former lacks (type "null" and nullable
// included), and only it says which keyword failed where.
package spectest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// Doc is a vendor's OpenAPI document, loaded and itself validated.
type Doc struct {
	doc *openapi3.T
}

// Load reads the OpenAPI document at path (JSON or YAML), resolves its
// references and checks that it is a valid OpenAPI document.
func Load(path string) (*Doc, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("%s is not a valid OpenAPI document: %w", path, err)
	}
	return &Doc{doc: doc}, nil
}

// MustLoad is Load for a test: a document that does not load fails it.
func MustLoad(t testing.TB, path string) *Doc {
	t.Helper()
	d, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Schema is one schema of a document, ready to validate bodies.
type Schema struct {
	name   string // what error messages call it
	schema *openapi3.Schema
}

// Name is the schema's name in the document, or where it is documented.
func (s *Schema) Name() string { return s.name }

// Schema returns the component schema called name
// ("#/components/schemas/<name>").
func (d *Doc) Schema(name string) (*Schema, error) {
	ref, ok := d.doc.Components.Schemas[name]
	if !ok || ref.Value == nil {
		return nil, fmt.Errorf("the document has no schema %s", name)
	}
	return &Schema{name: name, schema: ref.Value}, nil
}

// ValidateSchema checks body against the component schema called name.
func (d *Doc) ValidateSchema(name string, body []byte) error {
	s, err := d.Schema(name)
	if err != nil {
		return err
	}
	return s.Validate(body)
}

// Operation returns the operation documented for method and path, path being
// as the document writes it (relative to its server URL, with its
// templates, e.g. "/v2/translate").
func (d *Doc) Operation(method, path string) (*openapi3.Operation, error) {
	item := d.doc.Paths.Find(path)
	if item == nil {
		return nil, fmt.Errorf("the document has no path %s", path)
	}
	op := item.GetOperation(strings.ToUpper(method))
	if op == nil {
		return nil, fmt.Errorf("the document has no operation %s %s", method, path)
	}
	return op, nil
}

// Request returns the schema of the request body of the operation for the
// content type a client sent (its parameters, such as charset, ignored). A
// content type the operation does not document is an error, as is an
// operation that takes no body.
func (d *Doc) Request(method, path, contentType string) (*Schema, error) {
	op, err := d.Operation(method, path)
	if err != nil {
		return nil, err
	}
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil, fmt.Errorf("%s %s takes no request body", method, path)
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("%s %s: Content-Type %q: %w", method, path, contentType, err)
	}
	media := op.RequestBody.Value.Content.Get(mt)
	if media == nil || media.Schema == nil || media.Schema.Value == nil {
		return nil, fmt.Errorf("%s %s: Content-Type %q is not one the document lists (%s)",
			method, path, contentType, strings.Join(slices.Sorted(maps.Keys(op.RequestBody.Value.Content)), ", "))
	}
	return &Schema{name: schemaName(media.Schema, "request of "+method+" "+path), schema: media.Schema.Value}, nil
}

// Response returns the schema of the JSON body of the operation's answer
// with status: nil when the document gives that answer no body. An error
// says the document does not list that status at all.
func (d *Doc) Response(method, path string, status int) (*Schema, error) {
	op, err := d.Operation(method, path)
	if err != nil {
		return nil, err
	}
	var ref *openapi3.ResponseRef
	if op.Responses != nil {
		ref = op.Responses.Status(status)
	}
	if ref == nil || ref.Value == nil {
		return nil, fmt.Errorf("%s %s: the document lists no answer with status %d", method, path, status)
	}
	media := ref.Value.Content.Get("application/json")
	if media == nil || media.Schema == nil || media.Schema.Value == nil {
		return nil, nil
	}
	where := fmt.Sprintf("%d answer of %s %s", status, method, path)
	return &Schema{name: schemaName(media.Schema, where), schema: media.Schema.Value}, nil
}

// MaxBodyBytes returns the request size limit an operation states in its
// x-max-body-bytes extension, and whether it states one.
func (d *Doc) MaxBodyBytes(method, path string) (int, bool) {
	op, err := d.Operation(method, path)
	if err != nil {
		return 0, false
	}
	switch v := op.Extensions["x-max-body-bytes"].(type) {
	case float64:
		return int(v), true
	case json.Number:
		n, err := v.Int64()
		return int(n), err == nil
	}
	return 0, false
}

// schemaName is the component name a reference points to, else where.
func schemaName(ref *openapi3.SchemaRef, where string) string {
	if name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/"); ok {
		return name
	}
	return where
}

// Violation is the first way a body breaks a schema.
type Violation struct {
	Schema  string // the schema's name
	Pointer string // JSON pointer of the offending value, "" for the body itself
	Keyword string // the schema keyword it breaks: "required", "type", "oneOf"…
	Reason  string
}

func (v *Violation) Error() string {
	return v.Schema + " " + v.short()
}

// Validate checks that body is JSON that fits the schema. A body that is not
// JSON is an error too, with Keyword "json".
func (s *Schema) Validate(body []byte) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&v); err != nil {
		return &Violation{Schema: s.name, Keyword: "json", Reason: "not JSON: " + err.Error()}
	}
	if dec.More() {
		return &Violation{Schema: s.name, Keyword: "json", Reason: "not JSON: data after the value"}
	}
	err := s.schema.VisitJSON(v)
	if err == nil {
		return nil
	}
	return s.violation(err)
}

// violation turns kin-openapi's error into a Violation: the outermost
// schema error, with the reasons each alternative of a oneOf or anyOf failed.
func (s *Schema) violation(err error) error {
	var me openapi3.MultiError
	if errors.As(err, &me) && len(me) > 0 && !isSchemaError(err) {
		err = me[0]
	}
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		return &Violation{Schema: s.name, Keyword: "?", Reason: err.Error()}
	}
	reason := se.Reason
	if reason == "" {
		reason = "does not match the schema"
	}
	if se.Origin != nil {
		var alts openapi3.MultiError
		if errors.As(se.Origin, &alts) {
			var why []string
			for _, e := range alts {
				why = append(why, s.violation(e).(*Violation).short())
			}
			reason += ": " + strings.Join(why, "; ")
		}
	}
	return &Violation{Schema: s.name, Pointer: pointer(se), Keyword: se.SchemaField, Reason: reason}
}

func isSchemaError(err error) bool {
	_, ok := err.(*openapi3.SchemaError)
	return ok
}

func pointer(se *openapi3.SchemaError) string {
	var b strings.Builder
	for _, p := range se.JSONPointer() {
		b.WriteByte('/')
		b.WriteString(p)
	}
	return b.String()
}

// short is the violation without the schema's name.
func (v *Violation) short() string {
	return fmt.Sprintf("%s: %s (%s)", cmp.Or(v.Pointer, "/"), v.Reason, v.Keyword)
}
