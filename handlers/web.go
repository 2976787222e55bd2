package handlers

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// indexPage is the web page where an editor pastes one article.
//
//go:embed web/index.html
var indexPage []byte

func (h *handler) index(c *gin.Context) {
	// The page loads nothing from elsewhere and runs only its own script.
	c.Header("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, "text/html; charset=utf-8", indexPage)
}
