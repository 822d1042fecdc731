package ha

import (
	"io"
	"slices"
	"sync/atomic"

	"github.com/rocketstore/rocketstore/message"
)

// readChunk is how many body bytes the receiver reads at a time, so that a
// frame claiming a large body costs memory only as its bytes arrive.
const readChunk = 64 << 10

// receiver is the slave's side of one connection's stream, without the
// socket: it reads frames, checks them, and appends whole valid records to
// the sink. It is not safe for concurrent use.
type receiver struct {
	sink    Sink
	units   unitChecker
	maxBody int

	end     int64  // the sink's end, where pending starts
	pending []byte // the first bytes of a unit the next frame completes
	body    []byte // the current frame's body; reused
	// fillerLeft is how many bytes of a blank filler whose header was
	// checked and appended are still to come (pending is empty then):
	// they say nothing, so they go to the sink as they arrive.
	fillerLeft int

	masterOffset *atomic.Int64  // highest offset a frame told of; may be nil
	epochs       *epochFollower // epoch mode; nil in classic mode
}

func newReceiver(sink Sink, o *SlaveOptions, masterOffset *atomic.Int64) *receiver {
	r := &receiver{
		sink:         sink,
		units:        unitChecker{fileSize: int64(sink.FileSize()), maxRecord: o.MaxRecordSize},
		maxBody:      o.MaxBodySize,
		end:          sink.MaxOffset(),
		masterOffset: masterOffset,
	}
	if o.Epochs != nil {
		r.epochs = &epochFollower{epochs: o.Epochs, onConfirm: o.OnConfirm}
	}
	return r
}

// expected is the offset the next frame must start at.
func (r *receiver) expected() int64 { return r.end + int64(len(r.pending)) }

// readFrames reads and applies frames from rd until an error: the reader's
// (io.EOF at a frame boundary) or a *StreamError. After each frame that
// appended something, onAppend (if not nil) is called with the sink's new
// end; its error ends the loop too.
func (r *receiver) readFrames(rd io.Reader, onAppend func(end int64) error) error {
	var hdr [headerSize + epochFrameExtra]byte
	n := headerSize
	if r.epochs != nil {
		n += epochFrameExtra
	}
	for {
		if _, err := io.ReadFull(rd, hdr[:n]); err != nil {
			return err
		}
		offset, size := parseHeader((*[headerSize]byte)(hdr[:headerSize]))
		// Check the header before reading the body: a wrong offset or an
		// absurd size must not make the slave wait for, or buffer, a body.
		if size < 0 || int(size) > r.maxBody {
			return badStream(offset, "%w: %d bytes, max %d", errFrameSize, size, r.maxBody)
		}
		if want := r.expected(); offset != want {
			if want != 0 || offset%r.units.fileSize != 0 {
				return badStream(want, "%w: frame at %d", errWrongOffset, offset)
			}
			// A master starts a slave that reports 0 at its last file: an
			// empty log starts there (the Sink accepts a file boundary).
			r.end = offset
		}
		body, err := r.readBody(rd, int(size))
		if err != nil {
			return err
		}
		var ef epochFrame
		if r.epochs != nil {
			ef = parseEpochFrame(hdr[headerSize:])
			if err := r.epochs.frame(ef, offset); err != nil {
				return err
			}
		}
		before := r.end
		if err := r.apply(offset, body); err != nil {
			return err
		}
		if r.epochs != nil {
			r.epochs.confirmed(ef, r.end)
		}
		if r.masterOffset != nil {
			atomicMax(r.masterOffset, offset+int64(size))
		}
		if r.end != before && onAppend != nil {
			if err := onAppend(r.end); err != nil {
				return err
			}
		}
	}
}

// readBody reads a body of size bytes into r.body, growing it a chunk at a
// time. A stream that ends early is io.ErrUnexpectedEOF.
func (r *receiver) readBody(rd io.Reader, size int) ([]byte, error) {
	b := r.body[:0]
	for len(b) < size {
		n := min(size-len(b), readChunk)
		b = slices.Grow(b, n)
		got, err := io.ReadFull(rd, b[len(b):len(b)+n])
		b = b[:len(b)+got]
		if err != nil {
			r.body = b
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	r.body = b
	return b, nil
}

// apply checks the frame body at offset and appends its whole units. It is
// all or nothing: every unit the body completes is checked before any is
// appended, so a rejected frame leaves the sink as it was. A trailing
// partial unit is kept in r.pending for the next frame, unless it is a
// filler whose header is checked: its rest is appended as it comes.
func (r *receiver) apply(offset int64, body []byte) error {
	if want := r.expected(); offset != want {
		return badStream(want, "%w: frame at %d", errWrongOffset, offset)
	}
	used, pendingDone, fillerLeft, err := r.completePending(body)
	if err != nil {
		return err
	}
	if len(r.pending) > 0 && !pendingDone {
		return nil // the whole body went into the still partial unit
	}
	whole := used // body[used:whole] holds whole checked units and filler bytes
	for whole < len(body) {
		if fillerLeft > 0 {
			n := min(fillerLeft, len(body)-whole)
			whole += n
			fillerLeft -= n
			continue
		}
		phys := offset + int64(whole)
		unit, need, known, err := r.units.span(body[whole:], phys)
		if err != nil {
			return err
		}
		if !known || need > len(body)-whole {
			break
		}
		if err := r.units.check(body[whole:whole+need], phys); err != nil {
			return err
		}
		whole += need
		fillerLeft = unit.Size - need
	}

	if pendingDone {
		if err := r.sink.AppendRaw(r.end, r.pending); err != nil {
			return err
		}
		r.end += int64(len(r.pending))
		r.pending = r.pending[:0]
	}
	if whole > used {
		if err := r.sink.AppendRaw(r.end, body[used:whole]); err != nil {
			return err
		}
		r.end += int64(whole - used)
	}
	r.pending = append(r.pending, body[whole:]...)
	r.fillerLeft = fillerLeft
	return nil
}

// completePending moves bytes from the start of body into r.pending until
// the unit it begins can be checked (then checks it: done) or body runs
// out. It returns how many bytes of body it took, and how many bytes of a
// filler follow: the rest of the one pending began, or of one an earlier
// frame began (r.pending is empty then).
func (r *receiver) completePending(body []byte) (used int, done bool, fillerLeft int, err error) {
	if len(r.pending) == 0 {
		return 0, false, r.fillerLeft, nil
	}
	for {
		unit, need, known, err := r.units.span(r.pending, r.end)
		if err != nil {
			return used, false, 0, err
		}
		if !known {
			need = message.MinBlankSize // enough to read the header
		}
		if known && len(r.pending) >= need {
			return used, true, unit.Size - need, r.units.check(r.pending[:need], r.end)
		}
		take := min(need-len(r.pending), len(body)-used)
		if take == 0 {
			return used, false, 0, nil
		}
		r.pending = append(r.pending, body[used:used+take]...)
		used += take
	}
}

// atomicMax raises v to at least x.
func atomicMax(v *atomic.Int64, x int64) {
	for {
		cur := v.Load()
		if x <= cur || v.CompareAndSwap(cur, x) {
			return
		}
	}
}
