package timer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"path/filepath"
	"sync"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// CheckpointSize is the encoded size of a Checkpoint.
const CheckpointSize = 112

// Checkpoint layout, big-endian. The first 56 bytes are RocketMQ's
// TimerCheckpoint (what GET_TIMER_CHECK_POINT answers); the rest are
// rocketstore's.
const (
	cpReadTimeMs     = 0   // lastReadTimeMs: the slot being walked, as a time
	cpLogFlushPos    = 8   // lastTimerLogFlushPos
	cpQueueOffset    = 16  // lastTimerQueueOffset
	cpMasterQueue    = 24  // masterTimerQueueOffset
	cpStateVersion   = 32  // dataVersion.stateVersion
	cpTimestamp      = 40  // dataVersion.timestamp
	cpCounter        = 48  // dataVersion.counter
	cpWalked         = 56  // units of the current slot at or below it are delivered
	cpCommitLog      = 64  // deliveries after the checkpoint lie at or after it
	cpSlotCommitLog  = 72  // the commit-log end when the current slot's walk began
	cpPrecisionMs    = 80  // the wheel's precision
	cpRebuildBelow   = 88  // see Checkpoint.RebuildBelow
	cpRebuildReadMs  = 96  // see Checkpoint.RebuildReadMs
	cpFlags          = 104 // cpFromMaster
	cpCRC            = 108 // CRC-32C of the bytes before it
	cpFromMasterFlag = 1
	// The file holds two copies, written in turn, so a torn write leaves
	// the other intact.
	cpFileSize = 4096
	cpCopyAt   = 512
)

// Checkpoint is the timer's durable progress. Everything before it is
// done: every timer-topic message below QueueOffset is in the timer log
// below LogEnd (or was delivered), every slot before ReadTimeMs is
// delivered and so are the units of ReadTimeMs's slot at or below Walked;
// the deliveries that made it so lie below CommitLogOffset, which was
// durable when the checkpoint was written.
type Checkpoint struct {
	ReadTimeMs    int64 // start of the slot being walked
	LogEnd        int64 // timer-log position up to which units are accounted for
	QueueOffset   int64 // next timer-topic queue offset to read
	Timestamp     int64 // when it was written, ms
	Counter       int64 // how many checkpoints were written before it, +1
	Walked        int64 // position in the timer log; -1 for none
	CommitLog     int64 // commit-log offset: later deliveries are at or after it
	SlotCommitLog int64 // commit-log offset when the walk of ReadTimeMs's slot began
	PrecisionMs   int64
	// RebuildBelow and RebuildReadMs are set while a timer rebuilds its
	// log from the timer topic (its own was lost, or it was a slave): the
	// messages below RebuildBelow due before RebuildReadMs were delivered
	// by the master whose checkpoint it started from. 0 when unused.
	RebuildBelow, RebuildReadMs int64
	// FromMaster marks a checkpoint a slave copied from its master: the
	// timer log beside it is not the one it describes.
	FromMaster bool
}

// Encode returns the checkpoint's bytes (CheckpointSize).
func (c *Checkpoint) Encode() []byte {
	b := make([]byte, CheckpointSize)
	be := binary.BigEndian
	for at, v := range map[int]int64{
		cpReadTimeMs: c.ReadTimeMs, cpLogFlushPos: c.LogEnd, cpQueueOffset: c.QueueOffset, cpMasterQueue: c.QueueOffset,
		cpTimestamp: c.Timestamp, cpCounter: c.Counter, cpWalked: c.Walked, cpCommitLog: c.CommitLog,
		cpSlotCommitLog: c.SlotCommitLog, cpPrecisionMs: c.PrecisionMs, cpRebuildBelow: c.RebuildBelow, cpRebuildReadMs: c.RebuildReadMs,
	} {
		be.PutUint64(b[at:], uint64(v))
	}
	if c.FromMaster {
		be.PutUint32(b[cpFlags:], cpFromMasterFlag)
	}
	be.PutUint32(b[cpCRC:], crc32.Checksum(b[:cpCRC], castagnoli))
	return b
}

// ErrBadCheckpoint is returned by DecodeCheckpoint for bytes that are not
// a whole, intact checkpoint.
var ErrBadCheckpoint = errors.New("timer: bad checkpoint")

// DecodeCheckpoint parses what Encode wrote.
func DecodeCheckpoint(b []byte) (Checkpoint, error) {
	be := binary.BigEndian
	if len(b) < CheckpointSize {
		return Checkpoint{}, fmt.Errorf("%w: %d bytes, want %d", ErrBadCheckpoint, len(b), CheckpointSize)
	}
	if be.Uint32(b[cpCRC:]) != crc32.Checksum(b[:cpCRC], castagnoli) {
		return Checkpoint{}, fmt.Errorf("%w: CRC mismatch", ErrBadCheckpoint)
	}
	get := func(at int) int64 { return int64(be.Uint64(b[at:])) }
	c := Checkpoint{
		ReadTimeMs: get(cpReadTimeMs), LogEnd: get(cpLogFlushPos), QueueOffset: get(cpQueueOffset),
		Timestamp: get(cpTimestamp), Counter: get(cpCounter), Walked: get(cpWalked), CommitLog: get(cpCommitLog),
		SlotCommitLog: get(cpSlotCommitLog), PrecisionMs: get(cpPrecisionMs),
		RebuildBelow: get(cpRebuildBelow), RebuildReadMs: get(cpRebuildReadMs),
		FromMaster: be.Uint32(b[cpFlags:])&cpFromMasterFlag != 0,
	}
	if c.PrecisionMs <= 0 || c.LogEnd < 0 || c.QueueOffset < 0 || c.Walked < -1 || c.CommitLog < 0 || c.SlotCommitLog < 0 {
		return Checkpoint{}, fmt.Errorf("%w: fields out of range", ErrBadCheckpoint)
	}
	return c, nil
}

// checkpointFile is the mapped checkpoint page with its two copies.
type checkpointFile struct {
	mu sync.Mutex
	m  mappedfile.Mapping
}

const checkpointName = "timercheck"

// openCheckpointFile maps dir/timercheck, creating it when missing, and
// returns the newest intact copy it holds (ok false: none).
func openCheckpointFile(fsys mappedfile.FS, dir string) (*checkpointFile, Checkpoint, bool, error) {
	path := filepath.Join(dir, checkpointName)
	m, err := fsys.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		m, err = fsys.Create(path, cpFileSize)
	}
	if err == nil && len(m.Bytes()) < cpFileSize {
		m.Close()
		err = fmt.Errorf("%s is %d bytes, want %d", path, len(m.Bytes()), cpFileSize)
	}
	if err != nil {
		return nil, Checkpoint{}, false, fmt.Errorf("timer: checkpoint: %w", err)
	}
	best, ok := newestCopy(m.Bytes())
	return &checkpointFile{m: m}, best, ok, nil
}

// store writes c over the older copy and makes it durable.
func (f *checkpointFile) store(c Checkpoint) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	at := int(c.Counter%2) * cpCopyAt
	copy(f.m.Bytes()[at:], c.Encode())
	if err := f.m.Flush(at, CheckpointSize); err != nil {
		return fmt.Errorf("timer: flush checkpoint: %w", err)
	}
	return nil
}

func (f *checkpointFile) close() error { return f.m.Close() }

// WriteCheckpoint stores c as the checkpoint of the timer in dir, marked
// as copied from a master. A slave keeps its master's progress so: a timer
// opened there later rebuilds its log from the timer topic, going on
// where the master was.
func WriteCheckpoint(fsys mappedfile.FS, dir string, c Checkpoint) error {
	if fsys == nil {
		fsys = mappedfile.OSFS
	}
	if err := fsys.MkdirAll(dir); err != nil {
		return fmt.Errorf("timer: %w", err)
	}
	f, cur, ok, err := openCheckpointFile(fsys, dir)
	if err != nil {
		return err
	}
	c.FromMaster = true
	c.Counter = 1
	if ok {
		c.Counter = cur.Counter + 1
	}
	return errors.Join(f.store(c), f.close())
}

// ReadCheckpoint returns the newest intact checkpoint stored in dir, and
// false when there is none.
func ReadCheckpoint(fsys mappedfile.FS, dir string) (Checkpoint, bool, error) {
	if fsys == nil {
		fsys = mappedfile.OSFS
	}
	m, err := fsys.Open(filepath.Join(dir, checkpointName))
	if errors.Is(err, fs.ErrNotExist) {
		return Checkpoint{}, false, nil
	}
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("timer: checkpoint: %w", err)
	}
	defer m.Close()
	c, ok := newestCopy(m.Bytes())
	return c, ok, nil
}

// newestCopy is the intact copy with the higher counter.
func newestCopy(b []byte) (Checkpoint, bool) {
	var best Checkpoint
	ok := false
	for _, at := range []int{0, cpCopyAt} {
		if at+CheckpointSize > len(b) {
			break
		}
		if c, err := DecodeCheckpoint(b[at:]); err == nil && (!ok || c.Counter > best.Counter) {
			best, ok = c, true
		}
	}
	return best, ok
}
