package peers

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/rosedblabs/wal"

	"github.com/rocketstore/rocketstore/bench"
)

// rosedbBlockSize is the size of the blocks that rosedb's segments are made
// of (the log's unexported blockSize).
const rosedbBlockSize = 32 << 10

// openRosedbWAL opens the log described by opts and adds the position of
// every chunk in it to seqs, in log order, as rosedb does at startup.
//
// A crash in the middle of a write(2) (even a SIGKILL can cut one between
// pages) leaves part of a chunk at the end of the active segment. The log's
// reader reports it (a CRC error), or, if it is the first part of a record
// split over blocks, ends the segment before it; either way the log would
// append after the torn bytes, which a later reader would take for part of
// the next record. So the scan stops at the first unreadable chunk of the
// active segment and, if bytes follow the last whole chunk, this cuts them
// off and opens the log again (the log takes its write position from the
// file's size at open). A chunk that cannot be read in an older segment is
// damage, not a torn write, and fails the open.
func openRosedbWAL(opts wal.Options, seqs *bench.SeqTable[wal.ChunkPosition]) (*wal.WAL, error) {
	l, err := wal.Open(opts)
	if err != nil {
		return nil, err
	}
	end, err := numberRosedbChunks(l, seqs)
	if err != nil {
		l.Close()
		return nil, err
	}
	active := wal.SegmentFileName(opts.DirPath, opts.SegmentFileExt, l.ActiveSegmentID())
	fi, err := os.Stat(active)
	if err != nil {
		l.Close()
		return nil, err
	}
	if fi.Size() <= end {
		return l, nil
	}
	if err := l.Close(); err != nil {
		return nil, err
	}
	if err := truncateAndSync(active, end); err != nil {
		return nil, err
	}
	return wal.Open(opts)
}

// numberRosedbChunks adds the position of every chunk of l to seqs, up to
// the first that cannot be read in the active segment, and returns the
// offset in the active segment just past the last chunk it added there (0
// for none).
func numberRosedbChunks(l *wal.WAL, seqs *bench.SeqTable[wal.ChunkPosition]) (int64, error) {
	// One reader, nobody else yet: the log may reuse one block buffer.
	l.SetIsStartupTraversal(true)
	defer l.SetIsStartupTraversal(false)
	active := l.ActiveSegmentID()
	var end int64
	r := l.NewReader()
	for {
		pos, err := nextRosedbChunk(r)
		if errors.Is(err, io.EOF) {
			return end, nil
		}
		if err != nil {
			// On an error the reader stays on the failing segment.
			if r.CurrentSegmentId() == active {
				return end, nil
			}
			return 0, err
		}
		seqs.Add(*pos)
		if pos.SegmentId == active {
			next := r.CurrentChunkPosition() // where the reader goes on
			end = int64(next.BlockNumber)*rosedbBlockSize + next.ChunkOffset
		}
	}
}

// nextRosedbChunk is r.Next with a panic turned into an error: the reader
// trusts a chunk header's length, and a torn header can hold anything.
func nextRosedbChunk(r *wal.Reader) (pos *wal.ChunkPosition, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("rosedb-wal: unreadable chunk: %v", p)
		}
	}()
	_, pos, err = r.Next()
	return pos, err
}

// truncateAndSync cuts the file at path to size bytes and fsyncs it, so that
// the cut survives a later crash.
func truncateAndSync(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	err = f.Truncate(size)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
