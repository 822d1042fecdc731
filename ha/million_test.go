package ha

import (
	"context"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

// TestAMillionMessagesToTwoSlaves replicates a million small messages to
// two slaves, which end byte-identical to the master.
func TestAMillionMessagesToTwoSlaves(t *testing.T) {
	const n = 1_000_000
	open := func(dir string) *commitlog.Log {
		l, err := commitlog.Open(dir, &commitlog.Options{
			FileSize: 16 << 20, FS: mappedfile.NewMemFS(),
			Now: func() time.Time { return time.UnixMilli(1_700_000_000_000) },
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	}
	src, a, b := open("master"), open("slave-a"), open("slave-b")
	m := startMaster(t, src, nil)
	startSlave(t, a, m.Addr(), nil)
	startSlave(t, b, m.Addr(), nil)
	batch := make([]message.Message, 100)
	ctx := context.Background()
	for seq := int64(0); seq < n; seq += int64(len(batch)) {
		for i := range batch {
			batch[i] = message.Message{Topic: "Million", QueueID: int32(i % 4), Body: testkit.Body(seq+int64(i), 8+i%24), BornHost: testBornHost}
		}
		if _, err := src.AppendBatch(ctx, batch, nil); err != nil {
			t.Fatal(err)
		}
		m.Notify()
	}
	end := src.MaxOffset()
	waitFor(t, 3*time.Minute, "the slaves to catch up", func() bool { return a.MaxOffset() == end && b.MaxOffset() == end })
	sameLog(t, src, a)
	sameLog(t, src, b)
	if got, _ := countRecords(b); got != n {
		t.Fatalf("the slave holds %d records, want %d", got, n)
	}
}
