package testkit

import (
	"fmt"
	"math/rand/v2"
	"net"
	"testing"
)

// LowPortAddr returns a 127.0.0.1 address nothing listens on, with a port
// below Linux's ephemeral range (32768 and up), so that no outgoing
// connection takes it between the call and a listen, nor while a process
// that listens on it is down and restarted.
func LowPortAddr(t testing.TB) string {
	t.Helper()
	for range 1000 {
		addr := fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000))
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			return addr
		}
	}
	t.Fatal("no free port between 20000 and 32000")
	return ""
}
