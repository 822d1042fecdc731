package peers

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"go.etcd.io/etcd/server/v3/storage/wal"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/rocketstore/rocketstore/bench"
)

// etcdDefaultSegmentSize is etcd's wal.SegmentSizeBytes as the package sets
// it (64 MB), taken before any Open changes it.
var etcdDefaultSegmentSize = wal.SegmentSizeBytes

// EtcdWALEngine is etcd's write-ahead log (go.etcd.io/etcd/server/v3/
// storage/wal), in a subdirectory "wal" of the directory it is given, with
// segments of OpenOptions.SegmentSize (etcd's default, 64 MB, when 0),
// preallocated. Record seq is the Data of the raftpb.Entry of Index seq+1,
// framed as a walpb.Record with a CRC chained over the log.
//
//   - Append is one Save of that entry with an empty HardState, on a log
//     set with SetUnsafeNoFsync (etcd's --unsafe-no-fsync): Save encodes the
//     record, flushes it with write(2), asks the file its offset (lseek, to
//     know when to cut a new segment) and skips the fdatasync. A
//     process crash loses nothing, a machine crash loses what the kernel
//     had not yet written back, and may leave a log that does not open (a
//     page lost inside a segment breaks the CRC chained over the records).
//     Close fsyncs the segments, which the log's own Close skips in this
//     mode.
//   - Durable Append is the same Save without that setting: it returns
//     after fdatasync of the tail segment. Save holds the log's lock across
//     its fdatasync, and the adapter must choose the index under a lock
//     anyway, so concurrent durable appends queue, each paying a whole
//     fdatasync. The WAL has no group commit of its own: etcd batches the
//     entries of one raft Ready into one Save, which a one-record Append
//     cannot use.
//
// etcd's WAL cannot read a record back: it is written, and replayed whole
// (ReadAll) when etcd starts, which serves entries from raft's in-memory
// storage. The adapter does the same: it keeps a copy of every record in a
// bench.SeqTable, and a reopen fills it from ReadAll. So ReadAt reads memory,
// W3 (reads) is not run for this engine, and W1's appends include that
// copy, as etcd's do.
//
// A crash in the middle of a write(2) leaves a torn record at the tail of the
// last segment; ReadAll then fails with io.ErrUnexpectedEOF, and the adapter
// does what etcd's server does: wal.Repair (which truncates the segment
// after its last whole record, keeping a copy of it as .broken) and one more
// Open (see openEtcdWAL).
//
// The segment size is a package variable of etcd's wal (SegmentSizeBytes):
// Open sets it when it differs, so logs of different segment sizes must not
// be open at once. Sequence numbers follow the order of the Saves: mu holds
// an index's choice and its Save together. A failed Save may have written
// part of its record, or all of it before its fdatasync failed, and etcd
// stops on it; so does the adapter: that Append and every later one return
// an error, and a reopen finds what the log holds.
func EtcdWALEngine() bench.Engine {
	return bench.Engine{
		Name: "etcd-wal",
		Config: "64 MB preallocated segments; one Save of one entry per append (no batch), one write(2); " +
			"async: SetUnsafeNoFsync; durable: fdatasync per Save, under the log's lock (no group commit); " +
			"records kept in memory for reads, as etcd does",
		Open: openEtcd,
		Unsupported: map[string]string{
			"W3": "etcd's WAL has no read by position: etcd replays it at startup (ReadAll) and reads entries from memory",
		},
		Peer: true,
	}
}

type etcdLog struct {
	mu      sync.Mutex // makes choosing an index and saving it one step
	wal     *wal.WAL
	dir     string // the log's own directory
	records bench.SeqTable[[]byte]
	durable bool
	failed  error // set by a failed Save; guarded by mu
}

// etcdSegmentMu guards wal.SegmentSizeBytes, which Open may set.
var etcdSegmentMu sync.Mutex

func openEtcd(dir string, o bench.OpenOptions) (bench.Log, error) {
	etcdSegmentMu.Lock()
	size := etcdDefaultSegmentSize
	if o.SegmentSize > 0 {
		size = o.SegmentSize
	}
	if wal.SegmentSizeBytes != size {
		wal.SegmentSizeBytes = size
	}
	etcdSegmentMu.Unlock()

	e := &etcdLog{dir: etcdWALDir(dir), durable: o.Durable}
	w, ents, err := openEtcdWAL(e.dir)
	if err != nil {
		return nil, err
	}
	if !o.Durable {
		w.SetUnsafeNoFsync()
	}
	e.wal = w
	for i, ent := range ents {
		if ent.GetIndex() != uint64(i+1) {
			return nil, errors.Join(
				errors.New("etcd-wal: entries do not follow each other from index 1"), e.wal.Close())
		}
		e.records.Add(ent.Data) // a copy of the decoded record, not a shared buffer
	}
	return e, nil
}

func (e *etcdLog) Append(record []byte) error {
	data := bytes.Clone(record) // for ReadAt; Save encodes before it returns
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.failed != nil {
		return e.failed
	}
	index := uint64(e.records.Len() + 1)
	ent := &raftpb.Entry{Index: &index, Data: data}
	if err := e.wal.Save(&raftpb.HardState{}, []*raftpb.Entry{ent}); err != nil {
		e.failed = fmt.Errorf("etcd-wal: a Save failed, the log takes no more appends: %w", err)
		return err
	}
	e.records.Add(data)
	return nil
}

func (e *etcdLog) ReadAt(seq int) ([]byte, error) {
	r, err := e.records.Get(seq)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(r), nil // the caller's to keep
}

func (e *etcdLog) Len() int { return e.records.Len() }

// Close closes the log (which fdatasyncs the tail unless SetUnsafeNoFsync
// was set), then, in the async mode, fsyncs every segment: the mode's Saves
// and segment cuts skipped it.
func (e *etcdLog) Close() error {
	err := e.wal.Close()
	if !e.durable {
		err = errors.Join(err, syncEtcdSegments(e.dir))
	}
	return err
}
