package store

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/consumequeue"
	"github.com/rocketstore/rocketstore/message"
)

// GetStatus is the outcome of GetMessage, as RocketMQ's GetMessageStatus.
type GetStatus int

// The statuses a pull needs.
const (
	Found               GetStatus = iota // at least one message
	NoMatchedMessage                     // units were scanned, none matched the filter
	MessageWasRemoving                   // the units point at deleted commit-log data
	OffsetFoundNull                      // no unit at the offset
	OffsetOverflowBadly                  // offset is past the queue's end
	OffsetOverflowOne                    // offset is the queue's end: nothing new yet
	OffsetTooSmall                       // offset is below the queue's first unit
	NoMatchedLogicQueue                  // the queue does not exist
	NoMessageInQueue                     // the queue is empty
)

var statusNames = [...]string{"FOUND", "NO_MATCHED_MESSAGE", "MESSAGE_WAS_REMOVING", "OFFSET_FOUND_NULL",
	"OFFSET_OVERFLOW_BADLY", "OFFSET_OVERFLOW_ONE", "OFFSET_TOO_SMALL", "NO_MATCHED_LOGIC_QUEUE", "NO_MESSAGE_IN_QUEUE"}

// String is RocketMQ's name of the status.
func (s GetStatus) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return "UNKNOWN"
	}
	return statusNames[s]
}

// MessageFilter selects messages for a pull. MatchTagsCode sees the
// consume-queue unit's tag hash; MatchRecord, when the first matched, the
// raw record.
type MessageFilter interface {
	MatchTagsCode(tagsCode int64) bool
	MatchRecord(record []byte) bool
}

// GetResult is what GetMessage found. Messages hold commit-log bytes
// without copying: call Release once they have been sent.
type GetResult struct {
	Status          GetStatus
	NextBeginOffset int64 // where the next pull should start
	MinOffset       int64 // the queue's first logical offset
	MaxOffset       int64 // the queue's logical end
	// Messages are the raw records, in queue order; QueueOffsets their
	// logical offsets.
	Messages     []commitlog.Entry
	QueueOffsets []int64
	// BufferTotalSize is the sum of the records' sizes.
	BufferTotalSize int
	// SuggestPullingFromSlave is set when the data reached is cold: further
	// behind the log's end than the in-memory ratio allows.
	SuggestPullingFromSlave bool
	// SkippedCorrupt counts units that pointed at no intact record (a
	// damaged file) and were passed over.
	SkippedCorrupt int
}

// Release lets go of every message's bytes.
func (r *GetResult) Release() {
	for _, e := range r.Messages {
		e.Release()
	}
	r.Messages = r.Messages[:0]
}

// GetMessage reads up to maxCount messages of topic/queueID from the
// logical offset on, skipping those filter rejects (nil: all), within
// RocketMQ's per-pull byte and count bounds. group names the consumer
// group, for statistics.
func (s *MessageStore) GetMessage(group, topic string, queueID int32, offset int64, maxCount int, filter MessageFilter) (*GetResult, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	r := &GetResult{Status: NoMessageInQueue, NextBeginOffset: offset}
	q := s.queues.find(topic, queueID)
	if q == nil {
		r.Status, r.NextBeginOffset = NoMatchedLogicQueue, 0
		return r, nil
	}
	r.MinOffset, r.MaxOffset = q.MinOffset(), q.MaxOffset()
	switch {
	case r.MaxOffset == 0:
		r.Status, r.NextBeginOffset = NoMessageInQueue, 0
	case offset < r.MinOffset:
		r.Status, r.NextBeginOffset = OffsetTooSmall, r.MinOffset
	case offset == r.MaxOffset:
		r.Status = OffsetOverflowOne
	case offset > r.MaxOffset:
		r.Status = OffsetOverflowBadly
		if r.MinOffset == 0 {
			r.NextBeginOffset = 0
		} else {
			r.NextBeginOffset = r.MaxOffset
		}
	default:
		if err := s.collect(r, q, offset, max(maxCount, 1), filter); err != nil {
			r.Release()
			return nil, err
		}
	}
	return r, nil
}

// collect scans units from offset and holds the matching records.
func (s *MessageStore) collect(r *GetResult, q *consumequeue.Queue, offset int64, maxCount int, filter MessageFilter) error {
	o := &s.opts
	logEnd := s.commitLog.MaxOffset()
	inMemory := o.MemoryBytes * int64(o.AccessInMemoryMaxRatio) / 100
	fileSize := int64(s.commitLog.FileSize())
	maxScan := int64(max(16000/consumequeue.UnitSize, maxCount))
	skipBelow := int64(math.MinInt64) // set after a deleted file: skip its units
	lastPhys := int64(0)
	r.Status = NoMatchedMessage
	var readErr error
	next := offset // past the last unit taken or passed over
	_, err := q.Scan(offset, func(logic int64, u consumequeue.Unit) bool {
		if logic-offset >= maxScan {
			return false
		}
		if u.IsBlank() || u.CommitLogOffset < skipBelow {
			next = logic + 1
			return true
		}
		lastPhys = u.CommitLogOffset
		onDisk := logEnd-u.CommitLogOffset > inMemory
		if s.batchFull(r, int(u.Size), maxCount, onDisk) {
			return false
		}
		next = logic + 1
		if filter != nil && !filter.MatchTagsCode(u.TagsCode) {
			return true
		}
		e, err := s.commitLog.Read(u.CommitLogOffset)
		switch {
		case errors.Is(err, commitlog.ErrOffsetOutOfRange):
			if len(r.Messages) == 0 {
				r.Status = MessageWasRemoving
			}
			skipBelow = u.CommitLogOffset - u.CommitLogOffset%fileSize + fileSize
			return true
		case errors.Is(err, commitlog.ErrClosed):
			readErr = ErrClosed
			next = logic
			return false
		case err != nil:
			// The unit points at no record (a damaged queue): skip it.
			r.SkippedCorrupt++
			return true
		}
		if int32(len(e.Bytes)) != u.Size || !s.servable(e.Bytes, q.QueueID(), logic) {
			e.Release()
			r.SkippedCorrupt++
			return true
		}
		if filter != nil && !filter.MatchRecord(e.Bytes) {
			e.Release()
			return true
		}
		r.Messages = append(r.Messages, e)
		r.QueueOffsets = append(r.QueueOffsets, logic)
		r.BufferTotalSize += len(e.Bytes)
		r.Status = Found
		skipBelow = math.MinInt64
		return true
	})
	if readErr != nil && len(r.Messages) == 0 {
		return readErr
	}
	if errors.Is(err, consumequeue.ErrNotFound) && len(r.Messages) == 0 && next == offset {
		// The unit's file is gone (cleanup raced this pull): go on at
		// the next file.
		per := int64(s.queueUnitsPerFile())
		r.Status, r.NextBeginOffset = OffsetFoundNull, offset-offset%per+per
		return nil
	}
	r.NextBeginOffset = next
	r.SuggestPullingFromSlave = logEnd-lastPhys > inMemory
	return nil
}

func (s *MessageStore) queueUnitsPerFile() int {
	if n := s.opts.ConsumeQueueUnitsPerFile; n > 0 {
		return n
	}
	return consumequeue.DefaultUnitsPerFile
}

// batchFull is RocketMQ's isTheBatchFull: the pull has enough once it holds
// maxCount messages or the byte or count bound for where the data lies.
func (s *MessageStore) batchFull(r *GetResult, size, maxCount int, onDisk bool) bool {
	n := len(r.Messages)
	if n == 0 || r.BufferTotalSize == 0 {
		return false
	}
	if n >= maxCount {
		return true
	}
	o := &s.opts
	if onDisk {
		return r.BufferTotalSize+size > o.MaxTransferBytesOnDisk || n > o.MaxTransferCountOnDisk-1
	}
	return r.BufferTotalSize+size > o.MaxTransferBytesInMemory || n > o.MaxTransferCountInMemory-1
}

// servable reports whether record is intact (its framing, and its body CRC
// unless SkipCRCOnRead) and is the message at logical offset logic of queue
// queueID: a unit left over from before a crash must not serve another
// message.
func (s *MessageStore) servable(record []byte, queueID int32, logic int64) bool {
	fr, err := message.CheckFrame(record)
	if err != nil || !s.opts.SkipCRCOnRead && message.BodyCRC(fr.Body) != fr.BodyCRC {
		return false
	}
	be := binary.BigEndian
	return int32(be.Uint32(record[message.OffsetQueueID:])) == queueID &&
		int64(be.Uint64(record[message.OffsetQueueOffset:])) == logic
}
