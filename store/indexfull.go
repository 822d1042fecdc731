package store

import (
	"fmt"
	"time"
)

// indexFullPause is how long puts are refused after the index could not
// grow, before they are tried again (and the index with them).
const indexFullPause = 10 * time.Second

// indexed records the outcome of indexing one record. When the disk is too
// full for the index to grow, the record goes to its consume queue anyway,
// without its keys, so that what was acknowledged can be pulled; puts are
// refused (ErrDiskFull) for indexFullPause, and the records left out of
// the index are counted (UnindexedRecords) and reported as a background
// error of TaskIndex.
func (s *MessageStore) indexed(err error) {
	if err == nil {
		if s.indexFullAt.Load() != 0 && s.indexFullAt.Swap(0) != 0 {
			s.report.taskResult(TaskIndex, nil)
		}
		return
	}
	s.unindexed.Add(1)
	s.indexFullAt.Store(s.opts.Now().UnixNano())
	s.indexFullErr.Store(&err)
	s.report.taskResult(TaskIndex, fmt.Errorf("records dispatched without their keys, puts refused for %v: %w", indexFullPause, err))
}

// indexFull is the error of a put while the index cannot grow.
func (s *MessageStore) indexFull() error {
	at := s.indexFullAt.Load()
	if at == 0 || s.opts.Now().Sub(time.Unix(0, at)) >= indexFullPause {
		return nil
	}
	return fmt.Errorf("%w: the index cannot grow, puts are refused for a while: %w", ErrDiskFull, *s.indexFullErr.Load())
}

// UnindexedRecords counts the records dispatched to their consume queue
// without their keys since the store opened, because the disk was too full
// for the index: they are pulled as any other, but key queries miss them.
func (s *MessageStore) UnindexedRecords() int64 { return s.unindexed.Load() }
