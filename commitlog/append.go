package commitlog

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

// AppendResult says where a record went.
type AppendResult struct {
	PhysicalOffset int64          // commit-log offset of the record's first byte
	Size           int32          // encoded record size in bytes
	QueueOffset    int64          // consume-queue offset written into the record
	StoreTimestamp int64          // ms since the epoch
	StoreHost      netip.AddrPort // store host written into the record
}

// End is the physical offset just past the record.
func (r AppendResult) End() int64 { return r.PhysicalOffset + int64(r.Size) }

// MsgID is the record's offset message id (store host and physical offset
// in hex), computed on demand so that appending does not allocate it.
func (r AppendResult) MsgID() string { return message.OffsetMsgID(r.StoreHost, r.PhysicalOffset) }

// Append writes m as one record and waits for the log's durability (see
// FlushMode). ctx bounds only that wait; once Append has written the record
// it stays in the log even if the wait fails.
func (l *Log) Append(ctx context.Context, m *message.Message) (AppendResult, error) {
	size, err := l.checkedSize(m)
	if err != nil {
		return AppendResult{}, err
	}
	crc := message.BodyCRC(m.Body)

	now := l.lockAppend()
	f, roll, err := l.reserve(size)
	if err != nil {
		l.unlockAppend()
		l.reportRoll(roll)
		return AppendResult{}, err
	}
	res, err := l.encode(f.Writable(), f.StartOffset()+int64(f.WrotePosition()), m, crc, now)
	if err == nil {
		f.Advance(int(res.Size))
	}
	l.unlockAppend()
	l.reportRoll(roll)
	if err != nil {
		return AppendResult{}, err
	}
	return res, l.awaitDurable(ctx, res.End(), m)
}

// AppendBatch writes msgs as consecutive records in one file, published to
// readers together, then waits once for the log's durability. It appends one
// AppendResult per message to results and returns the extended slice. The
// batch must fit in one file.
func (l *Log) AppendBatch(ctx context.Context, msgs []message.Message, results []AppendResult) ([]AppendResult, error) {
	if len(msgs) == 0 {
		return results, nil
	}
	var crcBuf [64]uint32
	crcs := crcBuf[:0]
	if len(msgs) > len(crcBuf) {
		crcs = make([]uint32, 0, len(msgs))
	}
	total := 0
	for i := range msgs {
		size, err := l.checkedSize(&msgs[i])
		if err != nil {
			return results, fmt.Errorf("batch message %d: %w", i, err)
		}
		total += size
		crcs = append(crcs, message.BodyCRC(msgs[i].Body))
	}
	if total+message.MinBlankSize > l.opts.FileSize {
		return results, fmt.Errorf("%w: batch of %d bytes does not fit in a %d-byte file", ErrMessageTooLarge, total, l.opts.FileSize)
	}

	first := len(results)
	now := l.lockAppend()
	f, roll, err := l.reserve(total)
	if err != nil {
		l.unlockAppend()
		l.reportRoll(roll)
		return results, err
	}
	dst := f.Writable()
	start := f.StartOffset() + int64(f.WrotePosition())
	written := 0
	for i := range msgs {
		res, err := l.encode(dst[written:], start+int64(written), &msgs[i], crcs[i], now)
		if err != nil {
			// Sizes were checked above, so this is a broken invariant; nothing
			// was published, so the log is unchanged.
			l.unlockAppend()
			l.reportRoll(roll)
			return results[:first], err
		}
		written += int(res.Size)
		results = append(results, res)
	}
	f.Advance(written)
	l.unlockAppend()
	l.reportRoll(roll)

	waitFor := &msgs[len(msgs)-1]
	return results, l.awaitDurable(ctx, start+int64(written), waitFor)
}

// checkedSize validates m and returns its encoded size.
func (l *Log) checkedSize(m *message.Message) (int, error) {
	size, err := message.EncodedSize(m, l.opts.StoreHost)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrMessageIllegal, err)
	}
	if size > l.opts.MaxMessageSize {
		return 0, fmt.Errorf("%w: %d bytes, max %d", ErrMessageTooLarge, size, l.opts.MaxMessageSize)
	}
	return size, nil
}

// reserve returns a file with room for size bytes plus the minimum blank
// filler, filling the rest of the current file with a blank record and
// rolling to the next file when needed (roll then describes it, for
// reporting once the append lock is released). It refuses when the log is
// closed or poisoned. Called under appendMu. On error the log is unchanged
// apart from a possibly completed filler, which readers skip like any
// other.
func (l *Log) reserve(size int) (f *mappedfile.File, roll *RollInfo, err error) {
	if l.closed.Load() {
		return nil, nil, ErrClosed
	}
	if err := l.Err(); err != nil {
		return nil, nil, fmt.Errorf("commitlog: append refused: %w", err)
	}
	need := size + message.MinBlankSize
	if f, err = l.files.Writable(0); err != nil {
		return nil, nil, fmt.Errorf("commitlog: %w", err)
	}
	if f.Remaining() >= need {
		return f, nil, nil
	}
	filler := fillRest(f)
	if f, err = l.files.Writable(0); err != nil {
		return nil, nil, fmt.Errorf("commitlog: roll: %w", err)
	}
	roll = &RollInfo{Path: f.Path(), StartOffset: f.StartOffset(), FillerBytes: filler}
	if f.Remaining() < need {
		return nil, roll, fmt.Errorf("%w: %d bytes do not fit in a fresh %d-byte file", ErrMessageTooLarge, size, f.Size())
	}
	return f, roll, nil
}

// reportRoll reports a roll, if there was one; outside the append lock.
func (l *Log) reportRoll(roll *RollInfo) {
	if roll != nil {
		l.report.roll(*roll)
	}
}

// fillRest ends f with a blank record covering its remaining bytes and
// returns how many. Fewer than MinBlankSize remaining bytes cannot hold a
// blank header; they are zeroed (a reused write buffer holds old bytes), so
// that readers see the padding that ends a file.
func fillRest(f *mappedfile.File) int {
	rest := f.Remaining()
	if rest >= message.MinBlankSize {
		// Cannot fail: the buffer holds at least MinBlankSize bytes.
		_ = message.EncodeBlank(f.Writable()[:rest])
	} else {
		clear(f.Writable()[:rest])
	}
	f.Advance(rest)
	return rest
}

// encode writes m as the record at physical offset phys into dst. Called
// under appendMu.
func (l *Log) encode(dst []byte, phys int64, m *message.Message, crc uint32, now int64) (AppendResult, error) {
	var queueOffset int64
	if l.opts.QueueOffsets != nil {
		queueOffset = l.opts.QueueOffsets.AssignQueueOffset(m)
	}
	rec := message.Record{
		Message:        *m,
		BodyCRC:        crc,
		QueueOffset:    queueOffset,
		PhysicalOffset: phys,
		StoreTimestamp: now,
		StoreHost:      l.opts.StoreHost,
	}
	n, err := message.Encode(dst, &rec)
	if err != nil {
		return AppendResult{}, fmt.Errorf("%w: %w", ErrMessageIllegal, err)
	}
	return AppendResult{
		PhysicalOffset: phys,
		Size:           int32(n),
		QueueOffset:    queueOffset,
		StoreTimestamp: now,
		StoreHost:      l.opts.StoreHost,
	}, nil
}

// awaitDurable waits until end is durable when the log flushes
// synchronously and m wants to wait (its WAIT property is not "false").
func (l *Log) awaitDurable(ctx context.Context, end int64, m *message.Message) error {
	if l.groupCommit == nil {
		return nil
	}
	if v, ok := m.Properties.Lookup(message.PropertyWaitStoreOK); ok && string(v) == "false" {
		return nil
	}
	return l.groupCommit.Wait(ctx, end)
}
