package peers

import (
	"errors"
	"sync"

	"github.com/rosedblabs/wal"

	"github.com/rocketstore/rocketstore/bench"
)

// RosedbEngine is github.com/rosedblabs/wal, the log under rosedb, with
// segments of OpenOptions.SegmentSize (rosedb's default, 1 GiB, when 0)
// made of 32 KiB blocks; each chunk carries a CRC that every read checks.
// Its positions are not sequence numbers, so the adapter keeps them in a
// bench.SeqTable, and a reopen rebuilds the table by reading every chunk
// with the log's reader, as rosedb does at startup.
//
//   - Append (Sync off) writes the chunk to the active segment with one
//     write(2) and returns: a process crash loses nothing, a machine crash
//     loses what the kernel had not yet written back.
//   - Durable Append writes the chunk, then calls Sync (fsync of the active
//     segment; a rollover fsyncs the segment it leaves), as rosedb does for
//     a write with WriteOptions.Sync. There is no group commit: each
//     durable append makes its own fsync, holding the log's lock, so other
//     writers wait for it; but one fsync covers every chunk written before
//     it, so the fsyncs of concurrent callers that follow find less to
//     write. The directory is never fsynced, so on a file system that needs
//     that for a new file, a machine crash just after a rollover may lose
//     the new segment's records.
//
// A crash in the middle of a write(2) leaves a torn chunk at the end of the
// active segment, which rosedb's own startup would fail on (a CRC error) or
// misread; the adapter cuts it off at open (see openRosedbWAL): a crash
// interrupted its Append, or, without Durable, beat the kernel's
// write-back.
//
// Sequence numbers follow the order of the writes in the log: mu holds a
// write and its numbering together (the log's own lock serialises writes
// anyway), but not the fsync. A durable append whose fsync fails returns
// the error but leaves its record numbered.
func RosedbEngine() bench.Engine {
	return bench.Engine{
		Name: "rosedb-wal",
		Config: "write(2) per append, Sync off; " +
			"durable: Write then Sync (fsync) per append, under the log's lock (no group commit)",
		Open: openRosedb,
		Peer: true,
	}
}

type rosedbLog struct {
	mu      sync.Mutex // makes a write and its entry in seqs one step
	log     *wal.WAL
	seqs    bench.SeqTable[wal.ChunkPosition]
	durable bool
}

func openRosedb(dir string, o bench.OpenOptions) (bench.Log, error) {
	opts := wal.DefaultOptions
	opts.DirPath = dir
	if o.SegmentSize > 0 {
		opts.SegmentSize = o.SegmentSize
	}
	r := &rosedbLog{durable: o.Durable}
	l, err := openRosedbWAL(opts, &r.seqs)
	if err != nil {
		return nil, err
	}
	r.log = l
	return r, nil
}

func (r *rosedbLog) Append(record []byte) error {
	if err := r.write(record); err != nil {
		return err
	}
	if r.durable {
		return r.log.Sync()
	}
	return nil
}

func (r *rosedbLog) write(record []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	pos, err := r.log.Write(record)
	if err != nil {
		return err
	}
	r.seqs.Add(*pos)
	return nil
}

func (r *rosedbLog) ReadAt(seq int) ([]byte, error) {
	pos, err := r.seqs.Get(seq)
	if err != nil {
		return nil, err
	}
	return r.log.Read(&pos) // a fresh slice
}

func (r *rosedbLog) Len() int { return r.seqs.Len() }

// Close fsyncs the active segment first: the log's Close does not, and a
// rollover has already fsynced every older one.
func (r *rosedbLog) Close() error {
	return errors.Join(r.log.Sync(), r.log.Close())
}
