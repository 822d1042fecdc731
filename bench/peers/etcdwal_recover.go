package peers

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.etcd.io/etcd/server/v3/storage/wal"
	"go.etcd.io/etcd/server/v3/storage/wal/walpb"
	"go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// etcdWALDir is where the log of dir lives: wal.Create builds the log in a
// temporary sibling directory and renames it into place, replacing what is
// there, so it gets a directory of its own.
func etcdWALDir(dir string) string { return filepath.Join(dir, "wal") }

// etcdLogger passes on etcd's warnings and errors (a slow fdatasync, a
// failed repair) and drops its informational lines, which would land in the
// middle of benchmark output.
func etcdLogger() *zap.Logger {
	enc := zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(os.Stderr), zap.WarnLevel)).Named("etcd-wal")
}

// openEtcdWAL creates the log in dir, or opens the one there and reads all
// its entries, ready for appending, as etcd's server does at startup: a
// ReadAll that fails with io.ErrUnexpectedEOF (a torn record at the tail,
// which a crash in the middle of a write(2) leaves) is followed by
// wal.Repair, which cuts the last segment after its last whole record, and
// one more try; any other failure (damage, not a torn write) fails the open.
func openEtcdWAL(dir string) (*wal.WAL, []*raftpb.Entry, error) {
	lg := etcdLogger()
	if !wal.Exist(dir) {
		w, err := wal.Create(lg, dir, nil)
		return w, nil, err
	}
	for repaired := false; ; repaired = true {
		w, err := wal.Open(lg, dir, &walpb.Snapshot{})
		if err != nil {
			return nil, nil, err
		}
		_, _, ents, err := w.ReadAll()
		if err == nil {
			return w, ents, nil
		}
		err = errors.Join(err, w.Close())
		if repaired || !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, nil, err
		}
		if !wal.Repair(lg, dir) {
			return nil, nil, fmt.Errorf("etcd-wal: repair failed: %w", err)
		}
	}
}

// syncEtcdSegments fsyncs every segment of the log in dir, and dir.
func syncEtcdSegments(dir string) error {
	segs, err := filepath.Glob(filepath.Join(dir, "*.wal"))
	if err != nil {
		return err
	}
	var errs []error
	for _, seg := range segs {
		errs = append(errs, syncPath(seg))
	}
	return errors.Join(append(errs, syncPath(dir))...)
}
