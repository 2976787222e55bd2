package admission

import (
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"
)

// dial opens n connections to ln.
func dial(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns[i] = c
	}
	return conns
}

// closedByPeer reports whether the server closed c (a read ends at once
// rather than timing out).
func closedByPeer(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err := c.Read(make([]byte, 1))
	return err != nil && !isTimeout(err)
}

// closedEarly returns what ended a read from c within 100ms, or nil when the
// read was still waiting: the server kept c open.
func closedEarly(t *testing.T, c net.Conn) error {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 1)); err == nil || !isTimeout(err) {
		return fmt.Errorf("read: %v", err)
	}
	return nil
}

// limited listens on a loopback port through Limit(max, overflow), with
// quiet as its quiet time unless zero, and hands what its main and overflow
// listeners accept to served and overflowed; it is closed at the end of t.
func limited(t *testing.T, max, overflow int, quiet time.Duration) (l *Listener, addr string, served, overflowed chan net.Conn) {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l = Limit(inner, max, overflow)
	if quiet != 0 {
		l.quiet = quiet
	}
	t.Cleanup(func() { l.Close() })
	served, overflowed = make(chan net.Conn, 10), make(chan net.Conn, 10)
	accept := func(ln net.Listener, to chan<- net.Conn) {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			to <- c
		}
	}
	go accept(l, served)
	go accept(l.Overflow(), overflowed)
	return l, inner.Addr().String(), served, overflowed
}

func TestListenerHandsTheExcessToOverflowThenEvictsTheOldest(t *testing.T) {
	l, addr, served, overflowed := limited(t, 2, 2, 0)
	clients := dial(t, addr, 2)
	mainConns := []net.Conn{<-served, <-served}
	clients = append(clients, dial(t, addr, 2)...)
	for range 2 {
		select {
		case c := <-overflowed:
			// Its server waits for its request, which never comes.
			go func() { _, _ = c.Read(make([]byte, 1)) }()
		case c := <-served:
			t.Fatalf("connection %v served beyond the bound of 2", c.RemoteAddr())
		case <-time.After(2 * time.Second):
			t.Fatal("the excess connection reached neither server")
		}
	}
	if m, o := l.Active(); m != 2 || o != 2 {
		t.Fatalf("active = %d main, %d overflow; want 2, 2", m, o)
	}

	// A fifth connection takes the place of the oldest overflow one.
	time.Sleep(2 * Young) // past the time an overflow connection is spared
	clients = append(clients, dial(t, addr, 1)...)
	select {
	case <-overflowed:
	case <-time.After(2 * time.Second):
		t.Fatal("the newest connection did not reach the overflow server")
	}
	if !closedByPeer(clients[2]) {
		t.Error("the oldest overflow connection is still open")
	}
	if m, o := l.Active(); m != 2 || o != 2 {
		t.Fatalf("after eviction active = %d main, %d overflow; want 2, 2", m, o)
	}

	// Closing a main connection frees its slot for the next.
	mainConns[0].Close()
	mainConns[0].Close()
	dial(t, addr, 1)
	select {
	case <-served:
	case <-time.After(2 * time.Second):
		t.Fatal("a freed slot was not given to the next connection")
	}
	if m, _ := l.Active(); m != 2 {
		t.Fatalf("active main = %d, want 2", m)
	}
}

func TestOverflowListenerEndsWithTheListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := Limit(inner, 1, 1)
	done := make(chan error, 1)
	go func() { _, err := l.Overflow().Accept(); done <- err }()
	l.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("overflow Accept after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("overflow Accept did not return after Close")
	}
	if _, err := l.Accept(); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("Accept after Close: %v", err)
	}
}

// A connection that holds a main slot without a byte for the quiet time
// gives it to a newcomer; one that has spoken keeps it, and so does one
// that is silent but recent. In the overflow, the oldest silent connection
// goes first, not one that has sent its request.
func TestSilentConnectionsGiveWay(t *testing.T) {
	_, addr, served, overflowed := limited(t, 2, 2, 200*time.Millisecond)
	read := func(c net.Conn) {
		// What a server does with a connection: read what its client sent.
		go func() { _, _ = c.Read(make([]byte, 16)) }()
	}
	clients := dial(t, addr, 2)
	talker, silent := <-served, <-served
	if _, err := clients[0].Write([]byte("GET / HTTP/1.1\r\n")); err != nil {
		t.Fatal(err)
	}
	read(talker)
	read(silent)
	time.Sleep(300 * time.Millisecond) // past quiet: the silent one may be closed

	clients = append(clients, dial(t, addr, 1)...)
	select {
	case newcomer := <-served:
		// It speaks: no main slot may be taken from now on.
		if _, err := clients[2].Write([]byte("GET / HTTP/1.1\r\n")); err != nil {
			t.Fatal(err)
		}
		read(newcomer)
	case <-overflowed:
		t.Fatal("the newcomer went to the overflow while a silent connection held a main slot past the quiet time")
	case <-time.After(2 * time.Second):
		t.Fatal("the newcomer reached neither server")
	}
	if !closedByPeer(clients[1]) {
		t.Error("the silent connection still holds its slot")
	}
	if err := closedEarly(t, clients[0]); err != nil {
		t.Errorf("the connection that spoke was closed: %v", err)
	}

	// Every main connection has spoken: the next ones go to the overflow.
	// There the one that has spoken stays and the silent one goes.
	over := dial(t, addr, 2)
	a, b := <-overflowed, <-overflowed
	if _, err := over[1].Write([]byte("GET /healthz HTTP/1.1\r\n")); err != nil {
		t.Fatal(err)
	}
	read(a)
	read(b)
	time.Sleep(100 * time.Millisecond)
	dial(t, addr, 1)
	<-overflowed
	if !closedByPeer(over[0]) {
		t.Error("the silent overflow connection was kept")
	}
	if err := closedEarly(t, over[1]); err != nil {
		t.Errorf("the overflow connection that sent its request was closed instead: %v", err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestEndsHeaders(t *testing.T) {
	for _, reads := range [][]string{
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n"},
		{"GET / HTTP/1.1\r\nHost: a\r\n", "\r\n"},
		{"GET / HTTP/1.1\r\nHost: a\r", "\n\r\n"},
		{"GET / HTTP/1.1\r\n", "\r", "\n"},
		{"a\r", "\n", "\r", "\n"},
	} {
		c := &conn{}
		ended := false
		for _, r := range reads {
			ended = c.endsHeaders([]byte(r))
		}
		if !ended {
			t.Errorf("%q: the end of the headers was not seen", reads)
		}
	}
	for _, reads := range [][]string{
		{"GET / HTTP/1.1\r\nHost: a\r\n"},
		{"GET / HTTP/1.1\r\n", "X-Slow: 1\r\n", "X-Slow: 1\r\n"},
		{"\r\n", "x", "\r\n"},
	} {
		c := &conn{}
		for _, r := range reads {
			if c.endsHeaders([]byte(r)) {
				t.Errorf("%q: an end of headers seen where there is none", reads)
			}
		}
	}
}

// A connection that sent its whole request as it connected (a health check)
// is never closed to make room in the overflow, even before its server
// reads it: the newcomer is turned away instead.
func TestAWholeRequestKeepsItsOverflowSlot(t *testing.T) {
	_, addr, _, overflowed := limited(t, 1, 1, 0) // and no connection is read
	first := dial(t, addr, 1)
	if _, err := first[0].Write([]byte("GET / HTTP/1.1\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	probe := dial(t, addr, 1)[0]
	if _, err := probe.Write([]byte("GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	<-overflowed
	time.Sleep(2 * Young)
	late := dial(t, addr, 1)[0]
	if !closedByPeer(late) {
		t.Error("the newcomer was given a slot held by a whole request")
	}
	if err := closedEarly(t, probe); err != nil {
		t.Errorf("the connection that sent its whole request was closed: %v", err)
	}
}
