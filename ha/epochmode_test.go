package ha

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
)

func epochFile(t testing.TB, es ...EpochEntry) *EpochFile {
	t.Helper()
	f, err := OpenEpochFile(filepath.Join(t.TempDir(), EpochFileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if err := f.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// confirms records what OnConfirm was told.
type confirms struct {
	mu   sync.Mutex
	seen []int64
}

func (c *confirms) add(v int64) {
	c.mu.Lock()
	c.seen = append(c.seen, v)
	c.mu.Unlock()
}

func (c *confirms) last() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.seen) == 0 {
		return -2
	}
	return c.seen[len(c.seen)-1]
}

// TestEpochModeCutsADivergedSlaveBack: a demoted master that wrote on in
// its own term (epoch 2) follows the new master (epoch 3): its log is cut
// back to where the terms split, then it copies the master's, and its
// history becomes the master's.
func TestEpochModeCutsADivergedSlaveBack(t *testing.T) {
	a := openLog(t, nil, "a")
	b := openLog(t, nil, "b")
	split := appendRecords(t, a, 0, 300)
	copyPrefix(t, a, b, split)
	appendRecords(t, b, 10_000, 120) // epoch 2: b's own, never confirmed
	appendRecords(t, a, 20_000, 200) // epoch 3: the new master's
	aEpochs := epochFile(t, EpochEntry{Epoch: 1}, EpochEntry{Epoch: 3, StartOffset: split})
	bEpochs := epochFile(t, EpochEntry{Epoch: 1}, EpochEntry{Epoch: 2, StartOffset: split})

	var cutTo []int64
	var seen confirms
	m := startMaster(t, a, &MasterOptions{Epochs: aEpochs, BrokerID: 1})
	startSlave(t, b, m.Addr(), &SlaveOptions{Epochs: bEpochs, BrokerID: 2, MasterEpoch: 3, OnConfirm: seen.add,
		Truncate: func(offset int64) error { cutTo = append(cutTo, offset); return b.TruncateTo(offset) }})
	waitFor(t, 10*time.Second, "the slave to copy the master", func() bool { return b.MaxOffset() == a.MaxOffset() })
	sameLog(t, a, b)
	if !slices.Equal(cutTo, []int64{split}) {
		t.Fatalf("slave cut to %v, want [%d]", cutTo, split)
	}
	if got := bEpochs.Entries(); !slices.Equal(got, aEpochs.Entries()) {
		t.Fatalf("slave history %v, master's %v", got, aEpochs.Entries())
	}
	// The master is alone in its set: everything it sent is confirmed.
	waitFor(t, 10*time.Second, "the confirm offset", func() bool { return seen.last() == a.MaxOffset() })
}

// TestEpochModeSlaveRecordsNewEpochs: a slave that follows across a term
// change records the new term where the master's frames say it starts.
func TestEpochModeSlaveRecordsNewEpochs(t *testing.T) {
	a := openLog(t, nil, "a")
	b := openLog(t, nil, "b")
	first := appendRecords(t, a, 0, 100)
	second := appendRecords(t, a, 100, 100)
	aEpochs := epochFile(t, EpochEntry{Epoch: 4}, EpochEntry{Epoch: 6, StartOffset: first})
	bEpochs := epochFile(t)
	m := startMaster(t, a, &MasterOptions{Epochs: aEpochs, BrokerID: 1, BatchSize: 4096})
	startSlave(t, b, m.Addr(), &SlaveOptions{Epochs: bEpochs, BrokerID: 2, Truncate: b.TruncateTo})
	waitFor(t, 10*time.Second, "the slave to copy the master", func() bool { return b.MaxOffset() == second })
	sameLog(t, a, b)
	if got := bEpochs.Entries(); !slices.Equal(got, aEpochs.Entries()) {
		t.Fatalf("slave history %v, master's %v", got, aEpochs.Entries())
	}
}

// TestEpochModeWaitsForTheSyncStateSet: a synchronous put waits for every
// member of the set, a member that is not connected holds the confirm
// offset, and a master alone confirms at once.
func TestEpochModeWaitsForTheSyncStateSet(t *testing.T) {
	a := openLog(t, nil, "a")
	b := openLog(t, nil, "b")
	appendRecords(t, a, 0, 50)
	var seen confirms
	m := startMaster(t, a, &MasterOptions{Epochs: epochFile(t, EpochEntry{Epoch: 1}), BrokerID: 1,
		SyncTimeout: 300 * time.Millisecond, OnConfirm: seen.add})
	startSlave(t, b, m.Addr(), &SlaveOptions{Epochs: epochFile(t), BrokerID: 2, Truncate: b.TruncateTo,
		ReportInterval: 50 * time.Millisecond})
	waitFor(t, 10*time.Second, "the slave to connect", func() bool { return len(m.Slaves()) == 1 })

	m.SetSyncStateSet([]int64{1, 2, 3}) // 3 is not connected
	base := a.MaxOffset()
	if got := m.ConfirmOffset(); got != base {
		t.Fatalf("confirm %d when the set grew, want the end %d", got, base)
	}
	end := appendRecords(t, a, 50, 10)
	m.Notify()
	if err := m.WaitInSync(context.Background(), end); !errors.Is(err, ErrFlushSlaveTimeout) {
		t.Fatalf("a put acknowledged without member 3: %v", err)
	}
	waitFor(t, 10*time.Second, "slave 2 to hold the put", func() bool { return b.MaxOffset() == end })
	if got := m.ConfirmOffset(); got != base {
		t.Fatalf("confirm moved to %d without member 3", got)
	}

	m.SetSyncStateSet([]int64{1, 2})
	if err := m.WaitInSync(context.Background(), end); err != nil {
		t.Fatalf("WaitInSync with every member holding it: %v", err)
	}
	waitFor(t, 10*time.Second, "the confirm offset", func() bool { return m.ConfirmOffset() == end && seen.last() == end })

	end = appendRecords(t, a, 60, 10)
	m.Notify()
	if err := m.WaitInSync(context.Background(), end); err != nil {
		t.Fatalf("WaitInSync: %v", err)
	}
	if got := m.ConfirmOffset(); got < end {
		t.Fatalf("confirm %d after every member acknowledged %d", got, end)
	}

	m.SetSyncStateSet([]int64{1})
	if got := m.ConfirmOffset(); got != -1 || seen.last() != -1 {
		t.Fatalf("a master alone confirms %d (told %d), want -1", got, seen.last())
	}
	if err := m.WaitInSync(context.Background(), end+1<<20); err != nil {
		t.Fatalf("a master alone waited: %v", err)
	}
	seen.mu.Lock()
	defer seen.mu.Unlock()
	for i := 1; i < len(seen.seen); i++ {
		if seen.seen[i] >= 0 && seen.seen[i] < seen.seen[i-1] {
			t.Fatalf("the confirm offset went back: %v", seen.seen)
		}
	}
}

// TestEpochModeAckReplicasCountsTheMaster: with AckReplicas 2 one slave of
// three members is enough.
func TestEpochModeAckReplicasCountsTheMaster(t *testing.T) {
	a := openLog(t, nil, "a")
	b := openLog(t, nil, "b")
	m := startMaster(t, a, &MasterOptions{Epochs: epochFile(t, EpochEntry{Epoch: 1}), BrokerID: 1, AckReplicas: 2,
		SyncTimeout: 5 * time.Second})
	startSlave(t, b, m.Addr(), &SlaveOptions{Epochs: epochFile(t), BrokerID: 2, Truncate: b.TruncateTo})
	waitFor(t, 10*time.Second, "the slave to connect", func() bool { return len(m.Slaves()) == 1 })
	m.SetSyncStateSet([]int64{1, 2, 3})
	end := appendRecords(t, a, 0, 20)
	m.Notify()
	if err := m.WaitInSync(context.Background(), end); err != nil {
		t.Fatalf("WaitInSync with 2 of 3 replicas: %v", err)
	}
	if got := m.ConfirmOffset(); got >= end {
		t.Fatalf("confirm %d without member 3", got)
	}
}

// TestEpochModeRefusesStaleAndUnrelatedPeers: a slave does not follow a
// master older than the epoch it was told of, nor one older than its own
// history; a master refuses a slave whose history shares nothing with its
// own, and a slave not in epoch mode.
func TestEpochModeRefusesStaleAndUnrelatedPeers(t *testing.T) {
	a := openLog(t, nil, "a")
	appendRecords(t, a, 0, 20)
	m := startMaster(t, a, &MasterOptions{Epochs: epochFile(t, EpochEntry{Epoch: 3}), BrokerID: 1})

	for _, tc := range []struct {
		name    string
		history []EpochEntry
		told    int32
		want    error
	}{
		{"told a newer epoch", nil, 4, ErrStaleMaster},
		{"holds a newer epoch", []EpochEntry{{Epoch: 5}}, 0, ErrStaleMaster},
		{"shares no epoch", []EpochEntry{{Epoch: 2}}, 0, ErrNoCommonEpoch},
	} {
		b := openLog(t, nil, "b-"+tc.name)
		appendRecords(t, b, 500, 10)
		s := startSlave(t, b, m.Addr(), &SlaveOptions{Epochs: epochFile(t, tc.history...), BrokerID: 2, MasterEpoch: tc.told,
			ReconnectInterval: 20 * time.Millisecond,
			Truncate:          func(int64) error { t.Errorf("%s: truncated", tc.name); return nil }})
		waitFor(t, 10*time.Second, tc.name, func() bool { return errors.Is(s.LastError(), tc.want) })
		s.Close()
	}

	classic := dialMaster(t, m)
	classic.report(0)
	classic.expectClosed()
}

// TestEpochModeFirstReportMustFollowTheHandshake: a slave that reports an
// offset other than where the handshake cut it is dropped.
func TestEpochModeFirstReportMustFollowTheHandshake(t *testing.T) {
	a := openLog(t, nil, "a")
	end := appendRecords(t, a, 0, 20)
	m := startMaster(t, a, &MasterOptions{Epochs: epochFile(t, EpochEntry{Epoch: 1}), BrokerID: 1})
	p := dialMaster(t, m)
	h := handshake{brokerID: 2, maxOffset: 0}
	p.write(h.encode())
	p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	ans, err := readAnswer(p.conn)
	if err != nil || ans.status != handshakeOK || ans.truncateOffset != 0 {
		t.Fatalf("answer %+v, %v", ans, err)
	}
	p.report(end) // claims the whole log without having received it
	p.expectClosed()
}

var _ interface{ TruncateTo(int64) error } = (*commitlog.Log)(nil)
