package handlers

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// sse writes Server-Sent Events to one client (a job's events, the article
// stream), each write with a deadline of its own: the server's write
// timeout counts from the request, which a long stream outlives.
type sse struct {
	w       gin.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

// openSSE sends the headers of a stream whose writes may each take up to
// timeout.
func openSSE(c *gin.Context, timeout time.Duration) sse {
	header := c.Writer.Header()
	header.Set("Content-Type", "text/event-stream")
	header.Set("Cache-Control", "no-store")
	header.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	c.Status(http.StatusOK)
	s := sse{w: c.Writer, rc: http.NewResponseController(c.Writer), timeout: timeout}
	s.deadline()
	c.Writer.WriteHeaderNow()
	s.flush()
	return s
}

func (s sse) deadline() { _ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout)) }

func (s sse) flush() { _ = s.rc.Flush() }

// event writes one event, with its id when it has one.
func (s sse) event(name, id string, data any) {
	s.deadline()
	raw, _ := json.Marshal(data)
	var b bytes.Buffer
	b.WriteString("event: ")
	b.WriteString(name)
	b.WriteByte('\n')
	if id != "" {
		b.WriteString("id: ")
		b.WriteString(id)
		b.WriteByte('\n')
	}
	b.WriteString("data: ")
	b.Write(raw)
	b.WriteString("\n\n")
	_, _ = s.w.Write(b.Bytes())
}

// comment writes a comment (a heartbeat), at once.
func (s sse) comment(text string) {
	s.deadline()
	_, _ = s.w.Write([]byte(": " + text + "\n\n"))
	s.flush()
}
