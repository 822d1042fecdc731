package store

import (
	"errors"
	"fmt"
)

// SetConfirmOffset sets how far the commit log is confirmed: held by every
// replica that could be elected master. With Options.HoldUnconfirmed, only
// records that end at or below it reach the consume queues and the index,
// so consumers see nothing a failover could take back. A negative offset
// lifts the limit (a master alone in its SyncStateSet confirms what it
// writes). Without HoldUnconfirmed it does nothing.
func (s *MessageStore) SetConfirmOffset(offset int64) {
	if !s.opts.HoldUnconfirmed {
		return
	}
	if offset < 0 {
		offset = -1
	}
	if s.dispatcher.limit.Swap(offset) != offset {
		s.dispatcher.notify()
	}
}

// ConfirmOffset is the limit SetConfirmOffset set (-1: none, and always -1
// without Options.HoldUnconfirmed).
func (s *MessageStore) ConfirmOffset() int64 { return s.dispatcher.limit.Load() }

// initialConfirm is the limit a store that holds unconfirmed records starts
// with: what the checkpoint recorded as confirmed, and at least what the
// consume queues already hold (they only ever got confirmed records).
func (s *MessageStore) initialConfirm(cp Checkpoint, valid bool) int64 {
	limit := s.queues.maxPhysicalOffset()
	if valid {
		limit = max(limit, cp.ConfirmPhysOffset, cp.LogicsOffset)
	}
	return limit
}

// confirmedToPersist is the confirm offset the checkpoint records.
func (s *MessageStore) confirmedToPersist(dispatched int64) int64 {
	if l := s.dispatcher.limit.Load(); l >= 0 {
		return max(l, dispatched)
	}
	return dispatched
}

// errUnconfirmed refuses a lookup of a record that is not dispatched yet
// (it may be taken back by a failover).
var errUnconfirmed = errors.New("not confirmed yet")

// checkVisible refuses, when the store holds unconfirmed records back, a
// read of a record consumers cannot see yet.
func (s *MessageStore) checkVisible(phys int64) error {
	if s.opts.HoldUnconfirmed && phys >= s.dispatcher.offset() {
		return fmt.Errorf("%w: offset %d: %w", ErrNotFound, phys, errUnconfirmed)
	}
	return nil
}
