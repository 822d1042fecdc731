package peers

import (
	"bytes"
	"encoding/binary"
	"errors"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

const pebbleName = "pebble"

// pebbleLog adapts github.com/cockroachdb/pebble/v2 with default options
// (but for a logger that drops informational lines, which would land in
// the middle of benchmark output).
// Record seq is the value of the key holding seq as 8 big-endian bytes, so
// keys sort in sequence order and no table is needed.
//
//   - Append is Set with pebble.NoSync: it returns once the record is in the
//     memtable and queued for the WAL, which pebble's WAL writer writes
//     to the file soon after without fsync. A process crash may lose the last
//     few records, a machine crash more.
//   - AppendDurable is Set with pebble.Sync: it returns once the WAL holding
//     the record has been fsynced. Pebble's WAL writer group-commits: one
//     fsync covers every concurrent writer waiting on it.
//
// Sequence numbers are handed out by an atomic counter before the Set, so
// among concurrent appends they follow no particular order, and an append
// that fails leaves its number unused.
type pebbleLog struct {
	db   *pebble.DB
	next atomic.Int64 // next sequence number
}

func openPebble(dir string) (Log, error) {
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{pebble.DefaultLogger}})
	if err != nil {
		return nil, err
	}
	return &pebbleLog{db: db}, nil
}

func (p *pebbleLog) Name() string { return pebbleName }

func (p *pebbleLog) Append(record []byte) error { return p.set(record, pebble.NoSync) }

func (p *pebbleLog) AppendDurable(record []byte) error { return p.set(record, pebble.Sync) }

func (p *pebbleLog) set(record []byte, opts *pebble.WriteOptions) error {
	var key [8]byte
	binary.BigEndian.PutUint64(key[:], uint64(p.next.Add(1)-1))
	return p.db.Set(key[:], record, opts) // Set copies key and value
}

func (p *pebbleLog) ReadAt(seq int) ([]byte, error) {
	var key [8]byte
	binary.BigEndian.PutUint64(key[:], uint64(seq))
	v, closer, err := p.db.Get(key[:])
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, noRecord(seq, int(p.next.Load()))
	}
	if err != nil {
		return nil, err
	}
	// v is valid only until closer.Close.
	defer closer.Close()
	return bytes.Clone(v), nil
}

func (p *pebbleLog) Close() error { return p.db.Close() }

// quietLogger drops pebble's informational lines and keeps its errors.
type quietLogger struct{ pebble.Logger }

func (quietLogger) Infof(string, ...any) {}
