package commitlog

import (
	"errors"
	"testing"

	"github.com/rocketstore/rocketstore/internal/testkit"
)

func TestIteratorWalksEveryRecordAndFollowsTheTail(t *testing.T) {
	l := openTest(t, t.TempDir(), &Options{TransientStorePool: true, TransientStorePoolSize: 3})
	defer l.Close()
	var offsets []int64
	for seq := int64(0); seq < 300; seq++ {
		offsets = append(offsets, mustAppend(t, l, testMessage(seq, 2000)).PhysicalOffset)
	}
	it := l.NewIterator(0, true)
	defer it.Close()
	n := 0
	for it.Next() {
		if it.Entry().Offset != offsets[n] {
			t.Fatalf("record %d at %d, want %d", n, it.Entry().Offset, offsets[n])
		}
		if seq, ok := testkit.BodySeq(it.Record().Body); !ok || seq != int64(n) {
			t.Fatalf("record %d holds seq %d (intact %v)", n, seq, ok)
		}
		n++
	}
	if it.Err() != nil || n != len(offsets) {
		t.Fatalf("iterated %d of %d records, err %v", n, len(offsets), it.Err())
	}
	if it.Offset() != l.MaxOffset() {
		t.Fatalf("iterator stopped at %d, write position %d", it.Offset(), l.MaxOffset())
	}
	// Records appended later are seen by the same iterator.
	more := mustAppend(t, l, testMessage(300, 50))
	if !it.Next() || it.Entry().Offset != more.PhysicalOffset {
		t.Fatalf("iterator did not follow the tail: err %v", it.Err())
	}
	if it.Next() {
		t.Fatal("iterator returned a record past the write position")
	}
}

func TestIteratorFromMiddleOffset(t *testing.T) {
	l := openTest(t, t.TempDir(), nil)
	defer l.Close()
	var results []AppendResult
	for seq := int64(0); seq < 200; seq++ {
		results = append(results, mustAppend(t, l, testMessage(seq, 3000)))
	}
	start := 137
	it := l.NewIterator(results[start].PhysicalOffset, false)
	defer it.Close()
	for i := start; i < len(results); i++ {
		if !it.Next() {
			t.Fatalf("stopped before record %d: %v", i, it.Err())
		}
		if it.Entry().Offset != results[i].PhysicalOffset {
			t.Fatalf("record %d at %d, want %d", i, it.Entry().Offset, results[i].PhysicalOffset)
		}
	}
}

func TestIteratorStopsAtCorruption(t *testing.T) {
	l := openTest(t, t.TempDir(), nil)
	defer l.Close()
	var results []AppendResult
	for seq := int64(0); seq < 10; seq++ {
		results = append(results, mustAppend(t, l, testMessage(seq, 500)))
	}
	// Flip a body byte of record 5 in place.
	s, err := l.ReadRange(results[5].PhysicalOffset, int(results[5].Size))
	if err != nil {
		t.Fatal(err)
	}
	s.Bytes[len(s.Bytes)-100] ^= 0xff
	s.Release()

	it := l.NewIterator(0, true)
	defer it.Close()
	n := 0
	for it.Next() {
		n++
	}
	var ce *CorruptionError
	if n != 5 || !errors.As(it.Err(), &ce) || ce.Offset != results[5].PhysicalOffset {
		t.Fatalf("iterated %d records, err %v; want 5 and a corruption at %d", n, it.Err(), results[5].PhysicalOffset)
	}
}
