package peers

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
)

const rocketstoreName = "rocketstore"

// rocketstoreLog adapts RocketStore's commit log. A commitlog.Log has one
// flush mode, so the adapter keeps two logs, each opened on first use (a
// benchmark of one mode then never pays for the other's 1 GiB files):
//
//   - Append goes to dir/async, opened with AsyncFlush and Prewarm, the
//     configuration BENCHMARKS.md measures fastest for async appends. It
//     returns once the record is in the mapped file: a process crash loses
//     nothing, a machine crash may lose what the background flusher has not
//     yet written back (it runs every 500 ms).
//   - AppendDurable goes to dir/sync, opened with SyncFlush and
//     TransientStorePool, the configuration BENCHMARKS.md measures fastest
//     for 64 concurrent durable appenders. It returns once a group commit
//     has written the record to the file and fsynced it; concurrent callers
//     share one fsync.
//
// Each record is the body of a RocketMQ message (topic "PeerBench"), so the
// log stores about 90 bytes of header beside it. Files are the production
// size, 1 GiB. Sequence numbers follow the order in which appends return;
// ReadAt checks the record's framing but not its body CRC.
type rocketstoreLog struct {
	async, sync lazyCommitLog
	seqs        seqTable[rocketstoreLoc]
	bornAt      int64 // one born timestamp for every message: the clock read is not what we compare
}

// rocketstoreLoc is where one record went.
type rocketstoreLoc struct {
	log    *commitlog.Log
	offset int64 // physical offset
}

// lazyCommitLog opens a commit log the first time it is needed.
type lazyCommitLog struct {
	dir  string
	opts commitlog.Options
	once sync.Once
	log  *commitlog.Log
	err  error
}

func (z *lazyCommitLog) get() (*commitlog.Log, error) {
	z.once.Do(func() { z.log, z.err = commitlog.Open(z.dir, &z.opts) })
	return z.log, z.err
}

func openRocketstore(dir string) (Log, error) {
	return &rocketstoreLog{
		async: lazyCommitLog{
			dir:  filepath.Join(dir, "async"),
			opts: commitlog.Options{FlushMode: commitlog.AsyncFlush, Prewarm: true},
		},
		sync: lazyCommitLog{
			dir:  filepath.Join(dir, "sync"),
			opts: commitlog.Options{FlushMode: commitlog.SyncFlush, TransientStorePool: true},
		},
		bornAt: time.Now().UnixMilli(),
	}, nil
}

func (r *rocketstoreLog) Name() string { return rocketstoreName }

func (r *rocketstoreLog) Append(record []byte) error { return r.append(&r.async, record) }

func (r *rocketstoreLog) AppendDurable(record []byte) error { return r.append(&r.sync, record) }

var benchBornHost = netip.MustParseAddrPort("127.0.0.1:50000")

func (r *rocketstoreLog) append(z *lazyCommitLog, record []byte) error {
	l, err := z.get()
	if err != nil {
		return err
	}
	m := message.Message{Topic: "PeerBench", Body: record, BornTimestamp: r.bornAt, BornHost: benchBornHost}
	res, err := l.Append(context.Background(), &m)
	if err != nil {
		return err
	}
	r.seqs.add(rocketstoreLoc{log: l, offset: res.PhysicalOffset})
	return nil
}

func (r *rocketstoreLog) ReadAt(seq int) ([]byte, error) {
	loc, err := r.seqs.get(seq)
	if err != nil {
		return nil, err
	}
	e, err := loc.log.Read(loc.offset)
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

func (r *rocketstoreLog) Close() error {
	var errs []error
	for _, z := range []*lazyCommitLog{&r.async, &r.sync} {
		if z.log != nil {
			errs = append(errs, z.log.Close())
		}
	}
	return errors.Join(errs...)
}
