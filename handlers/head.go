package handlers

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
)

// router is the Gin engine that also answers HEAD on every route that answers GET, as RFC 9110
// asks: the request is routed as a GET, and the reply's status and headers
// are sent without its body. A route that streams (the job events) stops
// as soon as its headers are out: the request's context is cancelled at the
// first write of a body, so no HEAD holds a connection open.
type router struct{ engine *gin.Engine }

func (rt router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodHead {
		rt.engine.ServeHTTP(w, r)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	get := r.Clone(ctx)
	get.Method = http.MethodGet
	rt.engine.ServeHTTP(&headWriter{ResponseWriter: w, bodyStarted: cancel}, get)
}

// headWriter passes the status and headers of a reply through and drops
// its body.
type headWriter struct {
	http.ResponseWriter
	bodyStarted func()
	wroteHeader bool
}

func (w *headWriter) WriteHeader(status int) {
	if !w.wroteHeader {
		w.wroteHeader = true
		w.ResponseWriter.WriteHeader(status)
	}
}

func (w *headWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.bodyStarted()
	return len(p), nil
}

// Flush sends the headers: a streaming route flushes them before its
// first event.
func (w *headWriter) Flush() {
	w.WriteHeader(http.StatusOK)
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
	w.bodyStarted()
}

// Unwrap lets http.ResponseController reach the connection (write
// deadlines).
func (w *headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
