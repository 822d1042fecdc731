package compat

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// timed is one TIMED line: a timer message the consumer received.
type timed struct {
	body              string
	dueMs, receivedMs int64
}

func timedLines(lines []string) map[string]timed {
	out := map[string]timed{}
	for _, l := range lines {
		var m timed
		if _, err := fmt.Sscanf(l, "TIMED %s %d %d", &m.body, &m.dueMs, &m.receivedMs); err == nil {
			out[m.body] = m
		}
	}
	return out
}

// TestTimerMessagesArriveAtTheirTime sends timer messages with the real
// client, which has no timer API in v2.1.2: the properties TIMER_DELAY_MS,
// TIMER_DELAY_SEC and TIMER_DELIVER_MS are set on the messages. Each
// arrives once, not before its time and within a few seconds of it; a delay
// beyond timerMaxDelaySec (3 days) is refused.
func TestTimerMessagesArriveAtTheirTime(t *testing.T) {
	c := startCluster(t, t.TempDir())
	ns := c.ns.Addr()
	runDriver(t, "create-topic", "-ns", ns, "-broker-addr", c.broker.Addr(), "-topic", "Timed")
	cons := startDriver(t, "consume", "-ns", ns, "-topic", "Timed", "-group", "cg-timed")
	cons.waitUntil(t, 30*time.Second, "the consumer to start", hasLine("READY"))

	sent := time.Now()
	runDriver(t, "send", "-ns", ns, "-topic", "Timed", "-n", "10", "-prefix", "ms", "-props", "TIMER_DELAY_MS=3000")
	runDriver(t, "send", "-ns", ns, "-topic", "Timed", "-n", "10", "-prefix", "sec", "-props", "TIMER_DELAY_SEC=2")
	at := time.Now().Add(6 * time.Second).UnixMilli()
	runDriver(t, "send", "-ns", ns, "-topic", "Timed", "-n", "10", "-prefix", "at", "-props", fmt.Sprint("TIMER_DELIVER_MS=", at))
	if got := len(bodies(cons.snapshot())); got != 0 && time.Since(sent) < 2*time.Second {
		t.Fatalf("%d timer messages arrived before any was due", got)
	}

	lines := cons.waitUntil(t, 60*time.Second, "every timer message", hasAtLeast(30))
	noDuplicates(t, bodies(lines))
	got := timedLines(lines)
	if len(got) != 30 {
		t.Fatalf("%d TIMED lines, want 30", len(got))
	}
	for body, m := range got {
		if m.receivedMs < m.dueMs {
			t.Errorf("%s received %d ms before it was due", body, m.dueMs-m.receivedMs)
		}
		if late := m.receivedMs - m.dueMs; late > 5000 {
			t.Errorf("%s received %d ms late", body, late)
		}
		asked := map[string]int64{"ms-": sent.UnixMilli() + 3000, "sec-": sent.UnixMilli() + 2000, "at-": at}
		for prefix, min := range asked {
			if strings.HasPrefix(body, prefix) && (m.dueMs < min || prefix == "at-" && m.dueMs != at) {
				t.Errorf("%s due at %d, asked for %d or later", body, m.dueMs, min)
			}
		}
	}

	refused := runDriver(t, "send", "-ns", ns, "-topic", "Timed", "-n", "1", "-prefix", "far",
		"-props", "TIMER_DELAY_SEC=259201", "-expect-error")
	if len(refused) != 1 || !strings.HasPrefix(refused[0], "SENDERR") || !strings.Contains(refused[0], "CODE: 13") ||
		!strings.Contains(refused[0], "max delay 259200000ms") {
		t.Fatalf("a delay beyond timerMaxDelaySec: %q", refused)
	}
}
