package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"sync"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// checkpointSize is one page, as RocketMQ's StoreCheckpoint.
const checkpointSize = 4096

// Checkpoint layout, big-endian. The first five fields are RocketMQ's; the
// physical offsets after them tell recovery exactly where the durable
// derived data ends, and the CRC detects a torn write. Bytes [0, 60) are
// what earlier versions wrote and still read; the commit log's flushed
// offset follows with a CRC of its own over everything before it, so a
// file written by an earlier version (or rewritten by one since) reads as
// not recording it:
//
//	0          8          16         24            32            40            48          56     60              68     72
//	| physic ts | logics ts | index ts | master flush | confirm phys | logics off | index off | CRC | log flushed off | CRC2 |
const (
	cpPhysicMsgTimestamp = 0
	cpLogicsMsgTimestamp = 8
	cpIndexMsgTimestamp  = 16
	cpMasterFlushed      = 24
	cpConfirmPhysOffset  = 32
	cpLogicsOffset       = 40
	cpIndexOffset        = 48
	cpCRC                = 56
	cpEnd                = 60 // the end of what earlier versions wrote
	cpCommitLogFlushed   = 60
	cpFlushedCRC         = 68 // CRC-32 of bytes [0, 68)
	cpFlushedEnd         = 72
)

// Checkpoint is what the store last made durable.
type Checkpoint struct {
	PhysicMsgTimestamp int64 // store time of the last flushed commit-log record
	LogicsMsgTimestamp int64 // store time of the last record with durable consume-queue units
	IndexMsgTimestamp  int64 // store time of the last record with durable index entries
	MasterFlushed      int64 // a slave's copy of the master's flushed offset
	ConfirmPhysOffset  int64 // the replicated (confirmed) commit-log offset
	// LogicsOffset is the commit-log offset below which every record's
	// consume-queue unit is durable; IndexOffset the same for index entries.
	LogicsOffset int64
	IndexOffset  int64
	// CommitLogFlushed is the commit log's flushed offset when the
	// checkpoint was written: after a power loss the log may hold a hole
	// anywhere past it, so recovery scans from there at the latest. -1 when
	// unknown (a checkpoint written by an earlier version).
	CommitLogFlushed int64
}

func (c *Checkpoint) encode(b []byte) {
	be := binary.BigEndian
	be.PutUint64(b[cpPhysicMsgTimestamp:], uint64(c.PhysicMsgTimestamp))
	be.PutUint64(b[cpLogicsMsgTimestamp:], uint64(c.LogicsMsgTimestamp))
	be.PutUint64(b[cpIndexMsgTimestamp:], uint64(c.IndexMsgTimestamp))
	be.PutUint64(b[cpMasterFlushed:], uint64(c.MasterFlushed))
	be.PutUint64(b[cpConfirmPhysOffset:], uint64(c.ConfirmPhysOffset))
	be.PutUint64(b[cpLogicsOffset:], uint64(c.LogicsOffset))
	be.PutUint64(b[cpIndexOffset:], uint64(c.IndexOffset))
	be.PutUint32(b[cpCRC:], crc32.ChecksumIEEE(b[:cpCRC]))
	be.PutUint64(b[cpCommitLogFlushed:], uint64(c.CommitLogFlushed))
	be.PutUint32(b[cpFlushedCRC:], crc32.ChecksumIEEE(b[:cpFlushedCRC]))
}

// decode reads a checkpoint; ok is false when its CRC does not match (a
// torn write, or a file written by another program). b holds at least
// cpEnd bytes; CommitLogFlushed is -1 unless b holds it intact.
func (c *Checkpoint) decode(b []byte) (ok bool) {
	be := binary.BigEndian
	if be.Uint32(b[cpCRC:]) != crc32.ChecksumIEEE(b[:cpCRC]) {
		return false
	}
	*c = Checkpoint{
		PhysicMsgTimestamp: int64(be.Uint64(b[cpPhysicMsgTimestamp:])),
		LogicsMsgTimestamp: int64(be.Uint64(b[cpLogicsMsgTimestamp:])),
		IndexMsgTimestamp:  int64(be.Uint64(b[cpIndexMsgTimestamp:])),
		MasterFlushed:      int64(be.Uint64(b[cpMasterFlushed:])),
		ConfirmPhysOffset:  int64(be.Uint64(b[cpConfirmPhysOffset:])),
		LogicsOffset:       int64(be.Uint64(b[cpLogicsOffset:])),
		IndexOffset:        int64(be.Uint64(b[cpIndexOffset:])),
		CommitLogFlushed:   -1,
	}
	if len(b) >= cpFlushedEnd && be.Uint32(b[cpFlushedCRC:]) == crc32.ChecksumIEEE(b[:cpFlushedCRC]) {
		c.CommitLogFlushed = max(-1, int64(be.Uint64(b[cpCommitLogFlushed:])))
	}
	return c.LogicsOffset >= 0 && c.IndexOffset >= 0
}

// recoveryScanFrom is where the commit log's recovery scan must start at
// the latest (commitlog.Options.RecoverFrom): every record re-dispatched
// from queuesFrom and indexFrom must have passed it, and after a crash so
// must everything past the log's last recorded flush, because a power loss
// can keep later pages and lose earlier ones, leaving a hole anywhere past
// it, not only in the last files. A crash with that offset unknown (no
// valid checkpoint, or one written by an earlier version) scans the whole
// log. After a clean close the whole log was flushed before the checkpoint.
func recoveryScanFrom(cp Checkpoint, valid, abnormal bool, queuesFrom, indexFrom int64) int64 {
	from := min(queuesFrom, indexFrom)
	if abnormal {
		flushed := int64(0)
		if valid && cp.CommitLogFlushed >= 0 {
			flushed = cp.CommitLogFlushed
		}
		from = min(from, flushed)
	}
	// RecoverFrom 0 would mean "from the third-last file"; 1 is the first.
	return max(1, from)
}

// checkpointFile is the mapped checkpoint page.
type checkpointFile struct {
	mu    sync.Mutex
	m     mappedfile.Mapping
	valid bool // the file held a checkpoint when opened
	last  Checkpoint
}

// openCheckpoint maps path, creating it when missing.
func openCheckpoint(fsys mappedfile.FS, path string) (*checkpointFile, error) {
	m, err := fsys.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		m, err = fsys.Create(path, checkpointSize)
	}
	if err == nil && len(m.Bytes()) < cpFlushedEnd {
		// Too short to hold a checkpoint: it is rewritten, and recovery
		// treats it as missing.
		m.Close()
		if err = fsys.Remove(path); err == nil {
			m, err = fsys.Create(path, checkpointSize)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: checkpoint %s: %w", path, err)
	}
	c := &checkpointFile{m: m}
	c.valid = c.last.decode(m.Bytes())
	return c, nil
}

// load is the last checkpoint stored, or the one read at open, and whether
// the file was intact when opened.
func (c *checkpointFile) load() (Checkpoint, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last, c.valid
}

// store writes cp and makes it durable.
func (c *checkpointFile) store(cp Checkpoint) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp.encode(c.m.Bytes())
	c.last = cp
	return c.m.Flush(0, cpFlushedEnd)
}

func (c *checkpointFile) close() error { return c.m.Close() }
