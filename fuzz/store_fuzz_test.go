package fuzz

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/store"
)

const (
	fuzzRoot     = "store"
	fuzzMessages = 300
	fuzzQueues   = 4
	fuzzTopic    = "FuzzTopic"
)

func fuzzOptions(fs mappedfile.FS) *store.Options {
	return &store.Options{
		CommitLog:                commitlog.Options{FileSize: 64 << 10, MaxMessageSize: 16 << 10, DisablePreallocate: true},
		ConsumeQueueUnitsPerFile: 64,
		IndexSlotCount:           128,
		IndexMaxEntries:          512,
		CleanResourceInterval:    -1,
		CacheBytes:               1 << 20,
		FS:                       fs,
	}
}

var (
	templateOnce sync.Once
	templateFS   *mappedfile.MemFS
	templateErr  error
)

// template is a cleanly closed store of a few files of every kind.
func template() (*mappedfile.MemFS, error) {
	templateOnce.Do(func() {
		fs := mappedfile.NewMemFS()
		s, err := store.Open(fuzzRoot, fuzzOptions(fs))
		if err != nil {
			templateErr = err
			return
		}
		for seq := range fuzzMessages {
			m := &message.Message{
				Topic:   fuzzTopic,
				QueueID: int32(seq % fuzzQueues),
				Body:    make([]byte, 100+seq*7%600),
				Properties: message.EncodeProperties(map[string]string{
					message.PropertyKeys: fmt.Sprintf("k%d", seq),
					message.PropertyTags: "T",
				}),
			}
			if _, err := s.PutMessage(context.Background(), m); err != nil {
				templateErr = err
				return
			}
		}
		templateErr = s.Close()
		templateFS = fs
	})
	return templateFS, templateErr
}

// storeFiles lists every file below dir.
func storeFiles(fs *mappedfile.MemFS, dir string) []string {
	names, _ := fs.ReadDir(dir)
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join(dir, n))
	}
	subs, _ := fs.Subdirs(dir)
	for _, sub := range subs {
		paths = append(paths, storeFiles(fs, filepath.Join(dir, sub))...)
	}
	return paths
}

// damage applies one 8-byte operation: flip a byte, truncate, remove, or
// zero a range of one file.
func damage(t *testing.T, fs *mappedfile.MemFS, files []string, op []byte) {
	path := files[int(op[1])%len(files)]
	m, err := fs.Open(path)
	if err != nil {
		return // removed by an earlier operation
	}
	b := m.Bytes()
	pos := 0
	if len(b) > 0 {
		pos = int(binary.BigEndian.Uint32(op[2:6]) % uint32(len(b)))
	}
	switch op[0] % 4 {
	case 0:
		if len(b) > 0 {
			b[pos] ^= op[6] | 1
		}
		m.Flush(0, len(b))
	case 1:
		kept := append([]byte(nil), b[:pos]...)
		m.Close()
		if err := fs.Remove(path); err != nil {
			t.Fatal(err)
		}
		if m, err = fs.Create(path, len(kept)); err != nil {
			t.Fatal(err)
		}
		copy(m.Bytes(), kept)
		m.Flush(0, len(kept))
	case 2:
		m.Close()
		if err := fs.Remove(path); err != nil {
			t.Fatal(err)
		}
		return
	case 3:
		clear(b[pos:min(len(b), pos+int(op[6])*16)])
		m.Flush(0, len(b))
	}
	m.Close()
}

// FuzzDamagedStore damages a store directory at random and opens it: Open
// either fails with an error or gives a store that serves only records
// passing their CRC, and closes cleanly.
func FuzzDamagedStore(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 40, 0xff, 0})                          // flip in the first file
	f.Add([]byte{1, 3, 0, 0, 10, 0, 0, 0})                             // truncate a file
	f.Add([]byte{2, 7, 0, 0, 0, 0, 0, 0, 2, 9, 0, 0, 0, 0, 0, 0})      // remove two files
	f.Add([]byte{3, 1, 0, 1, 0, 0, 200, 0, 0, 2, 0, 0, 5, 0, 0x10, 0}) // zero a range, flip
	f.Fuzz(func(t *testing.T, ops []byte) {
		tmpl, err := template()
		if err != nil {
			t.Fatal(err)
		}
		fs := tmpl.CrashCopy() // everything was flushed at Close
		files := storeFiles(fs, fuzzRoot)
		for i := 0; i+8 <= len(ops) && i < 8*8; i += 8 {
			damage(t, fs, files, ops[i:i+8])
		}
		checkDamaged(t, fs)
		s, err := store.Open(fuzzRoot, fuzzOptions(fs))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("Open failed with an empty error")
			}
			return
		}
		for qid := range int32(fuzzQueues) {
			pullChecked(t, s, qid)
		}
		for _, key := range []string{"k0", "k150", "k299"} {
			res, err := s.QueryMessage(fuzzTopic, key, 8, 0, 1<<62)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Records {
				if r.BodyCRC != message.BodyCRC(r.Body) {
					t.Fatalf("key %s: a record failing its CRC was served", key)
				}
			}
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	})
}

// checkDamaged runs the offline tools on a damaged directory: they must
// not panic, and must either pass or say what is wrong.
func checkDamaged(t *testing.T, fs mappedfile.FS) {
	o := &store.CheckOptions{FS: fs, IndexSlotCount: 128, IndexMaxEntries: 512}
	rep, err := store.Check(fuzzRoot, o)
	if err == nil && !rep.OK() || err != nil && errors.Is(err, store.ErrDamaged) && rep.OK() {
		t.Fatalf("Check returned %v with %d problems", err, rep.ProblemCount)
	}
	if _, err := store.Inspect(fuzzRoot, o); err != nil && err.Error() == "" {
		t.Fatal("Inspect failed with an empty error")
	}
	n := 0
	_ = store.ReadRecords(fuzzRoot, o, 0, 0, func(store.DirRecord) bool { n++; return true }) // any outcome but a panic
	_ = store.ReadQueue(fuzzRoot, o, fuzzTopic, 1, 0, 0, func(int64, store.DirRecord) bool { return true })
}

// pullChecked pulls a whole queue; every record served must pass its CRC.
func pullChecked(t *testing.T, s *store.MessageStore, qid int32) {
	offset := s.GetMinOffsetInQueue(fuzzTopic, qid)
	for range 1000 {
		r, err := s.GetMessage("g", fuzzTopic, qid, offset, 32, nil)
		if err != nil {
			t.Fatalf("GetMessage(%d, %d): %v", qid, offset, err)
		}
		for _, e := range r.Messages {
			if _, err := message.Decode(e.Bytes, true); err != nil {
				t.Fatalf("queue %d: served a record that fails its checks: %v", qid, err)
			}
		}
		r.Release()
		if r.NextBeginOffset <= offset || len(r.Messages) == 0 && r.Status != store.Found && r.Status != store.NoMatchedMessage {
			return
		}
		offset = r.NextBeginOffset
	}
	t.Fatalf("queue %d: pulling did not end", qid)
}
