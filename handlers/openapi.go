package handlers

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"go.yaml.in/yaml/v3"
)

// openapiYAML is the contract of this API, written as YAML to be read; it
// is served as JSON at GET /openapi.json.
//
//go:embed openapi.yaml
var openapiYAML []byte

// openapiJSON is openapiYAML as JSON, converted once at start: the file is
// part of the binary, so a broken one stops the program at once (and the
// tests before it).
var openapiJSON = mustJSON(openapiYAML)

func mustJSON(doc []byte) []byte {
	out, err := yamlToJSON(doc)
	if err != nil {
		panic(fmt.Sprintf("handlers: openapi.yaml: %v", err))
	}
	return out
}

// yamlToJSON decodes a YAML document, anchors and aliases resolved, and
// encodes it as JSON. A mapping with a key that is not a string (an
// unquoted status code such as 200) cannot be JSON: it is an error, to be
// fixed by quoting the key.
func yamlToJSON(doc []byte) ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(doc, &v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

func (h *handler) openapi(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openapiJSON)
}

// licenceText is what GET /license answers, the licence the document's
// info.license names.
const licenceText = `Passerelle
Copyright (c) 2026 the Passerelle authors. All rights reserved.

No licence to use, copy, modify or distribute this software is granted
yet. Ask the authors for one.
`

func (h *handler) license(c *gin.Context) {
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(licenceText))
}
