package handlers

import (
	"context"
	"errors"

	"passerelle/gateway"
)

// Shutdown tells the handlers that the process is stopping, so that every
// request in flight gets a reply before the server closes its connection.
// Either context may be nil: that stage never comes.
type Shutdown struct {
	// Stopping is done when the process begins to stop: a batch starts no
	// new article, and answers those it did not start with 503
	// shutting_down; the articles in flight go on.
	Stopping context.Context
	// Cut is done when the work still in flight must stop, a little before
	// the server gives up on its connections: each request cut answers at
	// once with 503 shutting_down (a batch with its finished articles and
	// shutting_down for the others).
	Cut context.Context
}

// errShuttingDown is what a request, or a batch's article, cut by shutdown
// answers, and the cause its context is cancelled with.
var errShuttingDown = gateway.ErrShuttingDown

// retryAfterShutdown is the Retry-After of a request cut by shutdown, in
// seconds: the other replicas are ready at once, this one once restarted.
const retryAfterShutdown = "1"

// requestContext returns the context of one API call: the request's, with
// the call's deadline, and cancelled with errShuttingDown as its cause when
// shutdown cuts the work in flight. The cancellation is not a provider's
// failure: the providers' breakers leave canceled calls out.
func (h *handler) requestContext(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancelCause := context.WithCancelCause(parent)
	ctx, cancelTimeout := context.WithTimeout(ctx, h.opts.RequestTimeout)
	stop := func() bool { return false }
	if cut := h.opts.Shutdown.Cut; cut != nil {
		stop = context.AfterFunc(cut, func() { cancelCause(errShuttingDown) })
	}
	return ctx, func() {
		stop()
		cancelTimeout()
		cancelCause(nil)
	}
}

// cutByShutdown returns the error a call that failed with err answers: the
// shutting_down error when shutdown cut it (whatever the gateway made of
// the cancellation), err otherwise.
func cutByShutdown(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), errShuttingDown) {
		return errShuttingDown
	}
	return err
}

// stopping is done when batches are to start no new article; nil when the
// handlers were given no Shutdown.
func (h *handler) stopping() <-chan struct{} {
	if s := h.opts.Shutdown.Stopping; s != nil {
		return s.Done()
	}
	return nil
}
