package admission

import (
	"net"
	"sync"
)

// Listener bounds the connections served. It keeps accepting when the bound
// is reached, so that no connection waits in the kernel's backlog where a
// health check could not be told apart from a flood: the excess goes to
// Overflow, a small second listener whose server answers health checks and
// refuses the rest quickly, up to its own bound; beyond both, a connection
// is closed as soon as it is accepted. Each connection holds one descriptor,
// so the descriptors in use stay under max plus overflow plus one.
type Listener struct {
	net.Listener
	slots     chan struct{}
	spare     chan struct{}
	overflow  chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
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
		select {
		case l.spare <- struct{}{}:
			l.overflow <- &conn{Conn: c, slots: l.spare}
		default:
			_ = c.Close()
		}
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
	slots chan struct{}
	once  sync.Once
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { <-c.slots })
	return err
}
