package ha

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// TestSlaveClosesHostileStreams plays a master that sends each hostile
// stream to a real slave over TCP: the slave must close the connection (or
// see it closed), keep its log exactly as it was, and come back for more.
func TestSlaveClosesHostileStreams(t *testing.T) {
	f := newStreamFixture(t)
	for _, tc := range hostileStreams {
		t.Run(tc.name, func(t *testing.T) {
			sink := f.sink(t)
			before := logBytes(t, sink, 0, sink.MaxOffset())
			fm := newFakeMaster(t)
			slave := startSlave(t, sink, fm.addr(), &SlaveOptions{ReconnectInterval: 10 * time.Millisecond})
			p, report := fm.accept()
			if report != f.start {
				t.Fatalf("slave reported %d, holds %d", report, f.start)
			}
			p.write(tc.stream(t, f))
			if tc.want == io.EOF || tc.want == io.ErrUnexpectedEOF {
				p.conn.Close() // the stream is cut, not refused
			} else {
				p.expectClosed()
			}
			// It reconnects, from the same offset.
			if _, again := fm.accept(); again != f.start {
				t.Fatalf("slave reported %d after reconnecting, holds %d", again, f.start)
			}
			slave.Close()
			if err := slave.LastError(); !errors.Is(err, tc.want) {
				t.Fatalf("LastError = %v, want %v", err, tc.want)
			}
			if after := logBytes(t, sink, 0, sink.MaxOffset()); !bytes.Equal(before, after) {
				t.Fatalf("the log changed: %d bytes, was %d", len(after), len(before))
			}
		})
	}
}

// TestSlaveReportsAndFollowsAFakeMaster checks the slave's side of the
// protocol by hand: its reports after appends and on its interval, and
// MasterOffset.
func TestSlaveReportsAndFollowsAFakeMaster(t *testing.T) {
	f := newStreamFixture(t)
	sink := f.sink(t)
	fm := newFakeMaster(t)
	slave := startSlave(t, sink, fm.addr(), &SlaveOptions{ReportInterval: 20 * time.Millisecond})
	p, report := fm.accept()
	if report != f.start {
		t.Fatalf("first report %d, want %d", report, f.start)
	}
	// Two records and half of a third: the slave appends two and reports.
	body := logBytes(t, f.src, f.start, f.recs[2]+10)
	p.write(frame(f.start, body))
	p.awaitReport(f.start, f.recs[2])
	waitFor(t, 5*time.Second, "MasterOffset", func() bool { return slave.MasterOffset() == f.start+int64(len(body)) })
	// With nothing new, it still reports on its interval.
	start := time.Now()
	if got := p.readReport(); got != f.recs[2] || time.Since(start) > time.Second {
		t.Fatalf("interval report %d after %v, want %d", got, time.Since(start), f.recs[2])
	}
	// A heartbeat must carry the next expected offset: past the partial
	// record the slave holds pending.
	p.write(frame(f.recs[2]+10, nil))
	p.write(frame(f.recs[2]+10, logBytes(t, f.src, f.recs[2]+10, f.recs[3])))
	p.awaitReport(f.recs[2], f.recs[3])
	if got := sink.MaxOffset(); got != f.recs[3] {
		t.Fatalf("sink ends at %d, want %d", got, f.recs[3])
	}
}
