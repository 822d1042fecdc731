package bench

import (
	"fmt"
	"sync"
)

// SeqTable maps sequence numbers to wherever an engine put the record (a
// physical offset, a chunk position). Adapters whose engine has no index of
// its own keep one, as a consume queue does for the commit log.
type SeqTable[T any] struct {
	mu   sync.RWMutex // guards locs
	locs []T
}

// Add appends loc and returns its sequence number.
func (t *SeqTable[T]) Add(loc T) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.locs = append(t.locs, loc)
	return len(t.locs) - 1
}

// Get returns the location of seq, or an error wrapping ErrNoRecord.
func (t *SeqTable[T]) Get(seq int) (T, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if seq < 0 || seq >= len(t.locs) {
		var zero T
		return zero, NoRecord(seq, len(t.locs))
	}
	return t.locs[seq], nil
}

// Len is the number of locations added.
func (t *SeqTable[T]) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.locs)
}

// NoRecord is the error for a ReadAt of seq when have records exist.
func NoRecord(seq, have int) error {
	return fmt.Errorf("%w: %d (have %d)", ErrNoRecord, seq, have)
}
