package remoting

import (
	"strings"
	"testing"
	"time"
)

// TestRateLog: a message repeated within the interval is held back and
// counted, the count reported with the next line of that message; other
// messages are not held back by it.
func TestRateLog(t *testing.T) {
	logs := &logBuffer{}
	l := newRateLog(logs.logger(), time.Hour)
	for range 5 {
		l.warn("peer did a thing", "n", 1)
	}
	l.warn("another thing")
	if got := strings.Count(logs.String(), "peer did a thing"); got != 1 {
		t.Fatalf("%d lines of a repeated message in one interval:\n%s", got, logs)
	}
	if !strings.Contains(logs.String(), "another thing") {
		t.Fatalf("a second message was held back:\n%s", logs)
	}
	l.every = 0
	l.warn("peer did a thing", "n", 2)
	logs.waitFor(t, "peer did a thing", "n=2", "suppressed=4")
}
