package admission

import (
	"net"
	"syscall"
)

// peek reads what c's client has sent already without taking it from the
// socket (MSG_PEEK) and without waiting (MSG_DONTWAIT): a health check
// sends its whole request as it connects, so it is known for one before
// its server reads it, and spared when the overflow makes room.
func peek(c net.Conn, buf []byte) int {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0
	}
	n := 0
	// Control, not Read: Read would wait for the lock its server holds
	// while it waits for the client, and Control keeps the descriptor
	// from being closed under the call all the same.
	_ = raw.Control(func(fd uintptr) {
		got, _, err := syscall.Recvfrom(int(fd), buf, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if err == nil && got > 0 {
			n = got
		}
	})
	return n
}
