package ha

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Epoch mode (controller mode) extends the wire format. After connecting
// (and after any authentication a later layer adds), the slave sends a
// handshake with its epoch history; the master answers the offset the
// slave's log must be cut back to; then the slave reports as always, and
// every master frame carries the epoch of its bytes and the confirm
// offset. All integers are big-endian.
//
//	slave -> master   handshake: magic (4) | broker id (8) | max offset (8) |
//	                  min offset (8) | entry count (4) | entries: epoch (4), start offset (8)
//	master -> slave   answer: magic (4) | status (4) | truncate offset (8) | master epoch (4)
//	master -> slave   frame: physical offset (8) | body size (4) | epoch (4) |
//	                  epoch start offset (8) | confirm offset (8) | body
//
// RocketMQ 5's AutoSwitchHAService sends the master's history to the slave,
// which finds the point itself; here the master finds it, so that it knows
// which of the slave's bytes are its own before it counts them as held.
const (
	handshakeMagic      = 0x52534531 // "RSE1"
	handshakeHeaderSize = 4 + 8 + 8 + 8 + 4
	epochEntrySize      = 4 + 8
	epochAnswerSize     = 4 + 4 + 8 + 4
	epochFrameExtra     = 4 + 8 + 8
	// maxHandshakeEntries bounds the history a slave may send (one entry
	// per master term its log holds data of).
	maxHandshakeEntries = 1 << 16
)

// Handshake answers.
const (
	handshakeOK         = 0
	handshakeNoCommon   = 1 // the histories share no epoch
	handshakeStale      = 2 // the slave knows a newer epoch than the master
	handshakeBadRequest = 3
)

// Reasons a handshake fails; a *StreamError wraps the protocol ones.
var (
	// ErrNoCommonEpoch means the slave's history shares no epoch with its
	// master's: its log cannot be made a prefix of the master's, and it is
	// not followed until an operator clears it.
	ErrNoCommonEpoch = errors.New("ha: the slave's epoch history shares no epoch with the master's")
	// ErrStaleMaster means the peer that answered as master is in an
	// older epoch than the slave has seen: it was deposed.
	ErrStaleMaster  = errors.New("ha: the master's epoch is older than the slave's")
	errBadHandshake = errors.New("malformed handshake")
)

type handshake struct {
	brokerID             int64
	maxOffset, minOffset int64
	entries              []EpochEntry
}

func (h *handshake) encode() []byte {
	b := make([]byte, handshakeHeaderSize, handshakeHeaderSize+len(h.entries)*epochEntrySize)
	be := binary.BigEndian
	be.PutUint32(b[0:], handshakeMagic)
	be.PutUint64(b[4:], uint64(h.brokerID))
	be.PutUint64(b[12:], uint64(h.maxOffset))
	be.PutUint64(b[20:], uint64(h.minOffset))
	be.PutUint32(b[28:], uint32(len(h.entries)))
	for _, e := range h.entries {
		b = be.AppendUint32(b, uint32(e.Epoch))
		b = be.AppendUint64(b, uint64(e.StartOffset))
	}
	return b
}

// readHandshake reads and checks a slave's handshake.
func readHandshake(r io.Reader) (handshake, error) {
	var hdr [handshakeHeaderSize]byte
	// The magic alone first: a classic slave's 8-byte report must be
	// refused at once, not waited on for the rest of a header.
	if _, err := io.ReadFull(r, hdr[:4]); err != nil {
		return handshake{}, err
	}
	be := binary.BigEndian
	if m := be.Uint32(hdr[0:]); m != handshakeMagic {
		return handshake{}, badStream(0, "%w: magic %#x (a slave not in controller mode?)", errBadHandshake, m)
	}
	if _, err := io.ReadFull(r, hdr[4:]); err != nil {
		return handshake{}, err
	}
	h := handshake{
		brokerID:  int64(be.Uint64(hdr[4:])),
		maxOffset: int64(be.Uint64(hdr[12:])),
		minOffset: int64(be.Uint64(hdr[20:])),
	}
	n := be.Uint32(hdr[28:])
	if n > maxHandshakeEntries || h.maxOffset < 0 || h.minOffset < 0 || h.minOffset > h.maxOffset {
		return handshake{}, badStream(h.maxOffset, "%w: %d entries, offsets [%d, %d)", errBadHandshake, n, h.minOffset, h.maxOffset)
	}
	body := make([]byte, int(n)*epochEntrySize)
	if _, err := io.ReadFull(r, body); err != nil {
		return handshake{}, err
	}
	for i := range int(n) {
		e := EpochEntry{Epoch: int32(be.Uint32(body[i*epochEntrySize:])), StartOffset: int64(be.Uint64(body[i*epochEntrySize+4:]))}
		if e.Epoch <= 0 || e.StartOffset < 0 || e.StartOffset > h.maxOffset {
			return handshake{}, badStream(e.StartOffset, "%w: entry %+v", errBadHandshake, e)
		}
		if i > 0 {
			if prev := h.entries[i-1]; e.Epoch <= prev.Epoch || e.StartOffset < prev.StartOffset {
				return handshake{}, badStream(e.StartOffset, "%w: %w: %+v after %+v", errBadHandshake, ErrEpochOrder, e, prev)
			}
		}
		h.entries = append(h.entries, e)
	}
	return h, nil
}

type handshakeAnswer struct {
	status         int32
	truncateOffset int64
	masterEpoch    int32
}

func (a *handshakeAnswer) encode() []byte {
	b := make([]byte, epochAnswerSize)
	be := binary.BigEndian
	be.PutUint32(b[0:], handshakeMagic)
	be.PutUint32(b[4:], uint32(a.status))
	be.PutUint64(b[8:], uint64(a.truncateOffset))
	be.PutUint32(b[16:], uint32(a.masterEpoch))
	return b
}

func readAnswer(r io.Reader) (handshakeAnswer, error) {
	var b [epochAnswerSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return handshakeAnswer{}, err
	}
	be := binary.BigEndian
	if m := be.Uint32(b[0:]); m != handshakeMagic {
		return handshakeAnswer{}, badStream(0, "%w: answer magic %#x (a master not in controller mode?)", errBadHandshake, m)
	}
	a := handshakeAnswer{status: int32(be.Uint32(b[4:])), truncateOffset: int64(be.Uint64(b[8:])), masterEpoch: int32(be.Uint32(b[16:]))}
	return a, nil
}

// answerHandshake decides where a slave's log must be cut: at the last
// offset both histories agree on, never below the slave's first byte (a
// slave none of whose bytes are known good drops them all) nor above its
// end. An empty slave keeps its end.
func answerHandshake(h handshake, master []EpochEntry, masterEnd int64) handshakeAnswer {
	a := handshakeAnswer{status: handshakeOK, masterEpoch: lastEpoch(master)}
	switch {
	case lastEpoch(h.entries) > a.masterEpoch:
		a.status = handshakeStale
	case h.maxOffset == h.minOffset:
		a.truncateOffset = h.maxOffset
	default:
		p := ConsistentPoint(h.entries, h.maxOffset, master, masterEnd)
		if p < 0 {
			a.status = handshakeNoCommon
			break
		}
		a.truncateOffset = min(max(p, h.minOffset), h.maxOffset)
	}
	return a
}

func lastEpoch(entries []EpochEntry) int32 {
	if len(entries) == 0 {
		return 0
	}
	return entries[len(entries)-1].Epoch
}

// answerError is the error a slave gets for a refused handshake.
func (a *handshakeAnswer) err() error {
	switch a.status {
	case handshakeOK:
		return nil
	case handshakeNoCommon:
		return ErrNoCommonEpoch
	case handshakeStale:
		return fmt.Errorf("%w (master epoch %d)", ErrStaleMaster, a.masterEpoch)
	default:
		return badStream(0, "%w: status %d", errBadHandshake, a.status)
	}
}

// epochFrame is what an epoch-mode frame adds to the classic header.
type epochFrame struct {
	epoch      int32
	epochStart int64
	confirm    int64
}

func putEpochFrame(b []byte, f epochFrame) {
	be := binary.BigEndian
	be.PutUint32(b[0:], uint32(f.epoch))
	be.PutUint64(b[4:], uint64(f.epochStart))
	be.PutUint64(b[12:], uint64(f.confirm))
}

func parseEpochFrame(b []byte) epochFrame {
	be := binary.BigEndian
	return epochFrame{epoch: int32(be.Uint32(b[0:])), epochStart: int64(be.Uint64(b[4:])), confirm: int64(be.Uint64(b[12:]))}
}
