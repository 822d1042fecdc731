package ha

import (
	"bytes"
	"slices"
	"testing"
)

// FuzzHAHandshake feeds arbitrary bytes as a slave's handshake: the master
// must refuse what is malformed without panicking, and for what it takes,
// answer a cut inside the slave's log that re-encodes the same.
func FuzzHAHandshake(f *testing.F) {
	master := entries(1, 0, 3, 300, 7, 900)
	for _, h := range []handshake{
		{brokerID: 2, maxOffset: 0},
		{brokerID: 2, minOffset: 100, maxOffset: 1200, entries: entries(1, 0, 3, 300, 5, 700)},
		{brokerID: 3, maxOffset: 50, entries: entries(9, 10)},
	} {
		f.Add(h.encode())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := readHandshake(bytes.NewReader(b))
		if err != nil {
			return
		}
		again, err := readHandshake(bytes.NewReader(h.encode()))
		if err != nil || again.brokerID != h.brokerID || again.maxOffset != h.maxOffset || again.minOffset != h.minOffset ||
			!slices.Equal(again.entries, h.entries) {
			t.Fatalf("re-encoded handshake differs: %+v, %v", again, err)
		}
		a := answerHandshake(h, master, 1500)
		if a.status == handshakeOK && (a.truncateOffset < h.minOffset || a.truncateOffset > h.maxOffset) {
			t.Fatalf("cut at %d outside the slave's [%d, %d]", a.truncateOffset, h.minOffset, h.maxOffset)
		}
	})
}

// FuzzHAEpochFrames feeds arbitrary bytes as an epoch-mode master's stream:
// the slave's history must stay in order and never name an epoch whose
// start lies past the log's end.
func FuzzHAEpochFrames(f *testing.F) {
	src := fuzzLog(f, fuzzSourceLen)
	start := fuzzLog(f, fuzzRecords).MaxOffset()
	var stream []byte
	for at := start; at < src.MaxOffset(); {
		s, err := src.ReadRange(at, 150)
		if err != nil {
			f.Fatal(err)
		}
		var ext [epochFrameExtra]byte
		putEpochFrame(ext[:], epochFrame{epoch: 2, epochStart: start, confirm: at})
		stream = append(stream, frame(at, nil)[:headerSize]...)
		putHeader((*[headerSize]byte)(stream[len(stream)-headerSize:]), at, len(s.Bytes))
		stream = append(append(stream, ext[:]...), s.Bytes...)
		at += int64(len(s.Bytes))
		s.Release()
	}
	f.Add(stream)
	f.Fuzz(func(t *testing.T, b []byte) {
		sink := fuzzLog(t, fuzzRecords)
		o := fuzzOpts
		o.Epochs = epochFile(t, EpochEntry{Epoch: 1})
		var confirms []int64
		o.OnConfirm = func(c int64) { confirms = append(confirms, c) }
		r := newReceiver(sink, &o, nil)
		_ = r.readFrames(bytes.NewReader(b), nil) // the stream ends with an error, always
		es := o.Epochs.Entries()
		for i := range es {
			if i > 0 && (es[i].Epoch <= es[i-1].Epoch || es[i].StartOffset < es[i-1].StartOffset) {
				t.Fatalf("history out of order: %v", es)
			}
			if es[i].StartOffset > sink.MaxOffset() {
				t.Fatalf("epoch %v starts past the log's end %d", es[i], sink.MaxOffset())
			}
		}
		for _, c := range confirms {
			if c > sink.MaxOffset() {
				t.Fatalf("confirm %d past the log's end %d", c, sink.MaxOffset())
			}
		}
		if _, err := countRecords(sink); err != nil {
			t.Fatal(err)
		}
	})
}
