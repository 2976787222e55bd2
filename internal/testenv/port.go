package testenv

import (
	"errors"
	"fmt"
	"net"
)

// redisDefaultPort is never handed out, so that a Redis of the machine is
// never touched by a test or a tool that restarts or flushes its own.
const redisDefaultPort = 6379

// LoopbackPort returns a loopback TCP port that was free a moment ago.
func LoopbackPort() (int, error) {
	for range 5 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("find a free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port != redisDefaultPort {
			return port, nil
		}
	}
	return 0, errors.New("find a free port: only 6379 was offered")
}

// FreePort is LoopbackPort for a test: no free port fails it.
func FreePort(t TB) int {
	t.Helper()
	port, err := LoopbackPort()
	if err != nil {
		t.Fatalf("%v", err)
	}
	return port
}
