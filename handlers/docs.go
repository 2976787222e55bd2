package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/yuin/goldmark"
)

// The API's reference, for a reader with a browser: GET /docs renders the
// embedded OpenAPI document (the one /openapi.json serves) as one page of
// HTML, once, at start, with nothing loaded from elsewhere.

// apiDoc is what the reference shows of the OpenAPI document.
type apiDoc struct {
	Info struct {
		Title       string `json:"title"`
		Version     string `json:"version"`
		Description string `json:"description"`
	} `json:"info"`
	Tags []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"tags"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas       map[string]apiSchema         `json:"schemas"`
		Parameters    map[string]apiParameter      `json:"parameters"`
		RequestBodies map[string]apiRequestBody    `json:"requestBodies"`
		Headers       map[string]map[string]any    `json:"headers"`
		Responses     map[string]apiResponseObject `json:"responses"`
	} `json:"components"`
}

type apiOperation struct {
	Tags        []string                     `json:"tags"`
	Summary     string                       `json:"summary"`
	Description string                       `json:"description"`
	Parameters  []apiParameter               `json:"parameters"`
	RequestBody *apiRequestBody              `json:"requestBody"`
	Responses   map[string]apiResponseObject `json:"responses"`
}

type apiParameter struct {
	Ref         string     `json:"$ref"`
	Name        string     `json:"name"`
	In          string     `json:"in"`
	Required    bool       `json:"required"`
	Description string     `json:"description"`
	Schema      *apiSchema `json:"schema"`
}

type apiRequestBody struct {
	Ref         string                  `json:"$ref"`
	Description string                  `json:"description"`
	Content     map[string]apiMediaType `json:"content"`
}

type apiResponseObject struct {
	Ref         string                  `json:"$ref"`
	Description string                  `json:"description"`
	Content     map[string]apiMediaType `json:"content"`
}

type apiMediaType struct {
	Schema *apiSchema `json:"schema"`
}

type apiSchema struct {
	Ref         string               `json:"$ref"`
	Type        string               `json:"type"`
	Format      string               `json:"format"`
	Description string               `json:"description"`
	Properties  map[string]apiSchema `json:"properties"`
	Required    []string             `json:"required"`
	Items       *apiSchema           `json:"items"`
	Enum        []any                `json:"enum"`
	AllOf       []apiSchema          `json:"allOf"`
	OneOf       []apiSchema          `json:"oneOf"`
	Minimum     *float64             `json:"minimum"`
	Maximum     *float64             `json:"maximum"`
	Additional  any                  `json:"additionalProperties"`
}

// The reference page's view of the document.
type (
	docsView struct {
		Title, Version string
		Intro          template.HTML
		Sections       []docsSection
		Schemas        []docsSchema
	}
	docsSection struct {
		Name       string
		About      template.HTML
		Operations []docsOperation
	}
	docsOperation struct {
		ID, Method, Path, Summary string
		About                     template.HTML
		Parameters                []docsField
		Body                      []docsContent
		Responses                 []docsResponse
	}
	docsResponse struct {
		Status  string
		About   template.HTML
		Content []docsContent
	}
	docsContent struct {
		MediaType string
		Type      template.HTML
	}
	docsField struct {
		Name, Where string
		Required    bool
		Type        template.HTML
		About       template.HTML
	}
	docsSchema struct {
		Name   string
		About  template.HTML
		Type   template.HTML
		Fields []docsField
	}
)

// docsPage is the reference, rendered once: the document is part of the
// binary, so a document it cannot render stops the program at start (and
// the tests before it).
var docsPage = mustRenderDocs(openapiJSON)

func mustRenderDocs(raw []byte) []byte {
	page, err := renderDocs(raw)
	if err != nil {
		panic(fmt.Sprintf("handlers: openapi.yaml as a page: %v", err))
	}
	return page
}

func (h *handler) docs(c *gin.Context) {
	c.Header("Content-Security-Policy", pagePolicy)
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/html; charset=utf-8", docsPage)
}

// renderDocs renders the OpenAPI document raw (JSON) as the reference page.
func renderDocs(raw []byte) ([]byte, error) {
	var doc apiDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	view := docsView{Title: doc.Info.Title, Version: doc.Info.Version, Intro: markdown(doc.Info.Description)}
	byTag := map[string][]docsOperation{}
	for _, p := range sortedKeys(doc.Paths) {
		for _, method := range []string{"get", "post", "put", "patch", "delete"} {
			raw, ok := doc.Paths[p][method]
			if !ok {
				continue
			}
			var op apiOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("%s %s: %w", method, p, err)
			}
			tag := "other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			byTag[tag] = append(byTag[tag], doc.operation(method, p, op))
		}
	}
	for _, tag := range doc.Tags {
		view.Sections = append(view.Sections, docsSection{Name: tag.Name, About: markdown(tag.Description), Operations: byTag[tag.Name]})
		delete(byTag, tag.Name)
	}
	for _, name := range sortedKeys(byTag) {
		view.Sections = append(view.Sections, docsSection{Name: name, Operations: byTag[name]})
	}
	for _, name := range sortedKeys(doc.Components.Schemas) {
		view.Schemas = append(view.Schemas, docsSchemaOf(name, doc.Components.Schemas[name]))
	}
	var out bytes.Buffer
	if err := docsTemplate.Execute(&out, view); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func (doc *apiDoc) operation(method, p string, op apiOperation) docsOperation {
	out := docsOperation{ID: strings.ToLower(method) + strings.NewReplacer("/", "-", "{", "", "}", "").Replace(p),
		Method: strings.ToUpper(method), Path: p, Summary: op.Summary, About: markdown(op.Description)}
	for _, prm := range op.Parameters {
		if prm.Ref != "" {
			prm = doc.Components.Parameters[refName(prm.Ref)]
		}
		out.Parameters = append(out.Parameters, docsField{Name: prm.Name, Where: prm.In, Required: prm.Required,
			Type: typeOf(prm.Schema), About: markdown(prm.Description)})
	}
	if body := op.RequestBody; body != nil {
		if body.Ref != "" {
			*body = doc.Components.RequestBodies[refName(body.Ref)]
		}
		out.Body = contentOf(body.Content)
	}
	for _, status := range sortedKeys(op.Responses) {
		r := op.Responses[status]
		if r.Ref != "" {
			r = doc.Components.Responses[refName(r.Ref)]
		}
		out.Responses = append(out.Responses, docsResponse{Status: status, About: markdown(r.Description), Content: contentOf(r.Content)})
	}
	return out
}

func docsSchemaOf(name string, s apiSchema) docsSchema {
	out := docsSchema{Name: name, About: markdown(s.Description)}
	props, required := s.Properties, s.Required
	var parts []template.HTML
	for _, part := range s.AllOf {
		if part.Ref != "" {
			parts = append(parts, typeOf(&part))
		}
		for k, v := range part.Properties {
			if props == nil {
				props = map[string]apiSchema{}
			}
			props[k] = v
		}
		required = append(required, part.Required...)
	}
	if len(parts) > 0 {
		out.Type = template.HTML("all of ") + joinHTML(parts, ", ")
	} else if len(props) == 0 {
		out.Type = typeOf(&s)
	}
	for _, field := range sortedKeys(props) {
		f := props[field]
		out.Fields = append(out.Fields, docsField{Name: field, Required: slices.Contains(required, field), Type: typeOf(&f), About: markdown(f.Description)})
	}
	return out
}

func contentOf(content map[string]apiMediaType) []docsContent {
	var out []docsContent
	for _, mt := range sortedKeys(content) {
		out = append(out, docsContent{MediaType: mt, Type: typeOf(content[mt].Schema)})
	}
	return out
}

// typeOf names a schema's type, a reference as a link to its schema.
func typeOf(s *apiSchema) template.HTML {
	switch {
	case s == nil:
		return ""
	case s.Ref != "":
		name := refName(s.Ref)
		return template.HTML(fmt.Sprintf(`<a href="#schema-%s">%s</a>`, template.HTMLEscapeString(name), template.HTMLEscapeString(name)))
	case s.Type == "array":
		return "array of " + typeOf(s.Items)
	case len(s.AllOf) > 0 || len(s.OneOf) > 0:
		var parts []template.HTML
		for i := range s.AllOf {
			parts = append(parts, typeOf(&s.AllOf[i]))
		}
		for i := range s.OneOf {
			parts = append(parts, typeOf(&s.OneOf[i]))
		}
		return joinHTML(parts, " or ")
	}
	t := s.Type
	if t == "" {
		t = "object"
	}
	if s.Format != "" {
		t += " (" + s.Format + ")"
	}
	if len(s.Enum) > 0 {
		var values []string
		for _, v := range s.Enum {
			values = append(values, fmt.Sprint(v))
		}
		t += ": " + strings.Join(values, ", ")
	}
	if s.Minimum != nil || s.Maximum != nil {
		lo, hi := "", ""
		if s.Minimum != nil {
			lo = fmt.Sprint(*s.Minimum)
		}
		if s.Maximum != nil {
			hi = fmt.Sprint(*s.Maximum)
		}
		t += ", " + lo + "–" + hi
	}
	return template.HTML(template.HTMLEscapeString(t))
}

func joinHTML(parts []template.HTML, sep string) template.HTML {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(template.HTMLEscapeString(sep))
		}
		b.WriteString(string(p))
	}
	return template.HTML(b.String())
}

func refName(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }

// markdown renders a description written in CommonMark. Raw HTML in it is
// not passed through (goldmark's default): the page holds only what the
// renderer writes.
func markdown(text string) template.HTML {
	if strings.TrimSpace(text) == "" {
		return ""
	}
	var out bytes.Buffer
	if err := goldmark.Convert([]byte(text), &out); err != nil {
		return template.HTML("<p>" + template.HTMLEscapeString(text) + "</p>")
	}
	return template.HTML(out.String())
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} API reference</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body class="docs">
<header class="top">
  <a class="brand" href="/">Passerelle</a>
  <p class="tagline">API reference, version {{.Version}}</p>
  <nav class="links" aria-label="Elsewhere"><a href="/">Translate an article</a><a href="/openapi.json">OpenAPI document (JSON)</a></nav>
</header>
<div class="docs-body">
<nav class="toc" aria-label="Contents">
  <ul>
  {{range .Sections}}<li><a href="#tag-{{.Name}}">{{.Name}}</a>
    <ul>{{range .Operations}}<li><a href="#{{.ID}}"><span class="method">{{.Method}}</span> {{.Path}}</a></li>{{end}}</ul></li>
  {{end}}<li><a href="#schemas">Schemas</a></li>
  </ul>
</nav>
<main class="docs-main">
<h1>{{.Title}} API</h1>
<div class="prose">{{.Intro}}</div>
{{range .Sections}}
<section class="docs-section" aria-labelledby="tag-{{.Name}}">
  <h2 id="tag-{{.Name}}">{{.Name}}</h2>
  <div class="prose">{{.About}}</div>
  {{range .Operations}}
  <article class="operation" aria-labelledby="{{.ID}}">
    <h3 id="{{.ID}}"><span class="method">{{.Method}}</span> <code>{{.Path}}</code></h3>
    <p class="op-summary">{{.Summary}}</p>
    <div class="prose">{{.About}}</div>
    {{if .Parameters}}<h4>Parameters</h4>
    <div class="table"><table><thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead><tbody>
    {{range .Parameters}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">required</span>{{end}}</td><td>{{.Where}}</td><td>{{.Type}}</td><td>{{.About}}</td></tr>{{end}}
    </tbody></table></div>{{end}}
    {{if .Body}}<h4>Request body</h4><ul>{{range .Body}}<li><code>{{.MediaType}}</code>: {{.Type}}</li>{{end}}</ul>{{end}}
    <h4>Responses</h4>
    <div class="table"><table><thead><tr><th scope="col">Status</th><th scope="col">Description</th><th scope="col">Body</th></tr></thead><tbody>
    {{range .Responses}}<tr><td><code>{{.Status}}</code></td><td>{{.About}}</td><td>{{range .Content}}<div><code>{{.MediaType}}</code>: {{.Type}}</div>{{end}}</td></tr>{{end}}
    </tbody></table></div>
  </article>
  {{end}}
</section>
{{end}}
<section class="docs-section" aria-labelledby="schemas">
  <h2 id="schemas">Schemas</h2>
  {{range .Schemas}}
  <article class="schema" aria-labelledby="schema-{{.Name}}">
    <h3 id="schema-{{.Name}}">{{.Name}}</h3>
    <div class="prose">{{.About}}</div>
    {{if .Type}}<p>Type: {{.Type}}</p>{{end}}
    {{if .Fields}}<div class="table"><table><thead><tr><th scope="col">Field</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead><tbody>
    {{range .Fields}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">required</span>{{end}}</td><td>{{.Type}}</td><td>{{.About}}</td></tr>{{end}}
    </tbody></table></div>{{end}}
  </article>
  {{end}}
</section>
</main>
</div>
</body>
</html>
`))
