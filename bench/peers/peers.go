// Package peers puts RocketStore's commit log beside other Go write-ahead
// logs and storage engines behind one small interface, so that the same
// benchmarks (bench_test.go) measure each of them on the same machine and
// disk.
//
// It is a module of its own (see README.md) so that the engines it compares
// with stay out of the library's go.mod.
//
// Every adapter stores the record it is given as an opaque value and adds
// its engine's own framing (RocketStore wraps it as the body of a RocketMQ
// message; the others add a chunk or entry header, pebble a key and a WAL
// batch header); figures count only the caller's record bytes.
package peers

import (
	"errors"
	"fmt"
	"sync"
)

// Log is the contract every engine adapter keeps.
//
// Sequence numbers: the adapter numbers the records whose append returned
// without error 0, 1, 2, ... With one writer that is the order of the
// calls; among appends that run concurrently the order is unspecified (each
// adapter's doc says what it uses). Async and durable appends share one
// numbering.
//
// All methods may be called from several goroutines, except Close, which
// must be the last call.
type Log interface {
	// Name is the engine's name as it appears in benchmark names.
	Name() string
	// Append stores record without waiting for it to reach the disk: no
	// fsync per record. The adapter's doc says what a crash may lose.
	Append(record []byte) error
	// AppendDurable stores record and returns once it survives a machine
	// crash (it has been fsynced, alone or in a group commit).
	AppendDurable(record []byte) error
	// ReadAt returns a copy of the record with sequence number seq, or an
	// error wrapping ErrNoRecord if no append has returned it yet.
	ReadAt(seq int) ([]byte, error)
	// Close makes everything durable, stops the engine and releases its
	// files. The directory is left for the caller to remove.
	Close() error
}

// Engine names an engine and opens it in a directory the caller owns.
type Engine struct {
	Name string
	Open func(dir string) (Log, error)
}

// ErrNoRecord is returned by ReadAt for a sequence number that no append
// has returned.
var ErrNoRecord = errors.New("peers: no record at this sequence number")

// Engines lists every adapter, RocketStore first.
func Engines() []Engine {
	return []Engine{
		{Name: rocketstoreName, Open: openRocketstore},
		{Name: tidwallName, Open: openTidwall},
		{Name: rosedbName, Open: openRosedb},
		{Name: pebbleName, Open: openPebble},
	}
}

// seqTable maps sequence numbers to wherever an engine put the record
// (a file offset, a chunk position). Adapters whose engine has no index of
// its own keep one, as a consume queue does for the commit log.
type seqTable[T any] struct {
	mu   sync.RWMutex // guards locs
	locs []T
}

// add appends loc and returns its sequence number.
func (t *seqTable[T]) add(loc T) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.locs = append(t.locs, loc)
	return len(t.locs) - 1
}

// get returns the location of seq.
func (t *seqTable[T]) get(seq int) (T, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if seq < 0 || seq >= len(t.locs) {
		var zero T
		return zero, noRecord(seq, len(t.locs))
	}
	return t.locs[seq], nil
}

// noRecord is the error for seq when have records exist.
func noRecord(seq, have int) error {
	return fmt.Errorf("%w: %d (have %d)", ErrNoRecord, seq, have)
}
