package ha

import (
	"context"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
)

// bigBatchLog is a master's log whose first file ends with a blank filler
// far larger than its largest message: a batch larger than one message did
// not fit in the rest of the file. It returns the log and the filler's
// size.
func bigBatchLog(t *testing.T) (*commitlog.Log, int) {
	t.Helper()
	src := openLog(t, nil, "master")
	appendRecords(t, src, 0, 30) // some 20 KiB of the first file
	maxMessage := testFileSize / 4
	batch := make([]message.Message, 4) // some 230 KiB
	for i := range batch {
		batch[i] = *testMessage(int64(100+i), maxMessage-1024)
	}
	before := src.MaxOffset()
	res, err := src.AppendBatch(context.Background(), batch, nil)
	if err != nil {
		t.Fatal(err)
	}
	filler := int(res[0].PhysicalOffset - before)
	if res[0].PhysicalOffset != testFileSize || filler <= maxMessage+message.MinBlankSize {
		t.Fatalf("the batch starts at %d after a %d-byte filler: the test needs one larger than a message (%d)",
			res[0].PhysicalOffset, filler, maxMessage)
	}
	appendRecords(t, src, 200, 20)
	return src, filler
}

// TestSlaveTakesTheFillerOfABatchLargerThanAMessage: a slave whose
// MaxRecordSize is the master's largest message follows the master across
// the filler such a batch left, byte for byte.
func TestSlaveTakesTheFillerOfABatchLargerThanAMessage(t *testing.T) {
	src, _ := bigBatchLog(t)
	m := startMaster(t, src, nil)
	sink := openLog(t, nil, "slave")
	// A slave that holds the first record (an empty one would start at
	// the master's last file).
	it := src.NewIterator(0, true)
	if !it.Next() {
		t.Fatal(it.Err())
	}
	copyPrefix(t, src, sink, it.Offset())
	it.Close()
	startSlave(t, sink, m.Addr(), &SlaveOptions{ReconnectInterval: 20 * time.Millisecond, MaxRecordSize: testFileSize / 4})
	waitFor(t, 10*time.Second, "the slave to catch up", func() bool { return sink.MaxOffset() == src.MaxOffset() })
	sameLog(t, src, sink)
}

// TestReceiverNeverBuffersAFiller feeds the same stream in small frames:
// the filler's rest goes to the log as it comes, so the receiver never
// holds more than a record, and after each frame the log holds only whole
// records (and the filler's first part).
func TestReceiverNeverBuffersAFiller(t *testing.T) {
	src, filler := bigBatchLog(t)
	data := logBytes(t, src, 0, src.MaxOffset())
	sink := openLog(t, nil, "slave")
	opts := SlaveOptions{MaxRecordSize: testFileSize / 4}
	opts = opts.withDefaults()
	r := newReceiver(sink, &opts, nil)
	const frame = 4 << 10
	for at := 0; at < len(data); at += frame {
		n := min(frame, len(data)-at)
		if err := r.apply(int64(at), data[at:at+n]); err != nil {
			t.Fatalf("frame at %d: %v", at, err)
		}
		if len(r.pending) > opts.MaxRecordSize || len(r.pending) >= filler {
			t.Fatalf("frame at %d: %d bytes pending", at, len(r.pending))
		}
		if _, err := countRecords(sink); err != nil {
			t.Fatalf("frame at %d: %v", at, err)
		}
	}
	sameLog(t, src, sink)
}
