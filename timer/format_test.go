package timer

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/rocketstore/rocketstore/mappedfile"
)

func TestUnitRoundTripAndDamage(t *testing.T) {
	u := unit{flags: flagRoll, prev: 104, walkMs: 1_700_000_001_000, deliverMs: 1_700_000_900_123, physOffset: 1 << 33, physSize: 321, queueOffset: 77}
	b := make([]byte, UnitSize)
	u.encode(b)
	got, err := decodeUnit(b)
	if err != nil || got != u {
		t.Fatalf("decode = %+v, %v; want %+v", got, err, u)
	}
	for i := range UnitSize {
		c := append([]byte(nil), b...)
		c[i] ^= 0x40
		if _, err := decodeUnit(c); !errors.Is(err, errBadUnit) {
			t.Fatalf("a flipped bit at byte %d decoded: %v", i, err)
		}
	}
	if _, err := decodeUnit(make([]byte, UnitSize)); !errors.Is(err, errBadUnit) {
		t.Fatal("zeros decoded as a unit")
	}
	if _, err := decodeUnit(b[:UnitSize-1]); !errors.Is(err, errBadUnit) {
		t.Fatal("a short unit decoded")
	}
}

func TestWheelCells(t *testing.T) {
	w, err := createWheel(mappedfile.NewMemFS(), "wheel", 10)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	if _, _, ok := w.get(5); ok {
		t.Fatal("a fresh wheel holds slot 5")
	}
	w.set(5, 520, 3)
	if last, n, ok := w.get(5); !ok || last != 520 || n != 3 {
		t.Fatalf("get(5) = %d, %d, %v", last, n, ok)
	}
	// Slot 15 shares the cell: it is not slot 5's.
	if _, _, ok := w.get(15); ok || w.held(15) != 5 {
		t.Fatalf("slot 15 seen in slot 5's cell (held %d)", w.held(15))
	}
	w.set(15, 9, 1)
	if _, _, ok := w.get(5); ok {
		t.Fatal("slot 5 still there after slot 15 took its cell")
	}
}

func TestTimerLogAppendScanTruncate(t *testing.T) {
	fs := mappedfile.NewMemFS()
	const perFile = 4
	l, err := openTimerLog("tl", fs, perFile*UnitSize)
	if err != nil {
		t.Fatal(err)
	}
	var want []unit
	for i := range int64(10) { // two and a half files
		u := unit{prev: i - 1, walkMs: 1000 * i, deliverMs: 1000*i + 7, physOffset: 100 * i, physSize: 50, queueOffset: i}
		pos, err := l.append(&u)
		if err != nil || pos != i*UnitSize {
			t.Fatalf("append %d at %d: %v", i, pos, err)
		}
		want = append(want, u)
	}
	if err := l.flush(); err != nil {
		t.Fatal(err)
	}
	if u, err := l.read(7 * UnitSize); err != nil || u != want[7] {
		t.Fatalf("read(7) = %+v, %v", u, err)
	}
	// Files hold whole units: nothing straddles.
	if n := len(l.q.Files()); n != 3 {
		t.Fatalf("%d files, want 3", n)
	}
	l.close()

	// Reopened (files count as full until recovery), a scan finds the ten
	// units and stops at the zeros after them.
	l, err = openTimerLog("tl", fs, perFile*UnitSize)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	var got []unit
	end, err := l.scan(func(pos int64, u *unit) bool {
		got = append(got, *u)
		return u.queueOffset < 8 // stop after 8: as if its message were gone
	})
	if err != nil || end != 8*UnitSize || len(got) != 9 {
		t.Fatalf("scan ended at %d after %d units: %v", end, len(got), err)
	}
	if err := l.truncate(end); err != nil {
		t.Fatal(err)
	}
	if l.end() != 8*UnitSize {
		t.Fatalf("end %d after truncation", l.end())
	}
	u := unit{prev: -1, walkMs: 1, deliverMs: 1, physOffset: 1, physSize: 1, queueOffset: 99}
	if pos, err := l.append(&u); err != nil || pos != 8*UnitSize {
		t.Fatalf("append after truncation at %d: %v", pos, err)
	}
	// A file whose every unit is walked before 4000 ms, below the keep
	// position, can go; the one holding later units stays.
	if n, err := l.deleteDelivered(4000, 8*UnitSize); err != nil || n != 1 || l.q.MinOffset() != perFile*UnitSize {
		t.Fatalf("deleted %d files, first now at %d: %v", n, l.q.MinOffset(), err)
	}
}

func TestCheckpointCopies(t *testing.T) {
	fs := mappedfile.NewMemFS()
	f, _, ok, err := openCheckpointFile(fs, "d")
	if err != nil || ok {
		t.Fatalf("fresh checkpoint: ok %v, %v", ok, err)
	}
	c := Checkpoint{ReadTimeMs: 5000, LogEnd: 520, QueueOffset: 9, Counter: 1, Walked: -1, CommitLog: 4096, SlotCommitLog: 2048, PrecisionMs: 1000}
	if err := f.store(c); err != nil {
		t.Fatal(err)
	}
	c2 := c
	c2.Counter, c2.QueueOffset = 2, 10
	if err := f.store(c2); err != nil {
		t.Fatal(err)
	}
	f.close()
	if _, got, ok, _ := openCheckpointFile(fs, "d"); !ok || got != c2 {
		t.Fatalf("reopened: %+v, %v; want the newer copy %+v", got, ok, c2)
	}
	// A torn write of the newer copy leaves the older one.
	crashed := fs.CrashCopy()
	m, _ := crashed.Open(filepath.Join("d", checkpointName))
	m.Bytes()[int(c2.Counter%2)*cpCopyAt+3] ^= 1
	m.Close()
	if _, got, ok, _ := openCheckpointFile(crashed, "d"); !ok || got != c {
		t.Fatalf("with the newer copy torn: %+v, %v; want %+v", got, ok, c)
	}
	if _, err := DecodeCheckpoint(c.Encode()[:CheckpointSize-1]); !errors.Is(err, ErrBadCheckpoint) {
		t.Fatalf("a short checkpoint: %v", err)
	}
	// What a slave stores is marked as its master's.
	if err := WriteCheckpoint(fs, "slave", c); err != nil {
		t.Fatal(err)
	}
	if _, got, ok, _ := openCheckpointFile(fs, "slave"); !ok || !got.FromMaster || got.QueueOffset != c.QueueOffset {
		t.Fatalf("slave checkpoint %+v, %v", got, ok)
	}
}
