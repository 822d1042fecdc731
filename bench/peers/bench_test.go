package peers

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/sys/unix"

	"github.com/rocketstore/rocketstore/bench"
)

var benchRecordSizes = []struct {
	name string
	size int
}{{"128B", 128}, {"1KiB", 1024}, {"4KiB", 4096}}

// benchRecord returns a record of size bytes that does not compress to
// nothing (pebble compresses its tables).
func benchRecord(size int) []byte {
	r := make([]byte, size)
	x := uint32(2463534242)
	for i := range r {
		x ^= x << 13 // xorshift: cheap, and not a repeating run
		x ^= x >> 17
		x ^= x << 5
		r[i] = byte(x)
	}
	return r
}

// openBench opens engine e, durable or not, with its default file sizes,
// in a fresh temporary directory that the benchmark removes when it ends,
// after the deferred Close.
func openBench(b *testing.B, e bench.Engine, durable bool) bench.Log {
	b.Helper()
	l, err := e.Open(b.TempDir(), bench.OpenOptions{Durable: durable})
	if err != nil {
		b.Fatal(err)
	}
	return l
}

// warmUp makes one untimed append of record. Engines create their first
// file when opened or at their first append: for rocketstore that is a 1 GiB
// file, prewarmed in the async mode, which takes a tenth of a second or
// more, a start-up cost a short fixed-count run would otherwise charge to
// its appends.
func warmUp(b *testing.B, l bench.Log, record []byte) {
	b.Helper()
	if err := l.Append(record); err != nil {
		b.Fatal(err)
	}
}

// settlePageCache writes back dirty pages left by earlier benchmarks, so
// that the timed loop does not pay for them, as the commit-log benchmarks do.
func settlePageCache() { unix.Sync() }

// reportThroughput reports MB/s of record bytes and msgs/s over the timed
// part of the benchmark.
func reportThroughput(b *testing.B, size int) {
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)*float64(size)/1e6/secs, "MB/s")
	b.ReportMetric(float64(b.N)/secs, "msgs/s")
}

// BenchmarkAppend (W1) appends b.N records of 128 B, 1 KiB and 4 KiB from one
// goroutine to a log opened without Durable (no fsync per record). Run it
// with a fixed count (-benchtime 200000x) so every engine writes the same
// volume. Close, with its final flush, is not timed.
func BenchmarkAppend(b *testing.B) {
	for _, e := range Engines() {
		for _, rs := range benchRecordSizes {
			b.Run(fmt.Sprintf("%s/%s", e.Name, rs.name), func(b *testing.B) {
				l := openBench(b, e, false)
				defer l.Close()
				record := benchRecord(rs.size)
				warmUp(b, l, record)
				b.SetBytes(int64(rs.size))
				b.ReportAllocs()
				settlePageCache()
				b.ResetTimer()
				for range b.N {
					if err := l.Append(record); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				reportThroughput(b, rs.size)
			})
		}
	}
}

// BenchmarkDurableAppend (W2) runs 64 goroutines that share b.N appends of
// 1 KiB to a log opened with Durable, each waiting for its own, as 64
// producers of a SYNC_FLUSH broker would. Latency is one acknowledged
// append.
func BenchmarkDurableAppend(b *testing.B) {
	const size, writers = 1024, 64
	for _, e := range Engines() {
		b.Run(fmt.Sprintf("%s/1KiB/w%d", e.Name, writers), func(b *testing.B) {
			l := openBench(b, e, true)
			defer l.Close()
			record := benchRecord(size)
			warmUp(b, l, record)
			hists := make([]*hdrhistogram.Histogram, writers)
			for i := range hists {
				hists[i] = newLatencyHistogram()
			}
			var remaining atomic.Int64
			remaining.Store(int64(b.N))
			var failed atomic.Pointer[error]
			var wg sync.WaitGroup
			b.SetBytes(size)
			b.ReportAllocs()
			settlePageCache()
			b.ResetTimer()
			for w := range writers {
				wg.Go(func() {
					for remaining.Add(-1) >= 0 {
						start := time.Now()
						if err := l.Append(record); err != nil {
							failed.Store(&err)
							return
						}
						_ = hists[w].RecordValue(time.Since(start).Microseconds())
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			if err := failed.Load(); err != nil {
				b.Fatal(*err)
			}
			reportThroughput(b, size)
			all := newLatencyHistogram()
			for _, h := range hists {
				all.Merge(h)
			}
			b.ReportMetric(float64(all.ValueAtQuantile(50)), "p50-µs")
			b.ReportMetric(float64(all.ValueAtQuantile(99)), "p99-µs")
		})
	}
}

// newLatencyHistogram records 1 µs to 10 s with 3 significant digits.
func newLatencyHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, int64(10*time.Second/time.Microsecond), 3)
}

// BenchmarkReadBack (W3) appends b.N records of 1 KiB (untimed; the first
// is warmUp's) to a log opened without Durable, then reads them back in
// sequence order with ReadAt, checking each one's length. The data was just
// written, so it is in the page cache: this measures the engines' read
// paths, not the disk.
func BenchmarkReadBack(b *testing.B) {
	const size = 1024
	for _, e := range Engines() {
		b.Run(e.Name+"/1KiB", func(b *testing.B) {
			if why := e.Unsupported["W3"]; why != "" {
				b.Skip(why) // as the suite's W3 table does
			}
			l := openBench(b, e, false)
			defer l.Close()
			record := benchRecord(size)
			warmUp(b, l, record)
			for range b.N - 1 {
				if err := l.Append(record); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(size)
			b.ReportAllocs()
			settlePageCache()
			b.ResetTimer()
			for seq := range b.N {
				got, err := l.ReadAt(seq)
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != size {
					b.Fatalf("ReadAt(%d) returned %d bytes, want %d", seq, len(got), size)
				}
			}
			b.StopTimer()
			reportThroughput(b, size)
		})
	}
}
