package admission

import (
	"net"
	"sync"
	"sync/atomic"
)

// Listener bounds the connections served. It keeps accepting when the bound
// is reached, so that no connection waits in the kernel's backlog where a
// health check could not be told apart from a flood: the excess goes to
// Overflow, a small second listener whose server answers health checks and
// refuses the rest quickly, up to its own bound. When that is full too, the
// oldest overflow connection is closed to make room: the connections that
// fill it are those that send nothing, and the newest is the likeliest to
// be a health check. Each connection holds one descriptor, so the
// descriptors in use stay under max plus overflow plus one.
type Listener struct {
	net.Listener
	slots     chan struct{}
	spare     chan struct{}
	overflow  chan net.Conn
	done      chan struct{}
	closeOnce sync.Once

	mu     sync.Mutex
	oldest []*conn // the overflow connections, oldest first; closed ones are dropped lazily
}

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
		select {
		case l.slots <- struct{}{}:
			return &conn{Conn: c, slots: l.slots}, nil
		default:
		}
		l.toOverflow(c)
	}
}

// toOverflow hands c to the overflow server, making room for it when needed.
func (l *Listener) toOverflow(c net.Conn) {
	select {
	case l.spare <- struct{}{}:
	default:
		l.evictOldest()
		select {
		case l.spare <- struct{}{}:
		default:
			_ = c.Close() // the slots are all held by connections being handed over
			return
		}
	}
	oc := &conn{Conn: c, slots: l.spare}
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

// evictOldest closes the oldest overflow connection still open, which
// frees its slot.
func (l *Listener) evictOldest() {
	l.mu.Lock()
	var victim *conn
	for len(l.oldest) > 0 && victim == nil {
		if !l.oldest[0].closed.Load() {
			victim = l.oldest[0]
		}
		l.oldest[0] = nil
		l.oldest = l.oldest[1:]
	}
	l.mu.Unlock()
	if victim != nil {
		_ = victim.Close()
	}
}

// Close closes the listener and Overflow.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// Active is the connections held now by the main server and by the
// overflow server.
func (l *Listener) Active() (main, overflow int) { return len(l.slots), len(l.spare) }

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

// conn gives its slot back when it is closed, once.
type conn struct {
	net.Conn
	slots  chan struct{}
	once   sync.Once
	closed atomic.Bool
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.closed.Store(true)
		<-c.slots
	})
	return err
}
