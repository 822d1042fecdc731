package nameserver

import (
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/internal/logtest"
	"github.com/rocketstore/rocketstore/remoting"
)

// TestLogging: registrations, expiries, dropped broker connections and
// refused requests each leave a line; a refusal repeated in a loop leaves
// one.
func TestLogging(t *testing.T) {
	clock := newFakeClock()
	log, logs := logtest.New()
	ns := startNameServer(t, &Options{Now: clock.Now, Logger: log, ScanInterval: 5 * time.Millisecond})
	clA, clB := newClient(t), newClient(t)
	v := DataVersion{Timestamp: 1, Counter: 1}

	register(t, clA, ns, masterA, v, topicConfig("TopicTest", 4))
	register(t, clA, ns, masterA, v, topicConfig("TopicTest", 4))
	register(t, clB, ns, masterB, v, topicConfig("TopicTest", 4))
	if n := len(logs.Lines("msg=\"broker registered\"")); n != 2 {
		t.Fatalf("%d 'broker registered' lines for two brokers:\n%v", n, logs.Lines("broker"))
	}
	if n := len(logs.Lines("broker re-registered")); n != 1 {
		t.Fatalf("%d re-registration lines", n)
	}

	for range 50 {
		wantCode(t, invoke(t, clA, ns.Addr(), remoting.NewRequest(remoting.RequestRegisterBroker, map[string]string{}, nil)), remoting.ResponseSystemError)
	}
	if n := len(logs.Lines("request refused")); n != 1 {
		t.Fatalf("%d lines for 50 identical refusals", n)
	}

	clA.Close()
	eventually(t, "the dropped connection logged", func() bool { return len(logs.Lines("broker connection closed")) == 1 })

	clock.Advance(3 * time.Minute)
	eventually(t, "the expiry logged", func() bool { return len(logs.Lines("broker expired")) == 1 })
	if lines := logs.Lines("broker expired"); len(lines) != 1 || !strings.Contains(lines[0], masterB.addr) {
		t.Fatalf("expiry lines %v", lines)
	}
}
