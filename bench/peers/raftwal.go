package peers

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftwal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"
	"github.com/hashicorp/raft-wal/segment"

	"github.com/rocketstore/rocketstore/bench"
)

// RaftWALEngine is github.com/hashicorp/raft-wal, the log store of
// hashicorp/raft, with segments of OpenOptions.SegmentSize (its default, 64
// MiB, when 0), preallocated, and its default binary codec: the record is
// the Data of a raft.Log whose Index is FirstIndex+seq, so the adapter keeps
// no table, and a reopen takes Len from FirstIndex and LastIndex. The log's
// metadata (which segments exist) lives in a BoltDB file, written only when
// a segment is sealed and the next created.
//
//   - Append is one StoreLog: the entry frame and a commit frame (a CRC of
//     the batch) go to the tail segment with one pwrite(2). raft-wal has no
//     setting that skips its fsync, so the adapter gives it its own file
//     system layer (fs.New, through segment.NewFiler and WithSegmentFiler)
//     with a Sync that does nothing: a process crash loses nothing, a
//     machine crash loses what the kernel had not yet written back, and may
//     leave a log that does not open (raft-wal takes a segment that its
//     metadata calls sealed to have been fsynced). Close fsyncs what this
//     mode wrote. Sealing a segment still commits to BoltDB, with its
//     fsyncs.
//   - Durable Append is one StoreLog on the real file system: it returns
//     after fsync of the tail segment (and, the first time, of the
//     directory). The WAL takes one writer at a time (its writeMu), and the
//     adapter must choose the index under a lock anyway, so concurrent
//     durable appends queue, each paying a whole fsync. raft-wal has no
//     group commit of its own: a batch is what one StoreLogs call is given
//     (hashicorp/raft gathers concurrent applies into one), which a
//     one-record Append cannot use.
//
// Recovery is raft-wal's own: it reads the tail segment up to the last
// commit frame whose CRC matches and drops anything after it, so a torn
// append is dropped without help. Reads of the tail come from the file
// (pread), those of sealed segments through the index frame sealing wrote.
//
// mu serialises appends (with their fsyncs); sequence numbers follow that
// order. A StoreLog that fails may have written its entry, and after a
// failed fsync nothing written since the last good one can be trusted, so
// that Append and every later one return an error (raft stops on it too);
// a reopen finds what the log holds.
//
// raft-wal's WAL.Close leaves its BoltDB file open (and locked), so the
// adapter opens that store itself and closes it after the WAL.
func RaftWALEngine() bench.Engine {
	return bench.Engine{
		Name: "raft-wal",
		Config: "64 MiB preallocated segments, default codec; one StoreLog of one entry per append (no batch), " +
			"one pwrite(2) with its commit frame; async: its segment layer over a file system whose Sync does nothing " +
			"(raft-wal has no fsync setting); durable: fsync per StoreLog, one writer at a time (no group commit)",
		Open: openRaftWAL,
		Peer: true,
	}
}

type raftWALLog struct {
	mu     sync.Mutex    // makes choosing an index and storing it one step
	first  uint64        // index of record 0
	next   atomic.Uint64 // index of the next entry; stored under mu, read without it
	wal    *raftwal.WAL
	meta   *metadb.BoltMetaDB
	fs     *noSyncFS // nil when durable
	failed error     // set by a failed StoreLog; guarded by mu
}

func openRaftWAL(dir string, o bench.OpenOptions) (bench.Log, error) {
	meta := &metadb.BoltMetaDB{}
	// Open's option type is unexported: the options go in a slice of its
	// underlying type and reach Open as one.
	opts := []func(*raftwal.WAL){
		raftwal.WithMetaStore(meta),
		raftwal.WithLogger(hclog.New(&hclog.LoggerOptions{Name: "raft-wal", Level: hclog.Warn})),
	}
	if o.SegmentSize > 0 {
		opts = append(opts, raftwal.WithSegmentSize(int(o.SegmentSize)))
	}
	var nfs *noSyncFS
	if !o.Durable {
		nfs = newNoSyncFS()
		opts = append(opts, raftwal.WithSegmentFiler(segment.NewFiler(dir, nfs)))
	}
	w, err := raftwal.Open(dir, func(w *raftwal.WAL) {
		for _, o := range opts {
			o(w)
		}
	})
	if err != nil {
		return nil, errors.Join(err, meta.Close())
	}
	r := &raftWALLog{wal: w, meta: meta, fs: nfs}
	first, ferr := w.FirstIndex()
	last, lerr := w.LastIndex()
	if err := errors.Join(ferr, lerr); err != nil {
		return nil, errors.Join(err, r.Close())
	}
	r.first = first
	if first == 0 { // empty: both are 0, and the first entry goes at 1
		r.first = 1
	}
	r.next.Store(max(last+1, r.first))
	return r, nil
}

func (r *raftWALLog) Append(record []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failed != nil {
		return r.failed
	}
	next := r.next.Load()
	if err := r.wal.StoreLog(&raft.Log{Index: next, Type: raft.LogCommand, Data: record}); err != nil {
		r.failed = fmt.Errorf("raft-wal: a StoreLog failed, the log takes no more appends: %w", err)
		return err
	}
	r.next.Store(next + 1)
	return nil
}

func (r *raftWALLog) ReadAt(seq int) ([]byte, error) {
	have := r.Len()
	if seq < 0 || seq >= have {
		return nil, bench.NoRecord(seq, have)
	}
	var l raft.Log
	if err := r.wal.GetLog(r.first+uint64(seq), &l); err != nil {
		return nil, err
	}
	if l.Data == nil { // the codec decodes an empty record as nil
		return []byte{}, nil
	}
	return l.Data, nil // the codec's copy, not the segment's buffer
}

func (r *raftWALLog) Len() int { return int(r.next.Load() - r.first) }

// Close closes the WAL, then its metadata store, which WAL.Close leaves
// open; in the async mode it first fsyncs every segment the log wrote.
func (r *raftWALLog) Close() error {
	err := r.wal.Close()
	if r.fs != nil {
		err = errors.Join(err, r.fs.syncWritten())
	}
	return errors.Join(err, r.meta.Close())
}
