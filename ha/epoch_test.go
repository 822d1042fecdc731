package ha

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func entries(pairs ...int64) []EpochEntry {
	var out []EpochEntry
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, EpochEntry{Epoch: int32(pairs[i]), StartOffset: pairs[i+1]})
	}
	return out
}

// TestEpochFileKeepsRocketMQsFormat writes, reopens and cuts a history, and
// reads the file as RocketMQ's CheckpointFile would.
func TestEpochFileKeepsRocketMQsFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), EpochFileName)
	f, err := OpenEpochFile(path)
	if err != nil || len(f.Entries()) != 0 || f.LastEpoch() != 0 {
		t.Fatalf("a missing file: %v, %v", err, f.Entries())
	}
	for _, e := range entries(1, 0, 2, 100, 4, 250) {
		if err := f.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Append(EpochEntry{Epoch: 4, StartOffset: 300}); !errors.Is(err, ErrEpochOrder) {
		t.Fatalf("a repeated epoch was taken: %v", err)
	}
	if err := f.Append(EpochEntry{Epoch: 5, StartOffset: 200}); !errors.Is(err, ErrEpochOrder) {
		t.Fatalf("an entry starting before the last was taken: %v", err)
	}
	// A term that wrote nothing is replaced by the next one.
	if err := f.Append(EpochEntry{Epoch: 6, StartOffset: 250}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "3\n1196259634\n1-0\n2-100\n6-250\n"; string(b) != want {
		t.Fatalf("file holds %q, want %q", b, want)
	}
	g, err := OpenEpochFile(path)
	if err != nil || !slices.Equal(g.Entries(), entries(1, 0, 2, 100, 6, 250)) {
		t.Fatalf("reopened: %v, %v", err, g.Entries())
	}
	if err := g.TruncateSuffix(100); err != nil || !slices.Equal(g.Entries(), entries(1, 0)) {
		t.Fatalf("TruncateSuffix(100): %v, %v", err, g.Entries())
	}
	for _, e := range entries(7, 150, 8, 900) {
		if err := g.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.TruncatePrefix(500); err != nil || !slices.Equal(g.Entries(), entries(7, 150, 8, 900)) {
		t.Fatalf("TruncatePrefix(500): %v, %v", err, g.Entries())
	}
	if err := os.WriteFile(path, []byte("2\n5\n1-0\n3-10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenEpochFile(path); err == nil {
		t.Fatal("a file with a wrong CRC was read")
	}
	if err := os.WriteFile(path, []byte("3\n0\n1-0\n3-10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenEpochFile(path); err == nil {
		t.Fatal("a file with a wrong count was read")
	}
}

func TestConsistentPoint(t *testing.T) {
	for _, tc := range []struct {
		name      string
		local     []EpochEntry
		localEnd  int64
		remote    []EpochEntry
		remoteEnd int64
		want      int64
	}{
		{"same history, local behind", entries(1, 0, 2, 100), 150, entries(1, 0, 2, 100), 400, 150},
		{"same history, local ahead", entries(1, 0, 2, 100), 400, entries(1, 0, 2, 100), 150, 150},
		{"demoted master wrote on", entries(1, 0, 2, 100), 500, entries(1, 0, 2, 100, 3, 300), 700, 300},
		{"diverged in a term the other never saw", entries(1, 0, 2, 100), 500, entries(1, 0, 3, 120), 700, 100},
		{"same epoch, other start", entries(1, 0, 2, 100), 500, entries(1, 0, 2, 90), 700, 90},
		{"nothing in common", entries(2, 0), 50, entries(3, 0), 80, -1},
		{"data before controller mode", nil, 400, entries(1, 300), 900, 300},
		{"both from before controller mode", entries(4, 500), 600, entries(5, 450), 900, 450},
	} {
		if got := ConsistentPoint(tc.local, tc.localEnd, tc.remote, tc.remoteEnd); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestAnswerHandshake(t *testing.T) {
	master := entries(1, 0, 3, 300)
	for _, tc := range []struct {
		name   string
		h      handshake
		status int32
		cut    int64
	}{
		{"empty slave", handshake{maxOffset: 0}, handshakeOK, 0},
		{"diverged slave is cut", handshake{maxOffset: 500, entries: entries(1, 0, 2, 250)}, handshakeOK, 250},
		{"cut below the slave's first byte", handshake{minOffset: 280, maxOffset: 500, entries: entries(1, 0, 2, 250)}, handshakeOK, 280},
		{"slave knows a newer epoch", handshake{maxOffset: 500, entries: entries(1, 0, 4, 400)}, handshakeStale, 0},
		{"nothing in common", handshake{maxOffset: 50, entries: entries(2, 0)}, handshakeNoCommon, 0},
	} {
		a := answerHandshake(tc.h, master, 800)
		if a.status != tc.status || (tc.status == handshakeOK && a.truncateOffset != tc.cut) || a.masterEpoch != 3 {
			t.Errorf("%s: %+v, want status %d cut %d", tc.name, a, tc.status, tc.cut)
		}
	}
}
