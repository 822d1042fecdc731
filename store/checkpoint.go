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
// derived data ends, and the CRC detects a torn write.
const (
	cpPhysicMsgTimestamp = 0
	cpLogicsMsgTimestamp = 8
	cpIndexMsgTimestamp  = 16
	cpMasterFlushed      = 24
	cpConfirmPhysOffset  = 32
	cpLogicsOffset       = 40
	cpIndexOffset        = 48
	cpCRC                = 56
	cpEnd                = 60
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
}

// decode reads a checkpoint; ok is false when its CRC does not match (a
// torn write, or a file written by another program).
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
	}
	return c.LogicsOffset >= 0 && c.IndexOffset >= 0
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
	if err == nil && len(m.Bytes()) < cpEnd {
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
	return c.m.Flush(0, cpEnd)
}

func (c *checkpointFile) close() error { return c.m.Close() }
