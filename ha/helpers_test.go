package ha

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

const testFileSize = 256 << 10 // small files so replication crosses many

var testBornHost = netip.MustParseAddrPort("10.1.2.3:40000")

// Compile-time checks: the commit log is what both sides replicate.
var (
	_ Source = (*commitlog.Log)(nil)
	_ Sink   = (*commitlog.Log)(nil)
)

func testMessage(seq int64, size int) *message.Message {
	return &message.Message{
		Topic:         "TopicTest",
		QueueID:       int32(seq % 4),
		Body:          testkit.Body(seq, size),
		Properties:    message.EncodeProperties(map[string]string{message.PropertyKeys: fmt.Sprintf("key-%d", seq)}),
		BornTimestamp: 1_700_000_000_000 + seq,
		BornHost:      testBornHost,
	}
}

// openLog opens the commit log in dir on fs (a fresh MemFS when nil), with
// small files and a fixed clock so that logs built alike are byte-identical.
func openLog(t testing.TB, fs *mappedfile.MemFS, dir string) *commitlog.Log {
	t.Helper()
	if fs == nil {
		fs = mappedfile.NewMemFS()
	}
	l, err := commitlog.Open(dir, &commitlog.Options{
		FileSize:       testFileSize,
		MaxMessageSize: testFileSize / 4,
		FS:             fs,
		Now:            func() time.Time { return time.UnixMilli(1_700_000_000_000) },
	})
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	// Registered before any master or slave using it, so it runs after
	// their cleanups; a log closed by the test itself just says ErrClosed.
	t.Cleanup(func() { l.Close() })
	return l
}

// appendRecords appends n records numbered from seq with bodies of varying
// size and returns the end offset of the last.
func appendRecords(t testing.TB, l *commitlog.Log, seq int64, n int) int64 {
	t.Helper()
	var end int64
	for i := range int64(n) {
		res, err := l.Append(context.Background(), testMessage(seq+i, 20+int((seq+i)*37%1500)))
		if err != nil {
			t.Fatalf("append %d: %v", seq+i, err)
		}
		end = res.End()
	}
	return end
}

// logBytes returns the bytes of l in [from, to).
func logBytes(t testing.TB, l Source, from, to int64) []byte {
	t.Helper()
	var out []byte
	for at := from; at < to; {
		s, err := l.ReadRange(at, int(to-at))
		if err != nil {
			t.Fatalf("ReadRange(%d): %v", at, err)
		}
		out = append(out, s.Bytes...)
		at += int64(len(s.Bytes))
		s.Release()
	}
	return out
}

// sameLog fails unless got holds exactly want's bytes, and only valid
// records.
func sameLog(t testing.TB, want, got *commitlog.Log) {
	t.Helper()
	if w, g := want.MaxOffset(), got.MaxOffset(); w != g {
		t.Fatalf("max offset %d, want %d", g, w)
	}
	const step = 4 << 20
	for at := int64(0); at < want.MaxOffset(); at += step {
		to := min(at+step, want.MaxOffset())
		if !bytes.Equal(logBytes(t, want, at, to), logBytes(t, got, at, to)) {
			t.Fatalf("logs differ in [%d, %d)", at, to)
		}
	}
	if n, err := countRecords(got); err != nil {
		t.Fatalf("after %d records: %v", n, err)
	}
}

// countRecords iterates l from 0 with CRC checks. The iteration ends at
// the log's end, or past it at the end of its file when the log ends in a
// blank filler whose rest has not come yet.
func countRecords(l *commitlog.Log) (int, error) {
	it := l.NewIterator(0, true)
	defer it.Close()
	n := 0
	for it.Next() {
		n++
	}
	end, size := l.MaxOffset(), int64(l.FileSize())
	inFiller := end%size != 0 && it.Offset() == end-end%size+size
	if it.Err() == nil && it.Offset() != end && !inFiller {
		return n, fmt.Errorf("iteration stopped at %d, the log ends at %d", it.Offset(), end)
	}
	return n, it.Err()
}

// copyPrefix appends src's bytes below end to dst, as a slave would.
func copyPrefix(t testing.TB, src, dst *commitlog.Log, end int64) {
	t.Helper()
	if err := dst.AppendRaw(dst.MaxOffset(), logBytes(t, src, dst.MaxOffset(), end)); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func startMaster(t testing.TB, src Source, opts *MasterOptions) *Master {
	t.Helper()
	m := NewMaster(src, opts)
	if err := m.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// startSlave starts a slave of addr; opts may be nil.
func startSlave(t testing.TB, sink Sink, addr string, opts *SlaveOptions) *Slave {
	t.Helper()
	o := SlaveOptions{ReconnectInterval: 20 * time.Millisecond}
	if opts != nil {
		o = *opts
	}
	o.MasterAddr = addr
	s := NewSlave(sink, &o)
	s.Start()
	t.Cleanup(func() { s.Close() })
	return s
}

// fakePeer is one end of a hand-driven HA connection, for tests that play
// the other side.
type fakePeer struct {
	t    testing.TB
	conn net.Conn
}

func dialMaster(t testing.TB, m *Master) *fakePeer {
	t.Helper()
	conn, err := net.DialTimeout("tcp", m.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &fakePeer{t: t, conn: conn}
}

func (p *fakePeer) report(offset int64) {
	p.t.Helper()
	var b [reportSize]byte
	binary.BigEndian.PutUint64(b[:], uint64(offset))
	p.write(b[:])
}

func (p *fakePeer) write(b []byte) {
	p.t.Helper()
	p.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := p.conn.Write(b); err != nil {
		p.t.Fatalf("write: %v", err)
	}
}

// readReport reads one report from a slave.
func (p *fakePeer) readReport() int64 {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [reportSize]byte
	if _, err := io.ReadFull(p.conn, b[:]); err != nil {
		p.t.Fatalf("read report: %v", err)
	}
	return int64(binary.BigEndian.Uint64(b[:]))
}

// awaitReport reads a slave's reports until one says want, within 5 s.
// A slave also reports on its interval, so a report of what it held
// before (from) may come first; any other offset fails the test.
func (p *fakePeer) awaitReport(from, want int64) {
	p.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := p.readReport()
		if got == want {
			return
		}
		if got != from || time.Now().After(deadline) {
			p.t.Fatalf("report %d, want %d (or %d before it)", got, want, from)
		}
	}
}

// readFrame reads one frame from a master.
func (p *fakePeer) readFrame() (offset int64, body []byte) {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var h [headerSize]byte
	if _, err := io.ReadFull(p.conn, h[:]); err != nil {
		p.t.Fatalf("read frame header: %v", err)
	}
	offset, size := parseHeader(&h)
	body = make([]byte, size)
	if _, err := io.ReadFull(p.conn, body); err != nil {
		p.t.Fatalf("read frame body: %v", err)
	}
	return offset, body
}

// readThrough reads frames from a master until it has streamed every byte
// before end.
func (p *fakePeer) readThrough(end int64) {
	p.t.Helper()
	for {
		offset, body := p.readFrame()
		if offset+int64(len(body)) >= end {
			return
		}
	}
}

// expectClosed reads (and drops) whatever the other side sends until it
// closes the connection, failing if it does not within 5 s.
func (p *fakePeer) expectClosed() {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	// A reset counts: a peer closing with our bytes unread sends one.
	if _, err := io.Copy(io.Discard, p.conn); errors.Is(err, os.ErrDeadlineExceeded) {
		p.t.Fatal("connection not closed by the peer")
	}
}

// fakeMaster accepts slaves and lets a test write their stream by hand.
type fakeMaster struct {
	t  testing.TB
	ln *net.TCPListener
}

func newFakeMaster(t testing.TB) *fakeMaster {
	t.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &fakeMaster{t: t, ln: ln}
}

func (f *fakeMaster) addr() string { return f.ln.Addr().String() }

// accept takes the next slave connection and reads its first report.
func (f *fakeMaster) accept() (*fakePeer, int64) {
	f.t.Helper()
	f.ln.SetDeadline(time.Now().Add(5 * time.Second))
	conn, err := f.ln.Accept()
	if err != nil {
		f.t.Fatalf("accept: %v", err)
	}
	f.t.Cleanup(func() { conn.Close() })
	p := &fakePeer{t: f.t, conn: conn}
	return p, p.readReport()
}
