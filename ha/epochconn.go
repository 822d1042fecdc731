package ha

import (
	"errors"
	"math"
	"sort"
	"time"
)

// handshake is the master's side of an epoch-mode handshake: it reads the
// slave's history, answers where the slave's log must be cut, and expects
// the slave's first report there. A refused slave gets the answer before
// the connection closes, so that it can say why.
func (c *slaveConn) handshake() error {
	if err := c.conn.SetReadDeadline(time.Now().Add(c.m.opts.IdleTimeout)); err != nil {
		return err
	}
	h, err := readHandshake(c.conn)
	if err != nil {
		if errors.Is(err, ErrBadStream) {
			c.answer(handshakeAnswer{status: handshakeBadRequest})
		}
		return err
	}
	a := answerHandshake(h, c.m.opts.Epochs.Entries(), c.m.src.MaxOffset())
	if err := c.answer(a); err != nil {
		return err
	}
	if err := a.err(); err != nil {
		return err
	}
	c.brokerID.Store(h.brokerID)
	c.expectFirst = a.truncateOffset
	c.m.log.Info("slave handshake", "addr", c.addr, "brokerId", h.brokerID, "slaveMax", h.maxOffset,
		"truncateTo", a.truncateOffset, "epoch", a.masterEpoch)
	return nil
}

func (c *slaveConn) answer(a handshakeAnswer) error {
	if err := c.conn.SetWriteDeadline(time.Now().Add(c.m.opts.IdleTimeout)); err != nil {
		return err
	}
	_, err := c.conn.Write(a.encode())
	return err
}

// batchAt is how many bytes one frame from next may carry: BatchSize, and
// in epoch mode never past the end of next's epoch, so that a frame's
// bytes all belong to the epoch its header names.
func (c *slaveConn) batchAt(next int64) int {
	n := c.m.opts.BatchSize
	if c.epochs != nil {
		if e := epochAt(c.epochs, next); e.EndOffset != math.MaxInt64 {
			n = int(min(int64(n), e.EndOffset-next))
		}
	}
	return n
}

// epochAt is the entry whose data holds offset (entries with ends); the
// first entry for an offset before it, an epoch-0 entry when there is none.
func epochAt(entries []EpochEntry, offset int64) EpochEntry {
	i := sort.Search(len(entries), func(i int) bool { return entries[i].StartOffset > offset })
	if i == 0 {
		if len(entries) == 0 {
			return EpochEntry{EndOffset: math.MaxInt64}
		}
		return EpochEntry{Epoch: 0, StartOffset: 0, EndOffset: entries[0].StartOffset}
	}
	return entries[i-1]
}

// confirmBehind reports, in epoch mode, whether the confirm offset moved
// since the last frame: an empty frame then tells the slave at once, so
// that what its consumers see does not wait for data or a heartbeat.
func (c *slaveConn) confirmBehind() bool {
	return c.epochs != nil && c.m.wireConfirm() != c.confirmSent
}
