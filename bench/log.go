package bench

import "errors"

// Log is what an engine offers the log workloads (W1–W4): append records,
// read them back by sequence number, reopen what was written.
//
// Sequence numbers: records whose Append returned without error are numbered
// 0, 1, 2, ... With one writer that is the order of the calls; among appends
// that run concurrently it is the order the adapter documents. A reopened log
// numbers the records it recovered the same way.
//
// All methods may be called from several goroutines, except Close, which must
// be the last call.
type Log interface {
	// Append stores record. Opened with OpenOptions.Durable it returns once
	// the record survives a machine crash (fsynced, alone or in a group
	// commit); otherwise once a process crash can no longer lose it.
	Append(record []byte) error
	// ReadAt returns the record with sequence number seq, or an error
	// wrapping ErrNoRecord. The slice is the caller's.
	ReadAt(seq int) ([]byte, error)
	// Len is the number of records readable: appended since Open, plus
	// those Open recovered.
	Len() int
	// Close makes everything durable and releases the engine's files. The
	// directory stays for the caller to remove or reopen.
	Close() error
}

// OpenOptions are the few settings every adapter maps onto its engine.
type OpenOptions struct {
	// Durable makes every Append wait for the disk (W2).
	Durable bool
	// SegmentSize is the size of the engine's files where it has such a
	// setting; 0 keeps the engine's default. Smoke runs use small ones.
	SegmentSize int64
}

// Engine names a log engine and opens it.
type Engine struct {
	// Name appears in tables and charts.
	Name string
	// Config says in a few words how the adapter sets the engine up, for
	// each of Append's two modes.
	Config string
	// Open opens the engine in dir, which is empty or holds what an earlier
	// Open of the same engine wrote (then it recovers it, as after a crash
	// when that Open was never closed).
	Open func(dir string, o OpenOptions) (Log, error)
	// Unsupported maps a workload ID to why the engine cannot run it; the
	// report prints the reason in that workload's table.
	Unsupported map[string]string
	// Peer is false for rocketstore's own engine.
	Peer bool
}

// ErrNoRecord is returned by ReadAt for a sequence number that no append has
// returned.
var ErrNoRecord = errors.New("bench: no record at this sequence number")
