package ha

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestMasterStartOffset checks where the master starts a slave: at its
// report, or at the start of the last file when it reports 0.
func TestMasterStartOffset(t *testing.T) {
	src := openLog(t, nil, "master")
	end := appendRecords(t, src, 0, 1500)
	if end < 2*testFileSize {
		t.Fatalf("need at least three files, have %d bytes", end)
	}
	first, err := src.Read(0)
	if err != nil {
		t.Fatal(err)
	}
	second := first.Offset + int64(len(first.Bytes))
	first.Release()
	// Heartbeats go only when there is nothing to send, so a short
	// interval changes nothing for the slaves that are behind.
	m := startMaster(t, src, &MasterOptions{HeartbeatInterval: 10 * time.Millisecond})
	for _, tc := range []struct {
		name   string
		report int64
		want   int64
	}{
		{"empty slave starts at the last file", 0, end - end%testFileSize},
		{"slave resumes at its offset", second, second},
		{"caught-up slave gets a heartbeat", end, end},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := dialMaster(t, m)
			p.report(tc.report)
			offset, body := p.readFrame()
			if offset != tc.want {
				t.Fatalf("first frame at %d, want %d", offset, tc.want)
			}
			if tc.report == end && len(body) != 0 {
				t.Fatalf("heartbeat has %d bytes", len(body))
			}
			if len(body) > DefaultBatchSize {
				t.Fatalf("frame of %d bytes, batch size %d", len(body), DefaultBatchSize)
			}
			if want := logBytes(t, src, offset, offset+int64(len(body))); string(want) != string(body) {
				t.Fatal("frame body differs from the log")
			}
		})
	}
}

// TestMasterFramesNeverCrossAFile reads a whole log from the master and
// checks every frame stays within one file and continues the last.
func TestMasterFramesNeverCrossAFile(t *testing.T) {
	src := openLog(t, nil, "master")
	end := appendRecords(t, src, 0, 1500)
	m := startMaster(t, src, &MasterOptions{BatchSize: 10000})
	p := dialMaster(t, m)
	p.report(1) // not a record boundary: the master does not care
	for at := int64(1); at < end; {
		offset, body := p.readFrame()
		if offset != at {
			t.Fatalf("frame at %d, want %d", offset, at)
		}
		if len(body) == 0 || len(body) > 10000 {
			t.Fatalf("frame of %d bytes", len(body))
		}
		if offset/testFileSize != (offset+int64(len(body))-1)/testFileSize {
			t.Fatalf("frame [%d, %d) crosses a file", offset, offset+int64(len(body)))
		}
		at += int64(len(body))
	}
}

// TestMasterClosesOnBadReport sends reports a master must refuse.
func TestMasterClosesOnBadReport(t *testing.T) {
	src := openLog(t, nil, "master")
	end := appendRecords(t, src, 0, 10)
	m := startMaster(t, src, nil)
	for _, tc := range []struct {
		name    string
		reports []int64
	}{
		{"negative", []int64{-1}},
		{"beyond the master's max offset", []int64{end + 1}},
		{"going back", []int64{end, end - 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := dialMaster(t, m)
			for _, r := range tc.reports {
				p.report(r)
			}
			p.expectClosed()
			waitFor(t, 5*time.Second, "the master to drop the slave", func() bool { return len(m.Slaves()) == 0 })
		})
	}
	t.Run("a partial report then close", func(t *testing.T) {
		p := dialMaster(t, m)
		p.write([]byte{0, 0, 0})
		p.conn.Close()
		waitFor(t, 5*time.Second, "the master to drop the slave", func() bool { return len(m.Slaves()) == 0 })
	})
}

// TestSlaveOutOfSync checks the in-sync gap as reports move.
func TestSlaveOutOfSync(t *testing.T) {
	src := openLog(t, nil, "master")
	end := appendRecords(t, src, 0, 100)
	const gap = 4096
	m := startMaster(t, src, &MasterOptions{MaxGapNotInSync: gap, SyncTimeout: 20 * time.Millisecond})
	p := dialMaster(t, m)
	// The master refuses a report of bytes it has not streamed yet (a
	// slave claiming what it cannot hold): take the stream through the end
	// before reporting any of it.
	p.report(0)
	p.readThrough(end)
	for _, tc := range []struct {
		report int64
		inSync bool
	}{
		{0, false},
		{end - gap - 1, false},
		{end - gap, true},
		{end, true},
	} {
		p.report(tc.report)
		waitFor(t, 5*time.Second, "the report", func() bool {
			s := m.Slaves()
			return len(s) == 1 && s[0].AckOffset == tc.report
		})
		if got := m.Slaves()[0].InSync; got != tc.inSync {
			t.Errorf("ack %d of %d: InSync = %v, want %v", tc.report, end, got, tc.inSync)
		}
		// In sync, the wait times out: nobody acknowledges end+1.
		err := m.WaitReplicated(context.Background(), end+1)
		if want := map[bool]error{true: ErrFlushSlaveTimeout, false: ErrSlaveNotAvailable}[tc.inSync]; !errors.Is(err, want) {
			t.Errorf("ack %d of %d: WaitReplicated = %v, want %v", tc.report, end, err, want)
		}
	}
}

// TestMasterClose checks Close's contract.
func TestMasterClose(t *testing.T) {
	src := openLog(t, nil, "master")
	m := NewMaster(src, nil)
	if m.Addr() != "" {
		t.Fatalf("Addr before Listen = %q", m.Addr())
	}
	if err := m.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if err := m.Listen("127.0.0.1:0"); err == nil {
		t.Fatal("a second Listen succeeded")
	}
	p := dialMaster(t, m)
	p.report(0)
	waitFor(t, 5*time.Second, "the slave", func() bool { return len(m.Slaves()) == 1 })
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	p.expectClosed()
	for name, err := range map[string]error{
		"Close":          m.Close(),
		"Listen":         m.Listen("127.0.0.1:0"),
		"WaitReplicated": m.WaitReplicated(context.Background(), 1),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}
