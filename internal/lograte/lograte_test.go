package lograte

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLimiterOneLinePerCausePerInterval(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := New(10 * time.Second)
	l.now = func() time.Time { return now }
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))

	for range 100 {
		l.Log(log, slog.LevelWarn, "bad signature|10.0.0.1", "denied")
	}
	l.Log(log, slog.LevelWarn, "no key|10.0.0.2", "denied")
	if n := strings.Count(buf.String(), "\n"); n != 2 {
		t.Fatalf("%d lines, want one per cause:\n%s", n, &buf)
	}
	now = now.Add(10 * time.Second)
	l.Log(log, slog.LevelWarn, "bad signature|10.0.0.1", "denied")
	if !strings.Contains(buf.String(), "suppressed=99") {
		t.Fatalf("the line after the interval does not count the held-back ones:\n%s", &buf)
	}
}

// TestLimiterBounded feeds more causes than it remembers: memory stays
// bounded and new causes still get lines through the overflow entry.
func TestLimiterBounded(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := New(time.Second)
	l.now = func() time.Time { return now }
	allowed := 0
	for i := range 3 * maxKeys {
		if ok, _ := l.Allow(fmt.Sprint("peer-", i)); ok {
			allowed++
		}
	}
	if len(l.last) > maxKeys+1 { // the causes and the overflow entry
		t.Fatalf("%d causes remembered, bound %d", len(l.last), maxKeys)
	}
	if allowed != maxKeys+1 {
		t.Fatalf("%d lines allowed within one interval, want %d (one per remembered cause and one for the overflow entry)", allowed, maxKeys+1)
	}
	now = now.Add(time.Second)
	if ok, _ := l.Allow("a new peer"); !ok {
		t.Fatal("a new cause after the interval was held back")
	}
}

func TestUnlimitedLetsEveryLineThrough(t *testing.T) {
	l := Unlimited()
	for range 3 {
		if ok, _ := l.Allow("k"); !ok {
			t.Fatal("an unlimited limiter held a line back")
		}
	}
}
