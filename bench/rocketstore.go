package bench

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
)

// RocketstoreEngine is rocketstore's commit log as a Log:
//
//   - Append (not durable) goes to a log opened with AsyncFlush and Prewarm:
//     it returns once the record is in the mapped file, so a process crash
//     loses nothing and a machine crash may lose what the background flusher
//     has not written back (it runs every 500 ms).
//   - Durable Append goes to a log opened with SyncFlush and the
//     TransientStorePool: it returns once a group commit has written the
//     record to the file and fsynced it; concurrent callers share one fsync.
//
// Each record is the body of a RocketMQ message (topic "BenchTopic"), so the
// log stores about 90 bytes of header beside it. Sequence numbers follow the
// records' order in the log, kept in memory as physical offsets (what a
// consume queue holds); a reopened log rebuilds them by scanning the records,
// which W4 times as part of the reopen. An abort marker, created at open and
// removed at Close, tells a reopen whether the last close was clean, as the
// message store's does.
func RocketstoreEngine() Engine {
	return Engine{
		Name: "rocketstore",
		Config: "commitlog: async = AsyncFlush + Prewarm (mapped file, flusher every 500 ms); " +
			"durable = SyncFlush + TransientStorePool (group commit)",
		Open: openRocketstore,
	}
}

type rocketstoreLog struct {
	log    *commitlog.Log
	seqs   SeqTable[int64] // physical offsets
	abort  string
	bornAt int64 // one born timestamp for every message: the clock read is not what we compare
}

var benchBornHost = netip.MustParseAddrPort("127.0.0.1:50000")

const abortMarker = "abort"

func openRocketstore(dir string, o OpenOptions) (Log, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	abort := filepath.Join(dir, abortMarker)
	_, err := os.Stat(abort)
	crashed := err == nil
	opts := commitlog.Options{FileSize: int(o.SegmentSize), CleanShutdown: !crashed}
	if o.Durable {
		opts.FlushMode, opts.TransientStorePool = commitlog.SyncFlush, true
	} else {
		opts.FlushMode, opts.Prewarm = commitlog.AsyncFlush, true
	}
	if o.SegmentSize > 0 && o.SegmentSize < 64<<20 {
		// Small test files: prewarming is pointless, and the largest
		// message must still fit in one file.
		opts.Prewarm = false
		opts.MaxMessageSize = int(o.SegmentSize / 4)
	}
	l, err := commitlog.Open(dir, &opts)
	if err != nil {
		return nil, err
	}
	r := &rocketstoreLog{log: l, abort: abort, bornAt: time.Now().UnixMilli()}
	if err := r.rebuildSeqs(); err != nil {
		l.Close()
		return nil, err
	}
	if err := os.WriteFile(abort, nil, 0o644); err != nil {
		l.Close()
		return nil, err
	}
	return r, nil
}

// rebuildSeqs numbers the records found at open.
func (r *rocketstoreLog) rebuildSeqs() error {
	it := r.log.NewIterator(r.log.MinOffset(), false)
	defer it.Close()
	for it.Next() {
		r.seqs.Add(it.Entry().Offset)
	}
	return it.Err()
}

// messages recycles the Message of each Append: allocating one per record
// was a tenth of W1's CPU.
var messages = sync.Pool{New: func() any { return new(message.Message) }}

func (r *rocketstoreLog) Append(record []byte) error {
	m := messages.Get().(*message.Message)
	*m = message.Message{Topic: "BenchTopic", Body: record, BornTimestamp: r.bornAt, BornHost: benchBornHost}
	res, err := r.log.Append(context.Background(), m)
	*m = message.Message{} // drop the caller's record
	messages.Put(m)
	if err != nil {
		return err
	}
	r.seqs.AddOrdered(res.PhysicalOffset, func(a, b int64) bool { return a < b })
	return nil
}

func (r *rocketstoreLog) ReadAt(seq int) ([]byte, error) {
	off, err := r.seqs.Get(seq)
	if err != nil {
		return nil, err
	}
	e, err := r.log.Read(off)
	if err != nil {
		return nil, err
	}
	// The entry aliases the mapped file, which may be unmapped after
	// Release: copy the body out first.
	defer e.Release()
	rec, err := e.Decode(false)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(rec.Body), nil
}

func (r *rocketstoreLog) Len() int { return r.seqs.Len() }

func (r *rocketstoreLog) Close() error {
	if err := r.log.Close(); err != nil {
		return err
	}
	return os.Remove(r.abort)
}
