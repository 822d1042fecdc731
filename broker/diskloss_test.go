package broker

import (
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/internal/logtest"
	"github.com/rocketstore/rocketstore/internal/testkit"
)

// TestForcedCleanupOfUnconsumedMessagesIsCountedOrOff: above
// diskSpaceCleanForciblyRatio, cleanup deletes commit-log files seconds
// old; the broker then counts (a metric) and logs the messages a group had
// not consumed. With cleanFileForciblyEnable=false nothing unexpired goes.
func TestForcedCleanupOfUnconsumedMessagesIsCountedOrOff(t *testing.T) {
	for _, forcibly := range []bool{true, false} {
		log, logs := logtest.New()
		f := newOpsFixture(t, func(o *Options) {
			o.Logger = log
			o.OffsetPersistInterval = 50 * time.Millisecond
			o.Store.CommitLog = commitlog.Options{FileSize: 256 << 10, MaxMessageSize: 64 << 10}
			o.Store.CleanResourceInterval = 50 * time.Millisecond
			o.Store.DeleteFilesInterval = time.Millisecond
			o.Store.DiskUsage = func(string) (float64, error) { return 0.87, nil } // above 85%, below 90%
			o.Store.DisableCleanForcibly = !forcibly
		})
		call(t, f.cl, f.addr, updateOffsetRequest("cg", "Full", 0))
		f.send(t, "Full", 0, 600, strings.Repeat("x", 1000))
		if !forcibly {
			time.Sleep(300 * time.Millisecond) // rounds that must delete nothing
			if n := f.b.store.EarlyDeletedFiles(); n != 0 || f.b.store.CommitLog().MinOffset() != 0 {
				t.Fatalf("with cleanFileForciblyEnable=false cleanup deleted %d unexpired files", n)
			}
			continue
		}
		// Rounds go on deleting until only the file being written is left;
		// each is counted at the next housekeeping.
		var first int64
		testkit.WaitFor(t, "the count of every unconsumed message deleted", func() bool {
			first = f.b.store.GetMinOffsetInQueue("Full", 0)
			return first > 0 && f.b.loss.lost.Load() == first && len(f.b.store.CommitLog().Files().Files()) == 1
		})
		if f.b.store.EarlyDeletedFiles() == 0 {
			t.Fatal("no early deletion counted")
		}
		if len(logs.Lines("forced cleanup deleted messages a group had not consumed")) == 0 ||
			len(logs.Lines("deleted files before their reserved time")) == 0 {
			t.Fatal("the forced deletion was not logged as a loss")
		}
		mfs, err := f.b.MetricsRegistry().Gather()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, mf := range mfs {
			if mf.GetName() == "rocketstore_cleanup_unconsumed_messages_deleted_total" {
				found = mf.GetMetric()[0].GetCounter().GetValue() == float64(first)
			}
		}
		if !found {
			t.Fatal("the metric does not publish the count")
		}
	}
}
