package handlers

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"passerelle/gateway"
	"passerelle/internal/admission"
)

// RetryAfterOverloaded is the Retry-After, in seconds, of a request refused
// for want of room: most requests in flight finish within it.
const RetryAfterOverloaded = 2

var valueRetryAfter = []string{strconv.Itoa(RetryAfterOverloaded)}

// admit reserves what the request's body will hold in memory before a byte
// of it is read, and refuses the request with 503 overloaded when the
// process has no room for it: refusing then costs nothing. The length is
// the declared one, or the endpoint's maximum when the body is sent without
// one (chunked). The reservation is released when the request ends,
// whatever ends it (a reply, an error, a panic, the client leaving). The
// request's context carries the budget, for the work that learns what it
// needs later (a fetched page, an extracted one).
func (h *handler) admit(c *gin.Context) {
	budget := h.opts.Budget
	if budget == nil {
		c.Next()
		return
	}
	limit := h.opts.MaxBodyBytes
	switch c.FullPath() {
	case "/v1/batch":
		limit = h.opts.MaxBatchBytes
	case "/v1/jobs":
		if c.Request.Method == http.MethodPost {
			limit = h.opts.MaxJobBytes
		}
	}
	n := c.Request.ContentLength
	if n < 0 || n > limit {
		n = limit
	}
	r, err := budget.Reserve(admission.BodyCost(n))
	if err != nil {
		// The body is not read into memory: Go's server discards what is
		// left of it, up to 256 KiB, so that a client that sends its whole
		// request before reading gets this reply rather than a reset, and
		// closes the connection after the reply when more is left.
		h.writeError(c, &gateway.Error{Code: gateway.CodeOverloaded, Err: err,
			Message: "the gateway is working at capacity: send the request again shortly"})
		return
	}
	defer r.Release()
	c.Request = c.Request.WithContext(admission.WithBudget(c.Request.Context(), budget))
	c.Next()
}

// overflowRefusal is the reply of every request on a connection beyond
// server.max_connections but health, readiness and metrics.
var overflowRefusal, _ = json.Marshal(errorBody{Error: errorDetail{Code: gateway.CodeOverloaded,
	Message: "the gateway has all the connections it serves: send the request again shortly"}})

// Overflow returns the handler of the connections beyond
// server.max_connections: /healthz, /readyz and /metrics are answered by api
// as on any connection, so that a load balancer and a person paged at night
// still reach them; anything else gets 503 overloaded at once and the
// connection is closed.
func Overflow(api http.Handler) http.Handler {
	overloaded := classOf(gateway.CodeOverloaded)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz", "/readyz", "/metrics":
			api.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h["Content-Type"] = valueJSON
		h["Cache-Control"] = []string{"no-store"}
		h["Retry-After"] = overloaded.retryAfter
		h["Connection"] = []string{"close"}
		w.WriteHeader(overloaded.status)
		_, _ = w.Write(overflowRefusal)
	})
}
