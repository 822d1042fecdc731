package bench

import (
	"testing"
	"time"
)

// TestLatencyOutsideTheRangeIsClampedNotDropped: a latency above the
// histogram's minute counts at its top, one below 1 µs at its bottom.
func TestLatencyOutsideTheRangeIsClampedNotDropped(t *testing.T) {
	h := newLatencyHistogram()
	recordLatency(h, 2*time.Minute)
	recordLatency(h, 0)
	if h.TotalCount() != 2 {
		t.Fatalf("%d latencies recorded, want 2", h.TotalCount())
	}
	if got := h.Max(); got < time.Minute.Microseconds()*99/100 {
		t.Fatalf("max %d µs, want the top of the range (a minute)", got)
	}
}
