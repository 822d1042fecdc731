package ha

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
)

// streamFixture is a master's log and the point a slave's copy of it ends
// at, for tests that write the master's stream by hand.
type streamFixture struct {
	src   *commitlog.Log
	start int64   // where the slave's copy ends
	recs  []int64 // offsets of the source's records from start on
}

// newStreamFixture builds a source of a few files; the slave's copy holds
// its first 50 records.
func newStreamFixture(t testing.TB) *streamFixture {
	t.Helper()
	src := openLog(t, nil, "source")
	appendRecords(t, src, 0, 800)
	f := &streamFixture{src: src}
	it := src.NewIterator(0, true)
	defer it.Close()
	for n := 0; it.Next(); n++ {
		if n == 50 {
			f.start = it.Entry().Offset
		}
		if n >= 50 {
			f.recs = append(f.recs, it.Entry().Offset)
		}
	}
	if it.Err() != nil {
		t.Fatal(it.Err())
	}
	return f
}

// sink returns a fresh slave log holding the source up to start.
func (f *streamFixture) sink(t testing.TB) *commitlog.Log {
	t.Helper()
	l := openLog(t, nil, "sink")
	copyPrefix(t, f.src, l, f.start)
	return l
}

// record returns a copy of the i-th record from start.
func (f *streamFixture) record(t testing.TB, i int) []byte {
	t.Helper()
	return logBytes(t, f.src, f.recs[i], f.recs[i+1])
}

// frame encodes one frame.
func frame(offset int64, body []byte) []byte {
	var h [headerSize]byte
	putHeader(&h, offset, len(body))
	return append(h[:], body...)
}

// header encodes a frame header claiming size bytes, without the body.
func header(offset int64, size int32) []byte {
	var h [headerSize]byte
	binary.BigEndian.PutUint64(h[:], uint64(offset))
	binary.BigEndian.PutUint32(h[8:], uint32(size))
	return h[:]
}

// damageBody flips a bit of a record's body.
func damageBody(t testing.TB, rec []byte) []byte {
	t.Helper()
	fr, err := message.CheckFrame(rec)
	if err != nil || len(fr.Body) == 0 {
		t.Fatalf("not a record with a body: %v", err)
	}
	fr.Body[len(fr.Body)/2] ^= 0x10 // Body aliases rec
	return rec
}

// zeroUncovered zeroes a record's topic or its properties, which the body
// CRC does not cover, as a torn write at the master would leave them.
func zeroUncovered(t testing.TB, rec []byte, topic bool) []byte {
	t.Helper()
	fr, err := message.CheckFrame(rec)
	if err != nil || len(fr.Properties) == 0 {
		t.Fatalf("not a record with properties: %v", err)
	}
	if topic {
		clear(fr.Topic) // Topic and Properties alias rec
	} else {
		clear(fr.Properties)
	}
	return rec
}

// hostileStream is a stream a slave must refuse, and what it must end with.
type hostileStream struct {
	name   string
	stream func(t testing.TB, f *streamFixture) []byte
	want   error // a StreamError reason, or the read error for a cut stream
}

var hostileStreams = []hostileStream{
	{"wrong offset", func(t testing.TB, f *streamFixture) []byte {
		return frame(f.start+1, f.record(t, 0)[1:])
	}, errWrongOffset},
	{"offset behind", func(t testing.TB, f *streamFixture) []byte {
		return frame(f.start-8, make([]byte, 8))
	}, errWrongOffset},
	{"heartbeat at a wrong offset", func(t testing.TB, f *streamFixture) []byte {
		return frame(f.start+100, nil)
	}, errWrongOffset},
	{"garbage body", func(t testing.TB, f *streamFixture) []byte {
		return frame(f.start, bytes.Repeat([]byte{0xAB}, 100))
	}, message.ErrBadMagic},
	{"huge size", func(t testing.TB, f *streamFixture) []byte {
		return header(f.start, DefaultMaxBodySize+1)
	}, errFrameSize},
	{"negative size", func(t testing.TB, f *streamFixture) []byte {
		return header(f.start, -5)
	}, errFrameSize},
	{"bad body CRC", func(t testing.TB, f *streamFixture) []byte {
		return frame(f.start, damageBody(t, f.record(t, 0)))
	}, message.ErrCRCMismatch},
	{"torn topic", func(t testing.TB, f *streamFixture) []byte {
		return frame(f.start, zeroUncovered(t, f.record(t, 0), true))
	}, message.ErrIllegalTopic},
	{"torn properties", func(t testing.TB, f *streamFixture) []byte {
		return frame(f.start, zeroUncovered(t, f.record(t, 0), false))
	}, message.ErrMalformedProperties},
	{"record at the wrong position", func(t testing.TB, f *streamFixture) []byte {
		return frame(f.start, f.record(t, 1))
	}, errMisplaced},
	{"filler in the middle of a file", func(t testing.TB, f *streamFixture) []byte {
		blank := make([]byte, 100)
		message.EncodeBlank(blank)
		return frame(f.start, blank)
	}, errBadBlank},
	{"record running to the end of its file", func(t testing.TB, f *streamFixture) []byte {
		rec := f.record(t, 0)
		binary.BigEndian.PutUint32(rec, uint32(testFileSize-f.start%testFileSize))
		return frame(f.start, rec)
	}, errRecordSize},
	{"valid record then garbage", func(t testing.TB, f *streamFixture) []byte {
		return frame(f.start, append(f.record(t, 0), bytes.Repeat([]byte{0xAB}, 16)...))
	}, message.ErrBadMagic},
	{"split record completed with damage", func(t testing.TB, f *streamFixture) []byte {
		rec := damageBody(t, f.record(t, 0))
		half := len(rec) / 2
		return append(frame(f.start, rec[:half]), frame(f.start+int64(half), rec[half:])...)
	}, message.ErrCRCMismatch},
	{"truncated frame then close", func(t testing.TB, f *streamFixture) []byte {
		body := logBytes(t, f.src, f.start, f.recs[2])
		return append(header(f.start, int32(len(body))), body[:len(body)-10]...)
	}, io.ErrUnexpectedEOF},
	{"partial record then close", func(t testing.TB, f *streamFixture) []byte {
		rec := f.record(t, 0)
		return frame(f.start, rec[:len(rec)-1])
	}, io.EOF},
}

// TestReceiverRefusesHostileStreams feeds each hostile stream to the frame
// handling alone and checks the error and that the log did not change.
func TestReceiverRefusesHostileStreams(t *testing.T) {
	f := newStreamFixture(t)
	for _, tc := range hostileStreams {
		t.Run(tc.name, func(t *testing.T) {
			sink := f.sink(t)
			before := logBytes(t, sink, 0, sink.MaxOffset())
			opts := (*SlaveOptions)(nil).withDefaults()
			r := newReceiver(sink, &opts, nil)
			err := r.readFrames(bytes.NewReader(tc.stream(t, f)), nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("readFrames = %v, want %v", err, tc.want)
			}
			var se *StreamError
			if isStream := errors.As(err, &se); isStream != errors.Is(err, ErrBadStream) || isStream == (tc.want == io.EOF || tc.want == io.ErrUnexpectedEOF) {
				t.Fatalf("readFrames = %v: StreamError %v", err, isStream)
			}
			if after := logBytes(t, sink, 0, sink.MaxOffset()); !bytes.Equal(before, after) {
				t.Fatalf("the log changed: %d bytes, was %d", len(after), len(before))
			}
		})
	}
}

// TestReceiverAcceptsAnySplit cuts a valid stream, across files, into
// frames of random sizes (splitting records, headers and fillers anywhere,
// crossing files, with heartbeats between) and checks the copy ends equal
// to the source and holds only whole records after every frame.
func TestReceiverAcceptsAnySplit(t *testing.T) {
	f := newStreamFixture(t)
	end := f.src.MaxOffset()
	if end < 2*testFileSize {
		t.Fatalf("the source should span three files, it ends at %d", end)
	}
	data := logBytes(t, f.src, f.start, end)
	for _, maxFrame := range []int{1, 7, 100, 5000, 40000} {
		t.Run(fmt.Sprint("max frame ", maxFrame), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(maxFrame), 1))
			sink := f.sink(t)
			opts := (*SlaveOptions)(nil).withDefaults()
			r := newReceiver(sink, &opts, nil)
			appends := 0
			for at := 0; at < len(data); {
				n := min(1+rng.IntN(maxFrame), len(data)-at)
				if rng.IntN(10) == 0 {
					n = 0 // a heartbeat
				}
				before := sink.MaxOffset()
				if err := r.apply(f.start+int64(at), data[at:at+n]); err != nil {
					t.Fatalf("frame [%d, +%d): %v", f.start+int64(at), n, err)
				}
				at += n
				if sink.MaxOffset() != before {
					appends++
					if appends%50 == 0 {
						if _, err := countRecords(sink); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			if len(r.pending) != 0 {
				t.Fatalf("%d bytes still pending", len(r.pending))
			}
			sameLog(t, f.src, sink)
		})
	}
}
