package ha

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// handshake is the slave's side of an epoch-mode handshake: it sends its
// history, and cuts its log (then its history) back to the offset the
// master answers. The first report that follows names that offset.
func (s *Slave) handshake(conn net.Conn) error {
	h := handshake{
		brokerID:  s.opts.BrokerID,
		maxOffset: s.sink.MaxOffset(),
		minOffset: s.sink.MaxOffset(),
		entries:   s.opts.Epochs.Entries(),
	}
	if m, ok := s.sink.(interface{ MinOffset() int64 }); ok {
		h.minOffset = min(m.MinOffset(), h.maxOffset)
	}
	if err := conn.SetDeadline(time.Now().Add(s.opts.IdleTimeout)); err != nil {
		return err
	}
	if _, err := conn.Write(h.encode()); err != nil {
		return err
	}
	a, err := readAnswer(conn)
	if err != nil {
		return err
	}
	if err := conn.SetDeadline(time.Time{}); err != nil {
		return err
	}
	if a.masterEpoch < s.opts.MasterEpoch {
		return fmt.Errorf("%w: it answered epoch %d, the controller named epoch %d", ErrStaleMaster, a.masterEpoch, s.opts.MasterEpoch)
	}
	if err := a.err(); err != nil {
		return err
	}
	t := a.truncateOffset
	if t < h.minOffset || t > h.maxOffset {
		return badStream(t, "%w: truncate to %d, the slave holds [%d, %d)", errBadHandshake, t, h.minOffset, h.maxOffset)
	}
	if t < h.maxOffset {
		s.opts.Logger.Warn("replica log diverged from the master's: truncating", "master", s.opts.MasterAddr,
			"from", h.maxOffset, "to", t, "masterEpoch", a.masterEpoch)
		if s.opts.Truncate == nil {
			return errors.New("ha: epoch mode needs SlaveOptions.Truncate")
		}
		// The log first: a history cut first and a crash before the log
		// would leave bytes past the cut counted in an older epoch.
		if err := s.opts.Truncate(t); err != nil {
			return fmt.Errorf("ha: truncate to %d: %w", t, err)
		}
	}
	return s.opts.Epochs.TruncateSuffix(t)
}

// epochFollower is a receiver's epoch-mode part: it records the epochs of
// what the master sends and passes on its confirm offset.
type epochFollower struct {
	epochs    *EpochFile
	onConfirm func(int64)
}

// frame checks an epoch-mode frame's epoch against the history and records
// a new epoch before its bytes are appended at offset.
func (f *epochFollower) frame(ef epochFrame, offset int64) error {
	last, ok := f.epochs.Last()
	switch {
	case ef.epochStart < 0 || ef.epochStart > offset || ef.epoch < 0:
		return badStream(offset, "%w: epoch %d starting at %d", errBadEpoch, ef.epoch, ef.epochStart)
	case ok && ef.epoch < last.Epoch:
		return badStream(offset, "%w: epoch %d after epoch %d", errBadEpoch, ef.epoch, last.Epoch)
	case ok && ef.epoch == last.Epoch:
		if ef.epochStart != last.StartOffset {
			return badStream(offset, "%w: epoch %d starts at %d, not %d", errBadEpoch, ef.epoch, ef.epochStart, last.StartOffset)
		}
		return nil
	case ef.epoch == 0:
		return nil // data from before controller mode
	}
	return f.epochs.Append(EpochEntry{Epoch: ef.epoch, StartOffset: ef.epochStart})
}

// confirmed passes the master's confirm offset on, capped at end.
func (f *epochFollower) confirmed(ef epochFrame, end int64) {
	if f.onConfirm != nil && ef.confirm >= 0 {
		f.onConfirm(min(ef.confirm, end))
	}
}

var errBadEpoch = errors.New("frame epoch does not follow the slave's history")
