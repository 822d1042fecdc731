package bench

import (
	"errors"
	"testing"
)

func TestSeqTableAcrossChunks(t *testing.T) {
	var tab SeqTable[int64]
	less := func(a, b int64) bool { return a < b }
	n := 2*seqChunk + 10
	// Locations arrive in order except that every 7th is late by two.
	for i := 0; i < n; i += 7 {
		end := min(i+7, n)
		for _, v := range []int{i + 2, i + 3, i + 4, i + 5, i + 6, i, i + 1} {
			if v < end {
				tab.AddOrdered(int64(v)*10, less)
			}
		}
	}
	if tab.Len() != n {
		t.Fatalf("Len %d, want %d", tab.Len(), n)
	}
	for seq := range n {
		got, err := tab.Get(seq)
		if err != nil || got != int64(seq)*10 {
			t.Fatalf("Get(%d) = %d, %v", seq, got, err)
		}
	}
	if _, err := tab.Get(n); !errors.Is(err, ErrNoRecord) {
		t.Errorf("Get(Len) error %v, want ErrNoRecord", err)
	}
	if _, err := tab.Get(-1); !errors.Is(err, ErrNoRecord) {
		t.Errorf("Get(-1) error %v, want ErrNoRecord", err)
	}
}
