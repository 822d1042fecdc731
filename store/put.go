package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
)

// deleteTopicWait bounds how long DeleteTopic waits for the dispatcher.
const deleteTopicWait = 10 * time.Second

// PutMessage appends m to the commit log, assigning its queue offset, and
// waits for the durability of the store's flush mode (ctx bounds that
// wait). The message reaches its consume queue and the index shortly after,
// through the dispatcher. A message with a DELAY property goes to
// ScheduleTopic instead (m is rewritten so), with its real topic and queue
// in REAL_TOPIC and REAL_QID, until a schedule service delivers it.
func (s *MessageStore) PutMessage(ctx context.Context, m *message.Message) (commitlog.AppendResult, error) {
	if err := s.checkPut(m); err != nil {
		return commitlog.AppendResult{}, err
	}
	s.putMu.RLock()
	if s.closed.Load() {
		s.putMu.RUnlock()
		return commitlog.AppendResult{}, ErrClosed
	}
	res, err := s.commitLog.Append(ctx, m)
	s.putMu.RUnlock()
	if err == nil || res.Size > 0 {
		s.appended()
	}
	return res, putError(err)
}

// appended tells the dispatcher and Options.OnAppend that records were
// appended.
func (s *MessageStore) appended() {
	s.dispatcher.notify()
	if f := s.opts.OnAppend; f != nil {
		f()
	}
}

// putError makes a failure that poisoned the commit log (this put's own,
// or an earlier one) an ErrUnwritable.
func putError(err error) error {
	if errors.Is(err, commitlog.ErrPoisoned) && !errors.Is(err, ErrUnwritable) {
		return unwritable(err)
	}
	return err
}

// PutMessages appends msgs as one batch: consecutive records in one file,
// with consecutive queue offsets for messages of one queue. It appends one
// result per message to results.
func (s *MessageStore) PutMessages(ctx context.Context, msgs []message.Message, results []commitlog.AppendResult) ([]commitlog.AppendResult, error) {
	for i := range msgs {
		if err := s.checkPut(&msgs[i]); err != nil {
			return results, fmt.Errorf("batch message %d: %w", i, err)
		}
	}
	s.putMu.RLock()
	if s.closed.Load() {
		s.putMu.RUnlock()
		return results, ErrClosed
	}
	n := len(results)
	results, err := s.commitLog.AppendBatch(ctx, msgs, results)
	s.putMu.RUnlock()
	if len(results) > n {
		s.appended()
	}
	return results, putError(err)
}

// checkPut refuses what the store cannot take, and moves a delayed
// message to the schedule topic.
func (s *MessageStore) checkPut(m *message.Message) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if err := s.Err(); err != nil {
		return err
	}
	if s.diskHigh.Load() {
		return fmt.Errorf("%w: disk usage above %d%%, writes refused until cleanup frees space", ErrDiskFull, s.opts.DiskSpaceWarningLevelRatio)
	}
	if err := s.indexFull(); err != nil {
		return err
	}
	if err := s.dispatcher.lastErr(); err != nil {
		// Acknowledging more would only add messages no one can pull.
		return fmt.Errorf("%w, puts refused until it works again: %w", ErrDispatchFailing, err)
	}
	if err := ValidateTopic(m.Topic); err != nil {
		return err
	}
	if m.QueueID < 0 {
		return fmt.Errorf("%w: queue id %d", ErrMessageIllegal, m.QueueID)
	}
	s.scheduleDelayed(m)
	return nil
}

// ValidateTopic checks a topic name as RocketMQ does: 1 to 127 characters
// from letters, digits, '%', '|', '-' and '_'. The name is also a directory
// name, so nothing else may pass.
func ValidateTopic(topic string) error {
	if topic == "" || len(topic) > message.MaxTopicLengthV1 {
		return fmt.Errorf("%w: topic %q must have 1 to %d characters", ErrMessageIllegal, topic, message.MaxTopicLengthV1)
	}
	if err := message.ValidateTopicChars(topic); err != nil {
		return fmt.Errorf("%w: %w", ErrMessageIllegal, err)
	}
	return nil
}

// waitDispatched waits until everything below offset was dispatched.
func (s *MessageStore) waitDispatched(offset int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for s.dispatcher.offset() < offset {
		if time.Now().After(deadline) {
			return fmt.Errorf("store: dispatch stuck at %d below %d: %v", s.dispatcher.offset(), offset, s.dispatcher.lastErr())
		}
		s.dispatcher.notify()
		time.Sleep(time.Millisecond)
	}
	return nil
}

// DispatchBehindBytes is how many commit-log bytes the consume queues and
// index have not caught up with yet (not counting records held back
// unconfirmed, with Options.HoldUnconfirmed).
func (s *MessageStore) DispatchBehindBytes() int64 {
	return max(0, s.dispatcher.target()-s.dispatcher.offset())
}

// DispatchedOffset is the commit-log offset below which every record is in
// its consume queue and the index.
func (s *MessageStore) DispatchedOffset() int64 { return s.dispatcher.offset() }

// DispatchError is the last error that held the dispatcher up (nil once it
// makes progress again).
func (s *MessageStore) DispatchError() error { return s.dispatcher.lastErr() }

// WaitDispatched waits (up to timeout) until every record written so far
// (and confirmed, with Options.HoldUnconfirmed) is in its consume queue and
// the index.
func (s *MessageStore) WaitDispatched(timeout time.Duration) error {
	return s.waitDispatched(s.dispatcher.target(), timeout)
}

// Flush makes everything written so far durable: the commit log, the
// consume queues, the index and the checkpoint.
func (s *MessageStore) Flush() error {
	if s.closed.Load() {
		return ErrClosed
	}
	if err := s.commitLog.Flush(); err != nil {
		return putError(err)
	}
	return s.flushLogics(true)
}
