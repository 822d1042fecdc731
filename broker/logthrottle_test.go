package broker

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLogThrottleLetsOneLineAPeriodThroughPerCause(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	th := newLogThrottle(time.Hour)
	for range 3 {
		th.warn(log, "a", "refused", "n", 1)
	}
	th.warn(log, "b", "refused", "n", 2)
	if lines := strings.Count(buf.String(), "\n"); lines != 2 {
		t.Fatalf("%d lines for 4 warnings of 2 causes:\n%s", lines, buf.String())
	}
	th.causes["a"].last = time.Now().Add(-2 * time.Hour) // the period is over
	buf.Reset()
	th.warn(log, "a", "refused", "n", 1)
	if !strings.Contains(buf.String(), "suppressed=2") {
		t.Fatalf("the line after the period does not count the held-back ones: %s", buf.String())
	}
	for i := range maxThrottledCauses + 10 {
		th.warn(log, fmt.Sprint("cause", i), "refused")
	}
	if n := len(th.causes); n > maxThrottledCauses {
		t.Fatalf("%d causes remembered, more than %d", n, maxThrottledCauses)
	}
}
