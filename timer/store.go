package timer

import (
	"context"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/store"
)

// Store is what the timer needs of a message store: its public reads and
// puts, and the commit log's bounds, flush and scan. FromMessageStore
// adapts a *store.MessageStore.
type Store interface {
	// GetMessage reads the timer topic's queue, as a consumer would.
	GetMessage(group, topic string, queueID int32, offset int64, maxCount int, filter store.MessageFilter) (*store.GetResult, error)
	GetMinOffsetInQueue(topic string, queueID int32) int64
	GetMaxOffsetInQueue(topic string, queueID int32) int64
	// LookMessageByOffset reads the record at a commit-log offset.
	LookMessageByOffset(phys int64) (message.Record, error)
	// PutMessage stores a due message in its real topic.
	PutMessage(ctx context.Context, m *message.Message) (commitlog.AppendResult, error)
	// CommitLogBounds are the commit log's first and end offsets.
	CommitLogBounds() (minOffset, maxOffset int64)
	// FlushCommitLog makes everything written so far durable.
	FlushCommitLog() error
	// ScanCommitLog calls fn for each intact record from offset from on,
	// until the end or fn returns false.
	ScanCommitLog(from int64, fn func(r *message.Record) bool) error
}

// FromMessageStore adapts s to Store.
func FromMessageStore(s *store.MessageStore) Store { return messageStore{s} }

type messageStore struct{ *store.MessageStore }

func (s messageStore) CommitLogBounds() (int64, int64) {
	l := s.CommitLog()
	return l.MinOffset(), l.MaxOffset()
}

func (s messageStore) FlushCommitLog() error { return s.CommitLog().Flush() }

func (s messageStore) ScanCommitLog(from int64, fn func(r *message.Record) bool) error {
	it := s.CommitLog().NewIterator(from, true)
	defer it.Close()
	for it.Next() {
		if !fn(it.Record()) {
			return nil
		}
	}
	return it.Err()
}
