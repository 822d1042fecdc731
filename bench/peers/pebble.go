package peers

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"

	"github.com/rocketstore/rocketstore/bench"
)

// PebbleEngine is github.com/cockroachdb/pebble/v2 with default options (4
// MiB memtables, one WAL per memtable) but for a logger that drops
// informational lines, which would land in the middle of benchmark output.
// Pebble has no segment size: OpenOptions.SegmentSize is ignored. Record seq
// is the value of the key holding seq as 8 big-endian bytes, so keys sort in
// sequence order, the adapter keeps no table, and a reopen takes Len from
// the last key.
//
//   - Append is a batch applied with pebble.NoSync: it returns once the
//     record is in the memtable and in the WAL writer's current 32 KiB
//     block, in memory. The writer's goroutine writes blocks to the file
//     (write(2), no fsync) as they fill, or when a synced write or Close
//     asks, so a process crash loses the records it has not written yet,
//     although their Appends returned: those of the current block, and of
//     full blocks still queued (megabytes, in TestKilledWriter). A machine
//     crash loses what the kernel had not written back as well. This falls
//     short of bench.Log's promise for Append, and pebble has no mode in
//     between: it is pebble's unsynced mode as its users run it.
//   - Durable Append is the same batch with pebble.Sync: it returns once the
//     WAL holding the record has been fsynced. Pebble's WAL writer
//     group-commits: one fsync covers every writer waiting on it.
//
// Sequence numbers are the order in which batches enter pebble's commit
// pipeline: mu holds a key's choice and the batch's entry (ApplyNoSyncWait,
// which returns once the batch is in the memtable) together, but not the
// wait for the fsync (Batch.SyncWait). The WAL holds batches in that order
// and recovery replays a prefix of it, so a crash never leaves a hole in
// the keys. A durable append whose fsync fails returns the error but
// leaves its record numbered. (Pebble marks ApplyNoSyncWait experimental;
// with Set under mu the fsyncs would not group. W2 runs as fast as with Set
// and no mu.)
func PebbleEngine() bench.Engine {
	return bench.Engine{
		Name: "pebble",
		Config: "default options (no segment setting); pebble.NoSync: WAL blocks of 32 KiB " +
			"written when full, no fsync; durable: pebble.Sync, WAL group commit",
		Open: openPebble,
		Peer: true,
	}
}

type pebbleLog struct {
	db      *pebble.DB
	mu      sync.Mutex   // makes choosing a key and entering the commit pipeline one step
	next    atomic.Int64 // next sequence number; stored under mu, read without it
	durable bool
}

func openPebble(dir string, o bench.OpenOptions) (bench.Log, error) {
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{pebble.DefaultLogger}})
	if err != nil {
		return nil, err
	}
	p := &pebbleLog{db: db, durable: o.Durable}
	n, err := p.recoveredLen()
	if err != nil {
		db.Close()
		return nil, err
	}
	p.next.Store(n)
	return p, nil
}

// recoveredLen is one past the last key: keys have no holes.
func (p *pebbleLog) recoveredLen() (int64, error) {
	it, err := p.db.NewIter(nil)
	if err != nil {
		return 0, err
	}
	var n int64
	if it.Last() {
		k := it.Key()
		if len(k) != 8 {
			it.Close()
			return 0, fmt.Errorf("pebble: key %x is not a sequence number", k)
		}
		n = int64(binary.BigEndian.Uint64(k)) + 1
	}
	return n, errors.Join(it.Error(), it.Close())
}

func (p *pebbleLog) Append(record []byte) error {
	b := p.db.NewBatch()
	defer b.Close()
	if err := p.commit(b, record); err != nil {
		return err
	}
	if p.durable {
		return b.SyncWait()
	}
	return nil
}

// commit sets the next key to record in b and applies b, durable or not;
// a durable batch's fsync is left to the caller's SyncWait.
func (p *pebbleLog) commit(b *pebble.Batch, record []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	seq := p.next.Load()
	var key [8]byte
	binary.BigEndian.PutUint64(key[:], uint64(seq))
	if err := b.Set(key[:], record, nil); err != nil { // Set copies key and value
		return err
	}
	var err error
	if p.durable {
		err = p.db.ApplyNoSyncWait(b, pebble.Sync)
	} else {
		err = p.db.Apply(b, pebble.NoSync)
	}
	if err != nil {
		return err
	}
	p.next.Store(seq + 1)
	return nil
}

func (p *pebbleLog) ReadAt(seq int) ([]byte, error) {
	have := p.Len()
	if seq < 0 || seq >= have {
		return nil, bench.NoRecord(seq, have)
	}
	var key [8]byte
	binary.BigEndian.PutUint64(key[:], uint64(seq))
	v, closer, err := p.db.Get(key[:])
	if err != nil {
		return nil, fmt.Errorf("pebble: record %d of %d: %w", seq, have, err)
	}
	// v is valid only until closer.Close.
	defer closer.Close()
	return bytes.Clone(v), nil
}

func (p *pebbleLog) Len() int { return int(p.next.Load()) }

func (p *pebbleLog) Close() error { return p.db.Close() } // Close writes and fsyncs the WAL

// quietLogger drops pebble's informational lines and keeps its errors.
type quietLogger struct{ pebble.Logger }

func (quietLogger) Infof(string, ...any) {}
