package progress

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// clock is a fake clock advanced by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestPlain(t *testing.T) {
	var buf bytes.Buffer
	c := &clock{t: time.Unix(1000, 0)}
	b := newBar(&buf, 3, false, 0, c.now)
	b.Begin("W1 1KiB tidwall-wal rep 1/3")
	c.advance(1200 * time.Millisecond)
	b.End("312k msgs/s")
	b.Begin("W1 1KiB tidwall-wal rep 2/3")
	c.advance(350 * time.Millisecond)
	b.End("300k msgs/s")
	b.Begin("W1 1KiB tidwall-wal rep 3/3")
	c.advance(11*time.Minute + 400*time.Millisecond)
	b.End("1 msgs/s")
	b.Finish()
	want := `[1/3] W1 1KiB tidwall-wal rep 1/3: 312k msgs/s (1.2s)
[2/3] W1 1KiB tidwall-wal rep 2/3: 300k msgs/s (350ms)
[3/3] W1 1KiB tidwall-wal rep 3/3: 1 msgs/s (11m00s)
done: 3 steps in 11m02s
`
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestNewPlainForNonFile(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, 2)
	b.Begin("a")
	b.End("ok")
	b.Finish()
	if strings.ContainsAny(buf.String(), "\r\x1b") {
		t.Errorf("plain output has control characters: %q", buf.String())
	}
}

func TestNewPlainForRegularFile(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if b := New(f, 1); b.term {
		t.Error("a regular file was taken for a terminal")
	}
}

func TestTerminal(t *testing.T) {
	var buf bytes.Buffer
	c := &clock{t: time.Unix(1000, 0)}
	b := newBar(&buf, 4, true, 0, c.now)

	b.Begin("step one")
	if got, want := buf.String(), "\r\x1b[K[....................]  0/4  ETA ?  step one"; got != want {
		t.Fatalf("after Begin: %q, want %q", got, want)
	}
	buf.Reset()

	c.advance(10 * time.Second)
	b.End("fast")
	want := "\r\x1b[K[1/4] step one: fast (10.0s)\n" +
		"\r\x1b[K[#####...............]  1/4  ETA 30s"
	if got := buf.String(); got != want {
		t.Fatalf("after End:\n%q\nwant\n%q", got, want)
	}
	buf.Reset()

	b.Begin("step two")
	c.advance(50 * time.Second)
	b.End("slow")
	// Mean of 10s and 50s is 30s; two steps left.
	want = "\r\x1b[K[#####...............]  1/4  ETA 30s  step two" +
		"\r\x1b[K[2/4] step two: slow (50.0s)\n" +
		"\r\x1b[K[##########..........]  2/4  ETA 1m00s"
	if got := buf.String(); got != want {
		t.Fatalf("second step:\n%q\nwant\n%q", got, want)
	}
	buf.Reset()

	c.advance(2 * time.Second)
	b.Finish()
	if got, want := buf.String(), "\r\x1b[Kdone: 2 steps in 1m02s\n"; got != want {
		t.Fatalf("Finish: %q, want %q", got, want)
	}
}

func TestTerminalCutsToWidth(t *testing.T) {
	var buf bytes.Buffer
	c := &clock{t: time.Unix(0, 0)}
	b := newBar(&buf, 96, true, 30, c.now)
	b.Begin(strings.Repeat("x", 100))
	line := strings.TrimPrefix(buf.String(), "\r\x1b[K")
	if n := len(line); n != 29 {
		t.Errorf("bar line is %d wide on a 30-column terminal: %q", n, line)
	}
}

func TestOverrun(t *testing.T) {
	// More steps than announced must not panic or overfill the bar.
	var buf bytes.Buffer
	c := &clock{t: time.Unix(0, 0)}
	b := newBar(&buf, 1, true, 0, c.now)
	for range 3 {
		b.Begin("s")
		c.advance(time.Second)
		b.End("r")
	}
	if !strings.Contains(buf.String(), "[####################]  3/1  ETA 0s") {
		t.Errorf("overrun bar: %q", buf.String())
	}
	z := newBar(&buf, 0, true, 0, c.now)
	z.Begin("s")
	z.End("r")
	z.Finish()
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		d           time.Duration
		step, total string
	}{
		{0, "0ms", "0s"},
		{999 * time.Millisecond, "999ms", "1s"},
		{1249 * time.Millisecond, "1.2s", "1s"},
		{59 * time.Second, "59.0s", "59s"},
		{3*time.Minute + 10*time.Second, "3m10s", "3m10s"},
		{time.Hour + 5*time.Minute, "1h05m00s", "1h05m00s"},
	} {
		if got := formatStep(tc.d); got != tc.step {
			t.Errorf("formatStep(%v) = %q, want %q", tc.d, got, tc.step)
		}
		if got := formatTotal(tc.d); got != tc.total {
			t.Errorf("formatTotal(%v) = %q, want %q", tc.d, got, tc.total)
		}
	}
}
