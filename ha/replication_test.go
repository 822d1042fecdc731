package ha

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// TestTwoSlavesReplicateConcurrentAppends appends tens of thousands of
// records from several goroutines and checks that both slaves end
// byte-identical to the master.
func TestTwoSlavesReplicateConcurrentAppends(t *testing.T) {
	src := openLog(t, nil, "master")
	m := startMaster(t, src, nil)
	a, b := openLog(t, nil, "slave-a"), openLog(t, nil, "slave-b")
	sa := startSlave(t, a, m.Addr(), nil)
	sb := startSlave(t, b, m.Addr(), nil)
	waitForFirstReports(t, m, 2)

	const writers, perWriter = 8, 4000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				seq := int64(w*perWriter + i)
				if _, err := src.Append(context.Background(), testMessage(seq, 20+int(seq*37%1500))); err != nil {
					t.Errorf("append %d: %v", seq, err)
					return
				}
				m.Notify()
			}
		})
	}
	wg.Wait()
	end := src.MaxOffset()
	if end < 10*testFileSize {
		t.Fatalf("only %d bytes appended; the test should cross many files", end)
	}
	waitFor(t, 60*time.Second, "the slaves to catch up", func() bool {
		return a.MaxOffset() == end && b.MaxOffset() == end
	})
	sameLog(t, src, a)
	sameLog(t, src, b)
	if n, _ := countRecords(a); n != writers*perWriter {
		t.Fatalf("slave holds %d records, want %d", n, writers*perWriter)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.WaitReplicated(ctx, end); err != nil {
		t.Fatalf("WaitReplicated(%d) = %v", end, err)
	}
	waitFor(t, 10*time.Second, "both acks", func() bool {
		for _, s := range m.Slaves() {
			if s.AckOffset != end || !s.InSync {
				return false
			}
		}
		return true
	})
	for _, s := range []*Slave{sa, sb} {
		if got := s.MasterOffset(); got != end {
			t.Errorf("slave's MasterOffset = %d, want %d", got, end)
		}
	}
}

// TestRestartedSlaveCatchesUpWithoutGap closes a slave and its log in the
// middle of the stream, reopens the log from the same file system and
// starts a new slave on it, twice, while the master keeps appending.
func TestRestartedSlaveCatchesUpWithoutGap(t *testing.T) {
	src := openLog(t, nil, "master")
	m := startMaster(t, src, &MasterOptions{BatchSize: 4 << 10})
	fs := mappedfile.NewMemFS()
	sink := openLog(t, fs, "slave")
	slave := startSlave(t, sink, m.Addr(), nil)
	waitForFirstReports(t, m, 1)

	const total = 20000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for seq := range int64(total) {
			if _, err := src.Append(context.Background(), testMessage(seq, 20+int(seq*37%1500))); err != nil {
				t.Errorf("append %d: %v", seq, err)
				return
			}
			m.Notify()
			if seq%64 == 0 {
				time.Sleep(100 * time.Microsecond) // keep the stream going while the slave restarts
			}
		}
	}()
	for round := range 2 {
		threshold := int64(round+1) * 2 * testFileSize
		waitFor(t, 30*time.Second, "the slave to get some data", func() bool { return sink.MaxOffset() >= threshold })
		if err := slave.Close(); err != nil {
			t.Fatal(err)
		}
		held := sink.MaxOffset()
		if err := sink.Close(); err != nil {
			t.Fatal(err)
		}
		sink = openLog(t, fs, "slave")
		if got := sink.MaxOffset(); got != held {
			t.Fatalf("reopened log ends at %d, held %d", got, held)
		}
		slave = startSlave(t, sink, m.Addr(), nil)
	}
	<-done
	end := src.MaxOffset()
	waitFor(t, 60*time.Second, "the restarted slave to catch up", func() bool { return sink.MaxOffset() == end })
	sameLog(t, src, sink)
	if n, _ := countRecords(sink); n != total {
		t.Fatalf("slave holds %d records, want %d", n, total)
	}
}

// TestEmptySlaveOfALongLog joins an empty slave to a master past its first
// file: the master starts it at its last file, as RocketMQ does, and the
// slave's log starts there.
func TestEmptySlaveOfALongLog(t *testing.T) {
	src := openLog(t, nil, "master")
	end := appendRecords(t, src, 0, 1000)
	if end < testFileSize {
		t.Fatalf("the master should be past its first file, it ends at %d", end)
	}
	m := startMaster(t, src, nil)
	sink := openLog(t, nil, "slave")
	startSlave(t, sink, m.Addr(), nil)
	// The master starts an empty slave at its last file; the slave's log
	// starts there and catches up.
	waitFor(t, 10*time.Second, "the catch-up", func() bool { return sink.MaxOffset() == src.MaxOffset() })
	if want := end - end%testFileSize; sink.MinOffset() != want {
		t.Fatalf("the slave's log starts at %d, want the master's last file at %d", sink.MinOffset(), want)
	}
}

// TestSlaveLosingPowerCatchesUp cuts a slave's power mid-stream (its log
// keeps only what it flushed), reopens it, and lets it resume from what
// survived: it ends identical to the master.
func TestSlaveLosingPowerCatchesUp(t *testing.T) {
	src := openLog(t, nil, "master")
	m := startMaster(t, src, &MasterOptions{BatchSize: 4 << 10})
	fs := mappedfile.NewMemFS()
	sink := openLog(t, fs, "slave")
	slave := startSlave(t, sink, m.Addr(), nil)
	waitForFirstReports(t, m, 1)
	const total = 6000
	appendRecords(t, src, 0, total/2)
	m.Notify()
	waitFor(t, 30*time.Second, "the slave to get some data", func() bool { return sink.MaxOffset() >= 2*testFileSize })
	if err := sink.Flush(); err != nil { // something durable, the rest may be lost
		t.Fatal(err)
	}
	crashed := fs.CrashCopy()
	slave.Close()
	sink.Close()
	sink = openLog(t, crashed, "slave")
	if rep := sink.Recovery(); rep.Reason != nil {
		t.Logf("recovery after the power cut: %+v", rep)
	}
	startSlave(t, sink, m.Addr(), nil)
	end := appendRecords(t, src, total/2, total/2)
	m.Notify()
	waitFor(t, 60*time.Second, "the slave to catch up", func() bool { return sink.MaxOffset() == end })
	sameLog(t, src, sink)
	if n, _ := countRecords(sink); n != total {
		t.Fatalf("slave holds %d records, want %d", n, total)
	}
}

// waitForFirstReports waits until n slaves have reported offset 0: connected
// before the first append, they start at offset 0 rather than at the
// master's last file.
func waitForFirstReports(t testing.TB, m *Master, n int) {
	t.Helper()
	waitFor(t, 5*time.Second, "the slaves' first reports", func() bool {
		s := m.Slaves()
		if len(s) != n {
			return false
		}
		for _, st := range s {
			if st.AckOffset != 0 {
				return false
			}
		}
		return true
	})
}
