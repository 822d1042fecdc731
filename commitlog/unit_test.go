package commitlog

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

// encoded returns the record for seq as it would be stored at phys.
func encoded(t *testing.T, seq, phys int64, size int) []byte {
	t.Helper()
	rec := message.Record{Message: *testMessage(seq, size), PhysicalOffset: phys, StoreHost: DefaultStoreHost}
	rec.BodyCRC = message.BodyCRC(rec.Body)
	b := make([]byte, 64<<10)
	n, err := message.Encode(b, &rec)
	if err != nil {
		t.Fatal(err)
	}
	return b[:n]
}

// TestLayoutSaysWhatMaySitAtAnOffset is the table of the one definition.
func TestLayoutSaysWhatMaySitAtAnOffset(t *testing.T) {
	const fileSize = 64 << 10
	layout := Layout{FileSize: fileSize, MaxRecordSize: 8 << 10}
	rec := encoded(t, 1, fileSize+100, 1000)
	blank := func(size int) []byte {
		b := make([]byte, 8)
		if err := message.EncodeBlank(b); err != nil {
			t.Fatal(err)
		}
		binary.BigEndian.PutUint32(b, uint32(size))
		return b
	}
	damaged := append([]byte(nil), rec...)
	damaged[len(damaged)-40] ^= 1 // in the body
	tooClose := encoded(t, 1, fileSize-int64(len(rec))-4, 1000)
	tests := []struct {
		name     string
		b        []byte
		phys     int64
		kind     UnitKind
		unknown  bool
		peekErr  error
		checkErr error
	}{
		{name: "record", b: rec, phys: fileSize + 100, kind: UnitRecord},
		{name: "record elsewhere", b: rec, phys: fileSize + 108, kind: UnitRecord, checkErr: ErrMisplaced},
		{name: "damaged body", b: damaged, phys: fileSize + 100, kind: UnitRecord, checkErr: message.ErrCRCMismatch},
		{name: "record ending too close to its file's end", b: tooClose, phys: fileSize - int64(len(rec)) - 4, peekErr: ErrRecordSize},
		{name: "record over the max", b: encoded(t, 1, 0, 9<<10), phys: 0, peekErr: ErrRecordSize},
		{name: "blank to the end", b: blank(5000), phys: 2*fileSize - 5000, kind: UnitBlank},
		{name: "blank larger than a record, left by a batch", b: blank(fileSize - 100), phys: fileSize + 100, kind: UnitBlank},
		{name: "blank in the middle", b: blank(100), phys: fileSize, peekErr: ErrBadBlank},
		{name: "zeros", b: make([]byte, 8), phys: 100, kind: UnitEnd},
		{name: "garbage", b: []byte{1, 2, 3, 4, 5, 6, 7, 8}, phys: 100, peekErr: message.ErrBadMagic},
		{name: "short header", b: rec[:5], phys: fileSize + 100, unknown: true},
		{name: "zero padding", b: make([]byte, 5), phys: fileSize - 5, kind: UnitPadding},
		{name: "dirty padding", b: []byte{0, 0, 1}, phys: fileSize - 3, kind: UnitPadding, checkErr: ErrDirtyPadding},
	}
	for _, tt := range tests {
		u, known, err := layout.PeekUnit(tt.b, tt.phys)
		if tt.peekErr != nil || err != nil {
			if !errors.Is(err, tt.peekErr) {
				t.Errorf("%s: PeekUnit error %v, want %v", tt.name, err, tt.peekErr)
			}
			continue
		}
		if known == tt.unknown || (known && u.Kind != tt.kind) {
			t.Errorf("%s: PeekUnit = %+v, known %v", tt.name, u, known)
			continue
		}
		if !known {
			continue
		}
		if _, err := layout.CheckUnit(tt.b, tt.phys, u, true); !errors.Is(err, tt.checkErr) || (tt.checkErr == nil) != (err == nil) {
			t.Errorf("%s: CheckUnit = %v, want %v", tt.name, err, tt.checkErr)
		}
		if u.Kind != UnitRecord {
			continue
		}
		if _, err := layout.DecodeRecord(tt.b, tt.phys, u, true); !errors.Is(err, tt.checkErr) || (tt.checkErr == nil) != (err == nil) {
			t.Errorf("%s: DecodeRecord = %v, want %v", tt.name, err, tt.checkErr)
		}
		if err := layout.CheckPlaced(tt.b, tt.phys, u); errors.Is(tt.checkErr, ErrMisplaced) != errors.Is(err, ErrMisplaced) {
			t.Errorf("%s: CheckPlaced = %v", tt.name, err)
		}
	}
}

// TestReadRefusesWhatIsNotARecordStart: a read by offset lands on a record
// that says it is there, or fails.
func TestReadRefusesWhatIsNotARecordStart(t *testing.T) {
	var ev eventLog
	l := openTest(t, "log", &Options{FS: mappedfile.NewMemFS(), FileSize: 64 << 10, MaxMessageSize: 16 << 10, Events: ev.events()})
	defer l.Close()
	var results []AppendResult
	for seq := range int64(25) {
		results = append(results, mustAppend(t, l, testMessage(seq, 3000)))
	}
	if len(ev.rolls) == 0 {
		t.Fatal("no roll")
	}
	filler := ev.rolls[0].StartOffset - int64(ev.rolls[0].FillerBytes)
	if _, err := l.Read(filler); !errors.Is(err, ErrNotRecord) {
		t.Errorf("Read of a filler: %v, want ErrNotRecord", err)
	}
	if _, err := l.Read(results[3].PhysicalOffset + 4); !errors.Is(err, ErrNotRecord) {
		t.Errorf("Read inside a record: %v, want ErrNotRecord", err)
	}
	// A record whose PHYSICALOFFSET field says it belongs elsewhere (stale
	// bytes from before a truncation look like this).
	r := results[5]
	e, err := l.Read(r.PhysicalOffset)
	if err != nil {
		t.Fatal(err)
	}
	binary.BigEndian.PutUint64(e.Bytes[message.OffsetPhysicalOffset:], uint64(r.PhysicalOffset+64))
	e.Release()
	var corrupt *CorruptionError
	if _, err := l.Read(r.PhysicalOffset); !errors.Is(err, ErrMisplaced) || !errors.As(err, &corrupt) {
		t.Errorf("Read of a misplaced record: %v, want a *CorruptionError for ErrMisplaced", err)
	}
}
