package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/mappedfile/errorfs"
)

// noRoomFor fails the page reservations of files whose path contains
// part, as a full disk does (EFAULT from MADV_POPULATE_WRITE), while on.
type noRoomFor struct {
	part string
	on   atomic.Bool
}

func (n *noRoomFor) MaybeError(op errorfs.Op, path string) error {
	if op == errorfs.OpPopulate && n.on.Load() && strings.Contains(path, n.part) {
		return fmt.Errorf("no room for %s: %w", path, syscall.EFAULT)
	}
	return nil
}

// TestAFullDiskForTheQueuesStopsAcknowledging: when a consume queue
// cannot grow, puts are refused with an error matching ErrDispatchFailing
// and ErrDiskFull instead of being acknowledged while dispatch retries in
// the background; every acknowledged message is pullable once there is
// room again, and a store reopened on the full disk opens.
func TestAFullDiskForTheQueuesStopsAcknowledging(t *testing.T) {
	inj := &noRoomFor{part: consumeQueueDir}
	opts := testOptions(errorfs.Wrap(mappedfile.NewMemFS(), inj))
	s := openUnchecked(t, "s", opts)
	acked := 0
	put := func(seq int64) error {
		m := testMessage(seq, 100)
		m.QueueID = 0
		_, err := s.PutMessage(context.Background(), m)
		if err == nil {
			acked++
		}
		return err
	}
	inj.on.Store(true)
	var refused error
	for seq := int64(0); seq < 5000 && refused == nil; seq++ {
		refused = put(seq)
	}
	if !errors.Is(refused, ErrDispatchFailing) || !errors.Is(refused, ErrDiskFull) {
		t.Fatalf("after %d acknowledged puts: %v, want ErrDispatchFailing and ErrDiskFull", acked, refused)
	}
	if err := put(9999); !errors.Is(err, ErrDispatchFailing) {
		t.Fatalf("the next put: %v", err)
	}
	// Reopened on the full disk, the store opens and still refuses.
	if err := s.Close(); err == nil {
		t.Fatal("Close dispatched everything on a full disk")
	}
	s = openUnchecked(t, "s", opts)
	defer s.Close()
	if s.Recovery().DispatchErr == nil {
		t.Fatalf("recovery %+v says nothing of the full disk", s.Recovery())
	}
	if err := put(9999); !errors.Is(err, ErrDispatchFailing) {
		t.Fatalf("a put after reopening on the full disk: %v", err)
	}
	inj.on.Store(false) // room again
	mustDispatch(t, s)
	if got := len(pullAll(t, s, testTopic, 0, nil)); got != acked {
		t.Fatalf("%d messages pullable, %d acknowledged", got, acked)
	}
	if err := put(10000); err != nil {
		t.Fatalf("a put with room again: %v", err)
	}
}

// TestAFullDiskForTheIndexKeepsMessagesPullable: when the index cannot
// grow, the record still goes to its consume queue (without its keys,
// counted), so everything acknowledged can be pulled at once, and puts are
// refused with ErrDiskFull for a while, then tried again.
func TestAFullDiskForTheIndexKeepsMessagesPullable(t *testing.T) {
	inj := &noRoomFor{part: indexDir}
	clk := &clock{now: time.Now()}
	opts := testOptions(errorfs.Wrap(mappedfile.NewMemFS(), inj))
	opts.Now = clk.Now
	s := openUnchecked(t, "s", opts)
	defer s.Close()
	mustPut(t, s, testMessage(0, 100))
	inj.on.Store(true)
	acked := 1
	var refused error
	for seq := int64(1); seq < 5000 && refused == nil; seq++ {
		if _, refused = s.PutMessage(context.Background(), testMessage(seq, 100)); refused == nil {
			acked++
		}
	}
	if !errors.Is(refused, ErrDiskFull) || errors.Is(refused, ErrDispatchFailing) {
		t.Fatalf("after %d acknowledged puts: %v, want ErrDiskFull", acked, refused)
	}
	mustDispatch(t, s)
	pulled := 0
	for q := range int32(testQueues) {
		pulled += len(pullAll(t, s, testTopic, q, nil))
	}
	if pulled != acked || s.UnindexedRecords() == 0 {
		t.Fatalf("%d pullable of %d acknowledged, %d unindexed", pulled, acked, s.UnindexedRecords())
	}
	inj.on.Store(false)
	clk.Set(clk.Now().Add(indexFullPause))
	mustPut(t, s, testMessage(9999, 100))
}
