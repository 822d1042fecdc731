package peers

import (
	"sync"
	"sync/atomic"

	"github.com/tidwall/wal"

	"github.com/rocketstore/rocketstore/bench"
)

// TidwallEngine is github.com/tidwall/wal, in its binary format with
// segments of OpenOptions.SegmentSize (its default, 20 MB, when 0). Record
// seq is the entry at index FirstIndex+seq, so the adapter keeps no table,
// and a reopen takes Len from FirstIndex and LastIndex.
//
//   - Append (NoSync) writes the entry to the tail segment with one
//     write(2) and returns: a process crash loses nothing, a machine crash
//     loses what the kernel had not yet written back.
//   - Durable Append (NoSync off) returns after Write has fsynced the tail
//     segment. tidwall/wal has no group commit: Write holds the log's lock
//     across its fsync, so concurrent durable appends queue, each paying a
//     whole fsync. It never fsyncs the directory, so on a file system that
//     needs that for a new file, a machine crash just after a segment
//     rollover may lose the new segment's records.
//
// Entries carry a length but no checksum. wal.Open refuses a tail segment
// that ends inside an entry, as a crash in the middle of a write(2) leaves
// it, so the adapter cuts that entry off and opens again (see
// openTidwallWAL): a crash interrupted its Append or, without Durable, beat
// the kernel's write-back. tidwall/wal keeps the tail segment's bytes in
// memory, so reads of recent records never touch the file.
//
// Indexes must be written in order, so mu serialises appends (with their
// fsyncs); sequence numbers follow that order. A durable append whose fsync
// fails returns the error but leaves its record written and numbered.
func TidwallEngine() bench.Engine {
	return bench.Engine{
		Name: "tidwall-wal",
		Config: "write(2) per append, NoSync; " +
			"durable: NoSync off, fsync per append under the log's lock (no group commit)",
		Open: openTidwall,
		Peer: true,
	}
}

type tidwallLog struct {
	mu    sync.Mutex    // makes choosing an index and writing it one step
	first uint64        // index of record 0
	next  atomic.Uint64 // index of the next entry; stored under mu, read without it
	log   *wal.Log
}

func openTidwall(dir string, o bench.OpenOptions) (bench.Log, error) {
	opts := *wal.DefaultOptions
	opts.NoSync = !o.Durable
	if o.SegmentSize > 0 {
		opts.SegmentSize = int(o.SegmentSize)
	}
	l, err := openTidwallWAL(dir, &opts)
	if err != nil {
		return nil, err
	}
	first, err := l.FirstIndex()
	if err != nil {
		l.Close()
		return nil, err
	}
	last, err := l.LastIndex()
	if err != nil {
		l.Close()
		return nil, err
	}
	t := &tidwallLog{first: first, log: l}
	if first == 0 { // empty: both are 0, and the first entry goes at 1
		t.first = 1
	}
	t.next.Store(max(last+1, t.first))
	return t, nil
}

func (t *tidwallLog) Append(record []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	next := t.next.Load()
	if err := t.log.Write(next, record); err != nil {
		// A failed fsync (or rollover) comes after the entry is written:
		// its index is taken, and the log's next Write needs the following.
		if last, lerr := t.log.LastIndex(); lerr == nil && last >= next {
			t.next.Store(last + 1)
		}
		return err
	}
	t.next.Store(next + 1)
	return nil
}

func (t *tidwallLog) ReadAt(seq int) ([]byte, error) {
	have := t.Len()
	if seq < 0 || seq >= have {
		return nil, bench.NoRecord(seq, have)
	}
	return t.log.Read(t.first + uint64(seq)) // Read copies: NoCopy is off
}

func (t *tidwallLog) Len() int { return int(t.next.Load() - t.first) }

func (t *tidwallLog) Close() error { return t.log.Close() } // Close fsyncs the tail segment
