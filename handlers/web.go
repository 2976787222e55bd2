package handlers

import (
	"embed"
	"net/http"
	"path"

	"github.com/gin-gonic/gin"

	"passerelle/gateway"
)

// webFiles are the web page where an editor translates one article: the
// page, its script and its style, all served from the binary.
//
//go:embed web/index.html web/app.js web/app.css
var webFiles embed.FS

var indexPage = mustRead(webFiles, "web/index.html")

// webAssets are the page's script and style, by the name under /assets/.
var webAssets = map[string]struct {
	body        []byte
	contentType string
}{
	"app.js":  {mustRead(webFiles, "web/app.js"), "text/javascript; charset=utf-8"},
	"app.css": {mustRead(webFiles, "web/app.css"), "text/css; charset=utf-8"},
}

func mustRead(fs embed.FS, name string) []byte {
	b, err := fs.ReadFile(name)
	if err != nil {
		panic("handlers: " + err.Error())
	}
	return b
}

// pagePolicy is the Content-Security-Policy of the pages: their own script
// and style only, nothing inline, nothing from elsewhere, requests to this
// gateway alone.
const pagePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (h *handler) index(c *gin.Context) {
	c.Header("Content-Security-Policy", pagePolicy)
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/html; charset=utf-8", indexPage)
}

// asset serves the page's script or style. They change with the binary:
// no-cache has the browser ask again, cheaply, rather than run an old
// script against a new API.
func (h *handler) asset(c *gin.Context) {
	a, ok := webAssets[path.Base(c.Param("name"))]
	if !ok {
		h.writeError(c, gateway.Errorf(codeNotFound, "no such endpoint: %s %s", c.Request.Method, c.Request.URL.Path))
		return
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, a.contentType, a.body)
}
