package bench

import (
	"fmt"
	"sync"
)

// seqChunk is how many locations one chunk of a SeqTable holds: the table
// grows by chunks, so that a million appends never copy the table (a
// growing slice would, and that copy showed up in W1's profile).
const seqChunk = 1 << 16

// SeqTable maps sequence numbers to wherever an engine put the record (a
// physical offset, a chunk position). Adapters whose engine has no index of
// its own keep one, as a consume queue does for the commit log.
type SeqTable[T any] struct {
	mu     sync.RWMutex // guards chunks and n
	chunks [][]T
	n      int
}

// Add appends loc and returns its sequence number.
func (t *SeqTable[T]) Add(loc T) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.push(loc)
}

// AddOrdered inserts loc at its place in the order less defines, scanning
// back from the end, and returns its sequence number. Concurrent appends
// return in any order; an engine whose locations grow with the log (physical
// offsets) numbers them by where they landed, as a reopen will, so that
// numbering never changes across a reopen. Late arrivals are near the end,
// so the scan is short.
func (t *SeqTable[T]) AddOrdered(loc T, less func(a, b T) bool) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := t.push(loc)
	for ; i > 0 && less(loc, *t.at(i - 1)); i-- {
		*t.at(i) = *t.at(i - 1)
	}
	*t.at(i) = loc
	return i
}

// push appends loc; t.mu is held.
func (t *SeqTable[T]) push(loc T) int {
	if t.n%seqChunk == 0 {
		t.chunks = append(t.chunks, make([]T, seqChunk))
	}
	*t.at(t.n) = loc
	t.n++
	return t.n - 1
}

func (t *SeqTable[T]) at(seq int) *T { return &t.chunks[seq/seqChunk][seq%seqChunk] }

// Get returns the location of seq, or an error wrapping ErrNoRecord.
func (t *SeqTable[T]) Get(seq int) (T, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if seq < 0 || seq >= t.n {
		var zero T
		return zero, NoRecord(seq, t.n)
	}
	return *t.at(seq), nil
}

// Len is the number of locations added.
func (t *SeqTable[T]) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.n
}

// NoRecord is the error for a ReadAt of seq when have records exist.
func NoRecord(seq, have int) error {
	return fmt.Errorf("%w: %d (have %d)", ErrNoRecord, seq, have)
}
