package admission

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Listener bounds the connections served. It keeps accepting when the bound
// is reached, so that no connection waits in the kernel's backlog where a
// health check could not be told apart from a flood.
//
// A flood of connections that send nothing (or trickle) must not keep the
// others out, so a connection that has held a slot for Quiet without sending
// a byte gives it up to a newcomer: a real client sends its request as soon
// as it connects. When no such connection holds a slot, the newcomer goes to
// Overflow, a small second listener whose server answers health checks and
// refuses the rest quickly, up to its own bound. When that is full too, the
// oldest overflow connection that has not sent a whole request is closed to
// make room, never one younger than Young: the newest is the likeliest to
// be a health check about to send its request. Each connection holds one
// descriptor, so the descriptors in use stay under max plus overflow plus
// one.
type Listener struct {
	net.Listener
	slots     chan struct{}
	spare     chan struct{}
	overflow  chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
	quiet     time.Duration

	// held are the main connections in the order they were accepted, for
	// the accepting goroutine alone; those closed or that have spoken are
	// dropped from the front as it goes.
	held []*conn

	peekBuf [1024]byte // for the accepting goroutine alone (evict)

	overflowed, silentClosed, overflowClosed, turnedAway atomic.Int64

	mu     sync.Mutex
	oldest []*conn // the overflow connections, oldest first; closed ones are dropped lazily
}

// Quiet is how long a connection may hold a slot without sending a byte
// before a newcomer may take its place.
const Quiet = time.Second

// Limit wraps ln: at most max connections are handed to its server at once,
// and at most overflow more to the server of Overflow.
func Limit(ln net.Listener, max, overflow int) *Listener {
	return &Listener{
		Listener: ln,
		slots:    make(chan struct{}, max),
		spare:    make(chan struct{}, overflow),
		// Room for every overflow slot: handing a connection over never
		// blocks the accepting loop, even before Overflow is served.
		overflow: make(chan net.Conn, overflow),
		done:     make(chan struct{}),
		quiet:    Quiet,
	}
}

// Accept returns the next connection within the bound. Errors of the
// underlying listener are returned as they are (http.Server retries the
// temporary ones).
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.takeSlot() {
			mc := newConn(c, l.slots)
			l.hold(mc)
			return mc, nil
		}
		l.toOverflow(c)
	}
}

// takeSlot takes a main slot, closing the oldest connection that has held
// one for l.quiet without a byte when none is free.
func (l *Listener) takeSlot() bool {
	select {
	case l.slots <- struct{}{}:
		return true
	default:
	}
	now := time.Now()
	for len(l.held) > 0 {
		c := l.held[0]
		if !c.closed.Load() && !c.spoke.Load() {
			if now.Sub(c.since) < l.quiet {
				break // the others came later still
			}
			l.silentClosed.Add(1)
			_ = c.Close() // gives its slot back
		}
		l.held[0] = nil
		l.held = l.held[1:]
		select {
		case l.slots <- struct{}{}:
			return true
		default:
		}
	}
	return false
}

// hold remembers c among the main connections, forgetting those that are
// closed or have spoken once they are many: only the silent ones may be
// closed for a newcomer.
func (l *Listener) hold(c *conn) {
	if len(l.held) >= 2*cap(l.slots) {
		silent := make([]*conn, 0, cap(l.slots)+1)
		for _, h := range l.held {
			if !h.closed.Load() && !h.spoke.Load() {
				silent = append(silent, h)
			}
		}
		l.held = silent
	}
	l.held = append(l.held, c)
}

// toOverflow hands c to the overflow server, making room for it when needed.
func (l *Listener) toOverflow(c net.Conn) {
	select {
	case l.spare <- struct{}{}:
	default:
		if !l.evict() {
			l.turnedAway.Add(1)
			_ = c.Close() // every overflow connection is young or being answered
			return
		}
		l.overflowClosed.Add(1)
		select {
		case l.spare <- struct{}{}:
		default:
			l.turnedAway.Add(1)
			_ = c.Close() // the slots are all held by connections being handed over
			return
		}
	}
	l.overflowed.Add(1)
	oc := newConn(c, l.spare)
	l.mu.Lock()
	if len(l.oldest) >= 2*cap(l.spare) {
		// Most are closed by now (at most cap are open): keep the open.
		open := make([]*conn, 0, cap(l.spare)+1)
		for _, o := range l.oldest {
			if !o.closed.Load() {
				open = append(open, o)
			}
		}
		l.oldest = open
	}
	l.oldest = append(l.oldest, oc)
	l.mu.Unlock()
	l.overflow <- oc
}

// evict closes the oldest overflow connection that has not sent a whole
// request's headers (it sends nothing, or trickles), which frees its slot.
// One whose request has come whole is spared, read or not, and so is a
// young one while an older one can go: under a flood of reconnections the
// newest connection, the likeliest to be a health check, would otherwise be
// closed before its request is read or answered. It reports whether it
// closed one.
func (l *Listener) evict() bool {
	now := time.Now()
	l.mu.Lock()
	var victim, young *conn
	for _, o := range l.oldest {
		if o.closed.Load() || l.arrivedWhole(o) {
			continue
		}
		if now.Sub(o.since) < Young {
			if young == nil {
				young = o
			}
			break // the others came later still
		}
		victim = o
		break
	}
	l.mu.Unlock()
	if victim == nil {
		// Every older one is being answered: the oldest young one goes
		// rather than the newcomer, which is younger still.
		victim = young
	}
	if victim == nil {
		return false
	}
	_ = victim.Close()
	return true
}

// arrivedWhole reports whether c's client has sent a whole request's
// headers, read or not by its server: a health check sends its request as
// it connects, and is answered, not closed, however slow its server is to
// read it.
func (l *Listener) arrivedWhole(c *conn) bool {
	if c.complete.Load() {
		return true
	}
	n := peek(c.Conn, l.peekBuf[:])
	if n > 0 && bytes.Contains(l.peekBuf[:n], headersEnd) {
		c.complete.Store(true)
		return true
	}
	return false
}

// Young is how long a new overflow connection is spared from eviction: the
// time for its client to send its request and for it to be read.
const Young = 20 * time.Millisecond

// Close closes the listener and Overflow.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// Active is the connections held now by the main server and by the
// overflow server.
func (l *Listener) Active() (main, overflow int) { return len(l.slots), len(l.spare) }

// Counts are what the listener has done with connections since it began.
type Counts struct {
	// Overflowed went to the overflow path, the bound being reached.
	Overflowed int64
	// SilentClosed held a main slot without a byte for Quiet and were
	// closed for a newcomer.
	SilentClosed int64
	// OverflowClosed were closed to make room in the overflow, and
	// TurnedAway were closed as they came, the overflow holding only
	// requests being answered and connections too young to close.
	OverflowClosed, TurnedAway int64
}

// Counts returns what the listener has done so far.
func (l *Listener) Counts() Counts {
	return Counts{Overflowed: l.overflowed.Load(), SilentClosed: l.silentClosed.Load(),
		OverflowClosed: l.overflowClosed.Load(), TurnedAway: l.turnedAway.Load()}
}

// Overflow is the listener of the connections beyond the bound.
func (l *Listener) Overflow() net.Listener { return overflowListener{l} }

type overflowListener struct{ l *Listener }

func (o overflowListener) Accept() (net.Conn, error) {
	select {
	case c := <-o.l.overflow:
		return c, nil
	case <-o.l.done:
		return nil, net.ErrClosed
	}
}

// Close stops handing connections to the overflow server; the main
// listener stays open.
func (o overflowListener) Close() error {
	o.l.closeOnce.Do(func() { close(o.l.done) })
	return nil
}

func (o overflowListener) Addr() net.Addr { return o.l.Addr() }

// conn gives its slot back when it is closed, once, and remembers whether
// its client has sent anything.
type conn struct {
	net.Conn
	slots    chan struct{}
	since    time.Time
	once     sync.Once
	closed   atomic.Bool
	spoke    atomic.Bool // its client has sent something
	complete atomic.Bool // a request's headers, to their blank line
	tail     [3]byte     // the last bytes read, while not complete
}

func newConn(c net.Conn, slots chan struct{}) *conn {
	return &conn{Conn: c, slots: slots, since: time.Now()}
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.complete.Load() {
		c.spoke.Store(true)
		if c.endsHeaders(p[:n]) {
			c.complete.Store(true)
		}
	}
	return n, err
}

// endsHeaders reports whether b, read after what was read before, holds
// the blank line that ends a request's headers. Only the reading goroutine
// calls it.
func (c *conn) endsHeaders(b []byte) bool {
	if bytes.Contains(b, headersEnd) {
		return true
	}
	// The blank line may straddle this read and the one before.
	var seam [6]byte
	k := copy(seam[:], c.tail[:])
	k += copy(seam[k:], b)
	if bytes.Contains(seam[:k], headersEnd) {
		return true
	}
	if len(b) >= 3 {
		copy(c.tail[:], b[len(b)-3:])
	} else {
		copy(c.tail[:], seam[k-3:k])
	}
	return false
}

var headersEnd = []byte("\r\n\r\n")

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.closed.Store(true)
		<-c.slots
	})
	return err
}
