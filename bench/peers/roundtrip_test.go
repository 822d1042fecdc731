package peers

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// testRecord returns record id: its id in the first 8 bytes, then a filler
// that depends on the id, 8 to 2055 bytes long, so that a record read at the
// wrong place or truncated does not compare equal.
func testRecord(id int) []byte {
	r := make([]byte, 8+(id*37)%2048)
	binary.BigEndian.PutUint64(r, uint64(id))
	for i := 8; i < len(r); i++ {
		r[i] = byte(id + i)
	}
	return r
}

// TestEnginesRoundTrip appends records to every engine, alternately async
// and durable from one goroutine, then durable from several at once, reads
// each back and closes the engine.
func TestEnginesRoundTrip(t *testing.T) {
	const sequential, writers, perWriter = 200, 8, 25
	for _, e := range Engines() {
		t.Run(e.Name, func(t *testing.T) {
			l, err := e.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if l.Name() != e.Name {
				t.Errorf("Name() = %q, registered as %q", l.Name(), e.Name)
			}
			for id := range sequential {
				appendOne := l.Append
				if id%2 == 1 {
					appendOne = l.AppendDurable
				}
				if err := appendOne(testRecord(id)); err != nil {
					t.Fatalf("append %d: %v", id, err)
				}
			}
			// One writer: sequence numbers follow the calls.
			for seq := range sequential {
				checkRecord(t, l, seq, testRecord(seq))
			}

			var wg sync.WaitGroup
			errs := make(chan error, writers)
			for w := range writers {
				wg.Go(func() {
					for i := range perWriter {
						id := sequential + w*perWriter + i
						if err := l.AppendDurable(testRecord(id)); err != nil {
							errs <- fmt.Errorf("durable append %d: %w", id, err)
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			// Concurrent writers: the order is the engine's, but every
			// record must be there once.
			seen := make(map[int]bool)
			for seq := sequential; seq < sequential+writers*perWriter; seq++ {
				got, err := l.ReadAt(seq)
				if err != nil {
					t.Fatalf("ReadAt(%d): %v", seq, err)
				}
				id := int(binary.BigEndian.Uint64(got))
				if seen[id] || id < sequential || !bytes.Equal(got, testRecord(id)) {
					t.Fatalf("ReadAt(%d) returned record %d (%d bytes): duplicate, out of range or damaged", seq, id, len(got))
				}
				seen[id] = true
			}

			total := sequential + writers*perWriter
			if _, err := l.ReadAt(total); !errors.Is(err, ErrNoRecord) {
				t.Errorf("ReadAt(%d) past the end: err = %v, want ErrNoRecord", total, err)
			}
			if err := l.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
		})
	}
}

func checkRecord(t *testing.T, l Log, seq int, want []byte) {
	t.Helper()
	got, err := l.ReadAt(seq)
	if err != nil {
		t.Fatalf("ReadAt(%d): %v", seq, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("ReadAt(%d) = %d bytes, want %d bytes of record %d", seq, len(got), len(want), seq)
	}
}
