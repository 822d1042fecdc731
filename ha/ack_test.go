package ha

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/mappedfile"
)

// appendSized appends n records numbered from seq whose sizes depend on i
// only, so that two logs built from different seqs of the same digit count
// have their records at the same offsets but different bytes.
func appendSized(t testing.TB, l *commitlog.Log, seq int64, n int) int64 {
	t.Helper()
	var end int64
	for i := range n {
		res, err := l.Append(context.Background(), testMessage(seq+int64(i), 100+i*29%700))
		if err != nil {
			t.Fatal(err)
		}
		end = res.End()
	}
	return end
}

// TestDivergedSlaveDoesNotAcknowledge connects a slave whose log holds other
// bytes than the master's below the point it connects at, as a slave that
// wrote its own records would: the master streams on from there and the
// slave accepts it, but a put in the diverged range is never acknowledged,
// while one the master streamed is.
func TestDivergedSlaveDoesNotAcknowledge(t *testing.T) {
	src, sink := openLog(t, nil, "master"), openLog(t, nil, "slave")
	common := appendSized(t, src, 1000, 10)
	copyPrefix(t, src, sink, common)
	diverged := appendSized(t, src, 1010, 10)
	if got := appendSized(t, sink, 2010, 10); got != diverged {
		t.Fatalf("the diverged records end at %d, the master's at %d", got, diverged)
	}
	if string(logBytes(t, src, common, diverged)) == string(logBytes(t, sink, common, diverged)) {
		t.Fatal("the logs did not diverge")
	}
	streamed := appendSized(t, src, 1020, 10)

	m := startMaster(t, src, &MasterOptions{SyncTimeout: 300 * time.Millisecond})
	startSlave(t, sink, m.Addr(), nil)
	waitFor(t, 5*time.Second, "the slave to take the streamed records", func() bool { return sink.MaxOffset() == streamed })

	if err := m.WaitReplicated(context.Background(), streamed); err != nil {
		t.Fatalf("a put the master streamed to the slave: %v", err)
	}
	for _, end := range []int64{diverged, common} {
		if err := m.WaitReplicated(context.Background(), end); !errors.Is(err, ErrFlushSlaveTimeout) {
			t.Fatalf("a put ending at %d, below where the slave connected (%d): WaitReplicated = %v, want ErrFlushSlaveTimeout", end, diverged, err)
		}
	}
}

// gatedSource holds back every read until open is closed, so a test can
// report to a master that has streamed nothing yet.
type gatedSource struct {
	*commitlog.Log
	open chan struct{}
}

func (g gatedSource) ReadRange(offset int64, maxBytes int) (mappedfile.Slice, error) {
	<-g.open
	return g.Log.ReadRange(offset, maxBytes)
}

// TestMasterRefusesAReportBeyondWhatItSent plays a slave that claims bytes
// the master never streamed to it: the report is refused (the connection
// closes) and acknowledges nothing.
func TestMasterRefusesAReportBeyondWhatItSent(t *testing.T) {
	log := openLog(t, nil, "master")
	start := appendRecords(t, log, 0, 10)
	end := appendRecords(t, log, 10, 10)
	src := gatedSource{Log: log, open: make(chan struct{})}
	m := startMaster(t, src, &MasterOptions{SyncTimeout: 300 * time.Millisecond})
	t.Cleanup(func() { close(src.open) }) // before the master's cleanup waits for its sender

	p := dialMaster(t, m)
	p.report(start)
	waitFor(t, 5*time.Second, "the first report", func() bool { return len(m.Slaves()) == 1 && m.Slaves()[0].AckOffset == start })
	waiter := make(chan error, 1)
	go func() { waiter <- m.WaitReplicated(context.Background(), end) }()
	p.report(end)
	p.expectClosed()
	if err := <-waiter; err == nil {
		t.Fatal("a report of bytes never streamed acknowledged a put")
	}
	m.transfer.mu.Lock()
	defer m.transfer.mu.Unlock()
	if m.transfer.acked(end) {
		t.Fatalf("the master counts %d as acknowledged", end)
	}
}

// TestAckWindows checks the bookkeeping of acknowledged ranges: touching
// ranges merge, separate ones stay apart, and only the newest are kept.
func TestAckWindows(t *testing.T) {
	var tr transfer
	tr.ack(100, 200)
	tr.ack(200, 300) // a reconnect where the last one ended
	tr.ack(500, 600) // a reconnect after a gap the slave did not get from us
	tr.ack(550, 580) // inside
	want := []ackWindow{{100, 300}, {500, 600}}
	if len(tr.windows) != len(want) || tr.windows[0] != want[0] || tr.windows[1] != want[1] {
		t.Fatalf("windows %v, want %v", tr.windows, want)
	}
	for end, ok := range map[int64]bool{100: false, 101: true, 300: true, 301: false, 500: false, 600: true, 601: false} {
		if got := tr.acked(end); got != ok {
			t.Errorf("acked(%d) = %v, want %v", end, got, ok)
		}
	}
	for i := range int64(2 * maxAckWindows) {
		tr.ack(1000+i*10, 1005+i*10)
	}
	if len(tr.windows) != maxAckWindows || tr.acked(101) {
		t.Fatalf("%d windows kept (want %d), oldest still acked: %v", len(tr.windows), maxAckWindows, tr.acked(101))
	}
}
