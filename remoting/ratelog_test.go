package remoting

import (
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/internal/lograte"
)

// TestRateLog: a message repeated within the interval is held back and
// counted, other messages are not held back by it (the held-back count is
// lograte's, tested there).
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
	l.lim = lograte.Unlimited()
	l.warn("peer did a thing", "n", 2)
	logs.waitFor(t, "peer did a thing", "n=2")
}
