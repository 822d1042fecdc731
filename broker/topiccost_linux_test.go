package broker

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// allocatedBytes sums the blocks the files under dir take on disk.
func allocatedBytes(t *testing.T, dir string) (allocated, apparent int64) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		allocated += info.Sys().(*syscall.Stat_t).Blocks * 512
		apparent += info.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return allocated, apparent
}

// TestNewTopicsCostWhatTheyHold: one-byte sends to 500 new topics take a
// page of consume queue each on disk (the 6 MB files are sparse) and no
// file descriptor that stays open.
func TestNewTopicsCostWhatTheyHold(t *testing.T) {
	const topics = 500
	dir := t.TempDir()
	f := opsFixtureIn(t, dir, func(o *Options) { o.AutoCreateRate = 100_000 })
	fdsBefore, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	for i := range topics {
		if resp := call(t, f.cl, f.addr, sendRequest(fmt.Sprintf("Cheap%d", i), 0, "x", "")); resp.Code != remoting.ResponseSuccess {
			t.Fatalf("send %d: %v", i, resp)
		}
	}
	if err := f.b.store.WaitDispatched(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	fdsAfter, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	if grew := len(fdsAfter) - len(fdsBefore); grew > 20 {
		t.Fatalf("%d new topics hold %d more descriptors", topics, grew)
	}
	allocated, apparent := allocatedBytes(t, filepath.Join(dir, "store", "consumequeue"))
	t.Logf("consume queues of %d topics: %d KiB on disk, %d MiB apparent", topics, allocated>>10, apparent>>20)
	if allocated > topics*16<<10 {
		t.Fatalf("the consume queues of %d one-message topics take %d KiB on disk", topics, allocated>>10)
	}
}
