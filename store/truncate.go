package store

import (
	"errors"
	"fmt"
)

// TruncateTo cuts the commit log back to offset (commitlog.Log.TruncateTo)
// and the derived data with it: consume-queue units of the removed records
// go, index files holding entries for them go (their earlier records are
// indexed again), queue offsets are counted again from the consume queues,
// and the checkpoint and confirm offset are lowered to offset when they
// were past it. A replica whose log diverged from its new master's (a
// demoted master) calls it before it follows; the records it removes were
// never confirmed, so no consumer saw them when Options.HoldUnconfirmed is
// set. No put may run meanwhile; dispatch pauses.
func (s *MessageStore) TruncateTo(offset int64) error {
	s.putMu.Lock()
	defer s.putMu.Unlock()
	if s.closed.Load() {
		return ErrClosed
	}
	if offset == s.commitLog.MaxOffset() {
		return nil
	}
	d := s.dispatcher
	d.pause()
	defer d.resume()
	if err := s.commitLog.TruncateTo(offset); err != nil {
		return fmt.Errorf("store: %w", putError(err))
	}
	var errs []error
	for _, q := range s.queues.all() {
		if err := q.TruncateAfterCommitLogOffset(offset); err != nil {
			errs = append(errs, fmt.Errorf("%s/%d: %w", q.Topic(), q.QueueID(), err))
		}
	}
	indexFrom := min(d.offset(), offset)
	if s.index != nil {
		rebuilt, err := s.index.TruncateAfter(offset)
		errs = append(errs, err)
		if rebuilt >= 0 {
			indexFrom = min(indexFrom, rebuilt)
		}
	}
	s.offsets.reset()
	if s.cache != nil {
		s.cache.invalidate()
	}
	from := min(d.offset(), offset, indexFrom)
	d.reposition(from, indexFrom)
	if l := d.limit.Load(); l > offset {
		d.limit.Store(offset)
	}
	cp, _ := s.cp.load()
	cp.LogicsOffset = min(cp.LogicsOffset, from)
	cp.IndexOffset = min(cp.IndexOffset, indexFrom)
	cp.ConfirmPhysOffset = min(cp.ConfirmPhysOffset, offset)
	errs = append(errs, s.cp.store(cp))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: truncate derived data to %d: %w", offset, err)
	}
	s.log.Warn("store truncated", "offset", offset, "reindexFrom", indexFrom)
	return nil
}
