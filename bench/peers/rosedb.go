package peers

import (
	"sync"

	"github.com/rosedblabs/wal"
)

const rosedbName = "rosedb-wal"

// rosedbLog adapts github.com/rosedblabs/wal (the log under rosedb), opened
// with Sync off and 1 GiB segments. Each chunk carries a CRC that Read
// checks.
//
//   - Append writes the chunk to the segment file with write(2) and
//     returns: a process crash loses nothing, a machine crash loses whatever
//     the kernel had not yet written back.
//   - AppendDurable writes the chunk, then calls Sync (fsync of the active
//     segment) before it returns. The log has no group commit: every
//     durable append makes its own fsync, under the log's lock, so other
//     writers wait for it; but one fsync covers every chunk written before
//     it, so concurrent callers' later fsyncs find less to write.
//
// Sequence numbers follow the order of the writes in the log: mu holds the
// write and its numbering together (the log's own lock serializes writes
// anyway), but not the fsync.
type rosedbLog struct {
	mu   sync.Mutex // makes a write and its entry in seqs one step
	log  *wal.WAL
	seqs seqTable[wal.ChunkPosition]
}

func openRosedb(dir string) (Log, error) {
	l, err := wal.Open(wal.Options{DirPath: dir, SegmentSize: wal.GB, SegmentFileExt: ".SEG"})
	if err != nil {
		return nil, err
	}
	return &rosedbLog{log: l}, nil
}

func (r *rosedbLog) Name() string { return rosedbName }

func (r *rosedbLog) Append(record []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	pos, err := r.log.Write(record)
	if err != nil {
		return err
	}
	r.seqs.add(*pos)
	return nil
}

func (r *rosedbLog) AppendDurable(record []byte) error {
	if err := r.Append(record); err != nil {
		return err
	}
	return r.log.Sync()
}

func (r *rosedbLog) ReadAt(seq int) ([]byte, error) {
	pos, err := r.seqs.get(seq)
	if err != nil {
		return nil, err
	}
	return r.log.Read(&pos) // a fresh slice
}

func (r *rosedbLog) Close() error { return r.log.Close() }
