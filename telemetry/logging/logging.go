// Package logging builds the gateway's logger: slog, JSON or text, over a
// writer that gathers lines and writes them a few times a second instead
// of once per request.
//
// An access log line per request is one write system call per request when
// the writer is the bare standard error: on the cache-hit path that was one
// more call than the Redis GET and the reply themselves. Lines at warning
// level and above are written at once, with everything before them, so that
// a problem is never held back; at most one interval of information lines
// is lost if the process is killed outright.
package logging

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Options configures New.
type Options struct {
	Level  slog.Level
	Format string // "json" (default) or "text"
	// FlushInterval is how long a line may wait in the buffer; 0 writes
	// each line at once.
	FlushInterval time.Duration
}

// Logger is a slog.Logger and the buffer under it.
type Logger struct {
	*slog.Logger
	buf *Buffer // nil when unbuffered
}

// New returns a logger writing to out.
func New(out io.Writer, opts Options) *Logger {
	l := &Logger{}
	w := out
	if opts.FlushInterval > 0 {
		l.buf = NewBuffer(out, opts.FlushInterval)
		w = l.buf
	}
	hopts := &slog.HandlerOptions{Level: opts.Level}
	var h slog.Handler
	if opts.Format == "text" {
		h = slog.NewTextHandler(w, hopts)
	} else {
		h = slog.NewJSONHandler(w, hopts)
	}
	if l.buf != nil {
		h = flushAbove{Handler: h, buf: l.buf, level: slog.LevelWarn}
	}
	l.Logger = slog.New(h)
	return l
}

// Flush writes the lines waiting in the buffer.
func (l *Logger) Flush() {
	if l.buf != nil {
		l.buf.Flush()
	}
}

// Close flushes and stops the periodic flushing.
func (l *Logger) Close() {
	if l.buf != nil {
		l.buf.Close()
	}
}

// Buffer gathers writes and passes them on every interval, when a write
// would overflow it, and on Flush. It is safe for concurrent use; each Write
// reaches the underlying writer whole (slog writes one line per call).
type Buffer struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

// bufferSize holds a few hundred access log lines.
const bufferSize = 64 << 10

// NewBuffer returns a Buffer over out, flushed every interval.
func NewBuffer(out io.Writer, interval time.Duration) *Buffer {
	b := &Buffer{w: bufio.NewWriterSize(out, bufferSize), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				b.Flush()
			case <-b.stop:
				b.Flush()
				return
			}
		}
	}()
	return b
}

// Write buffers p, writing out what was buffered first when p does not fit.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(p) > b.w.Available() && b.w.Buffered() > 0 {
		if err := b.w.Flush(); err != nil {
			return 0, err
		}
	}
	return b.w.Write(p)
}

// Flush writes out what is buffered.
func (b *Buffer) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.w.Flush()
}

// Close flushes and stops the periodic flushing; later writes still go
// through the buffer, flushed only by Flush.
func (b *Buffer) Close() {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	<-b.done
}

// flushAbove writes out the buffer after each record at level or above.
type flushAbove struct {
	slog.Handler
	buf   *Buffer
	level slog.Level
}

func (h flushAbove) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= h.level {
		h.buf.Flush()
	}
	return err
}

func (h flushAbove) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushAbove{Handler: h.Handler.WithAttrs(attrs), buf: h.buf, level: h.level}
}

func (h flushAbove) WithGroup(name string) slog.Handler {
	return flushAbove{Handler: h.Handler.WithGroup(name), buf: h.buf, level: h.level}
}
