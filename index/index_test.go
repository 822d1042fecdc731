package index

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile"
)

func openTest(t *testing.T, fs mappedfile.FS, now func() time.Time) *Service {
	t.Helper()
	s, err := Open("index", &Options{SlotCount: 64, MaxEntries: 200, FS: fs, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPutAndQueryNewestFirst(t *testing.T) {
	s := openTest(t, mappedfile.NewMemFS(), nil)
	defer s.Close()
	base := int64(1_700_000_000_000)
	for i := int64(0); i < 100; i++ {
		key := fmt.Sprintf("k%d", i%10)
		if err := s.PutMessage("T", []string{key}, fmt.Sprintf("U%d", i), i*100, base+i*1000); err != nil {
			t.Fatal(err)
		}
	}
	got := s.Query("T", "k3", 32, 0, base+1e9)
	want := []int64{9300, 8300, 7300, 6300, 5300, 4300, 3300, 2300, 1300, 300}
	if !slices.Equal(got, want) {
		t.Fatalf("Query(k3) = %v, want %v", got, want)
	}
	if got := s.Query("T", "k3", 3, 0, base+1e9); !slices.Equal(got, want[:3]) {
		t.Fatalf("Query max 3 = %v", got)
	}
	// The time range keeps records stored in [begin, end].
	if got := s.Query("T", "k3", 32, base+23_000, base+63_000); !slices.Equal(got, []int64{6300, 5300, 4300, 3300, 2300}) {
		t.Fatalf("Query in a time range = %v", got)
	}
	if got := s.Query("T", "U42", 32, 0, base+1e9); !slices.Equal(got, []int64{4200}) {
		t.Fatalf("Query by unique key = %v", got)
	}
	if got := s.Query("Other", "k3", 32, 0, base+1e9); len(got) != 0 {
		t.Fatalf("another topic's key matched: %v", got)
	}
}

func TestRollsWhenFullAndReopens(t *testing.T) {
	fs := mappedfile.NewMemFS()
	clock := time.UnixMilli(1_700_000_000_000)
	s := openTest(t, fs, func() time.Time { return clock })
	for i := int64(0); i < 500; i++ {
		if err := s.Put("T#key", i, 1_700_000_000_000+i); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.Files()); n != 3 {
		t.Fatalf("%d files for 500 entries of 199 per file", n)
	}
	if got := s.Query("T", "key", 1000, 0, 1<<62); len(got) != 500 || got[0] != 499 || got[499] != 0 {
		t.Fatalf("query across files: %d offsets, first %d", len(got), got[0])
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, fs, func() time.Time { return clock })
	defer s.Close()
	if got := s.Query("T", "key", 1000, 0, 1<<62); len(got) != 500 {
		t.Fatalf("after reopen: %d offsets", len(got))
	}
}

func TestTruncateAfterAndDeleteExpired(t *testing.T) {
	clock := time.UnixMilli(1_700_000_000_000)
	s := openTest(t, mappedfile.NewMemFS(), func() time.Time { return clock })
	defer s.Close()
	for i := int64(0); i < 500; i++ {
		s.Put("T#key", i*10, 1_700_000_000_000+i)
	}
	from, err := s.TruncateAfter(4500)
	if err != nil || from != 199*2*10 || len(s.Files()) != 2 {
		t.Fatalf("TruncateAfter = %d, %v with %d files left; want re-indexing from %d", from, err, len(s.Files()), 199*2*10)
	}
	n, err := s.DeleteExpired(1990)
	if err != nil || n != 1 || len(s.Files()) != 1 {
		t.Fatalf("DeleteExpired = %d, %v", n, err)
	}
	if got := s.Query("T", "key", 1000, 0, 1<<62); len(got) != 199 || got[0] != 3970 {
		t.Fatalf("after cleanup: %d offsets, newest %v", len(got), got[:1])
	}
}

func TestKeyHashMatchesRocketMQ(t *testing.T) {
	// |"abc".hashCode()| = 96354; a key whose Java hash is negative is
	// stored by its absolute value.
	if KeyHash("abc") != 96354 {
		t.Fatalf("KeyHash(abc) = %d", KeyHash("abc"))
	}
	for _, k := range []string{"TopicTest#order-1", "polygenelubricants", "x"} {
		if h := KeyHash(k); h < 0 {
			t.Fatalf("KeyHash(%q) = %d is negative", k, h)
		}
	}
}

func BenchmarkQuery(b *testing.B) {
	s, err := Open(b.TempDir(), &Options{SlotCount: 500_000, MaxEntries: 2_000_000})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const keys = 1_000_000
	for i := int64(0); i < keys; i++ {
		s.Put(fmt.Sprintf("T#k%d", i), i*1000, 1_700_000_000_000+i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if got := s.Query("T", fmt.Sprintf("k%d", i%keys), 32, 0, 1<<62); len(got) == 0 {
			b.Fatal("key not found")
		}
		i += 7919
	}
}
