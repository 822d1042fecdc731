package testkit

import (
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
)

// handedOut holds the ports LowPortAddr has returned in this process: a
// port picked for one listener is free until that listener binds it, and
// a second pick must not take it in between, nor while a process that
// listens on it is down and restarted.
var handedOut struct {
	sync.Mutex
	ports map[int]bool
}

// LowPortAddr returns a 127.0.0.1 address nothing listens on, with a port
// below Linux's ephemeral range (32768 and up), so that no outgoing
// connection takes it between the call and a listen, nor while a process
// that listens on it is down and restarted. It never returns the same
// port twice in one process.
func LowPortAddr(t testing.TB) string {
	t.Helper()
	handedOut.Lock()
	defer handedOut.Unlock()
	if handedOut.ports == nil {
		handedOut.ports = map[int]bool{}
	}
	for range 1000 {
		port := 20000 + rand.IntN(12000)
		if handedOut.ports[port] {
			continue
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			handedOut.ports[port] = true
			return addr
		}
	}
	t.Fatal("no free port between 20000 and 32000")
	return ""
}
