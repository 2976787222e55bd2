package handlers

import (
	"fmt"

	"github.com/gin-gonic/gin"

	"passerelle/gateway"
)

// A dialect is the wire format of another service's API that Passerelle
// also speaks (LibreTranslate's, DeepL's), so that the tools written for
// that service work against it unchanged. A dialect's routes go through the
// same authentication, admission, limits and gateway calls as /v1; what
// differs is where the client presents its key and how an error is written.
//
// Both are set on the request's context by the dialect's first middleware:
// setPresentedKey with the key as the dialect carries it (a form field, its own
// header), and speakErrors with the dialect's writer of errors, which
// writeError then uses for every error of the request, those of the shared
// middleware included.

const (
	ctxKeyPresentedKey = "presented_key"
	ctxKeyErrorWriter  = "error_writer"
)

// errorWriter writes an error reply in a dialect's format. status and
// detail are what the /v1 reply would carry; the writer maps them to the
// dialect's statuses and body, and aborts the request.
type errorWriter func(c *gin.Context, status int, detail errorDetail)

// setPresentedKey records the key the request presents in its dialect's way;
// authenticate reads it instead of the Authorization and X-API-Key headers.
func setPresentedKey(c *gin.Context, key string) { c.Set(ctxKeyPresentedKey, key) }

// speakErrors makes w the writer of every error of the request.
func speakErrors(c *gin.Context, w errorWriter) { c.Set(ctxKeyErrorWriter, w) }

// translateTexts makes a dialect's gateway call: req's texts as given,
// under the caller's cache policy and charged to its allowance as any /v1
// request is, the cache status and provider recorded for the access log
// and X-Cache. It fails unless there is one translation per text.
func (h *handler) translateTexts(c *gin.Context, req gateway.Request) (*gateway.Result, error) {
	var characters int
	req.Cache, req.Charge = callerCachePolicy(c), h.characterCharge(c, &characters)
	ctx, cancel := h.requestContext(c.Request.Context())
	defer cancel()
	res, err := h.gw.Translate(ctx, req)
	if err != nil {
		return nil, cutByShutdown(ctx, err)
	}
	if res.Translation == nil || len(res.Translation.Paragraphs) != len(req.Segments) {
		return nil, fmt.Errorf("dialect: %d texts sent, a translation of %d returned", len(req.Segments), paragraphsOf(res))
	}
	c.Set(ctxKeyCache, res.Cache.Status)
	c.Set(ctxKeyProvider, res.Translation.Provider)
	c.Header("X-Cache", headerCacheStatus(res.Cache.Status))
	return res, nil
}
