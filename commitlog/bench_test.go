package commitlog

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/rocketstore/rocketstore/message"
)

// Benchmarks use the real file size, as a production log would.
const benchFileSize = DefaultFileSize

var benchRecordSizes = []struct {
	name string
	size int
}{{"128B", 128}, {"1KiB", 1024}, {"4KiB", 4096}}

// benchMessage returns a message whose encoded record is exactly size bytes,
// so append figures compare with the memcpy limit byte for byte.
func benchMessage(size int, queueID int32) *message.Message {
	m := &message.Message{
		Topic:         "BenchTopic",
		QueueID:       queueID,
		BornTimestamp: time.Now().UnixMilli(),
		BornHost:      netip.MustParseAddrPort("127.0.0.1:50000"),
	}
	overhead, err := message.EncodedSize(m, DefaultStoreHost)
	if err != nil || overhead > size {
		panic(fmt.Sprintf("record size %d below the header size %d (%v)", size, overhead, err))
	}
	m.Body = make([]byte, size-overhead)
	for i := range m.Body {
		m.Body[i] = byte(i)
	}
	return m
}

// BenchmarkWarmup exists for scripts/bench-commitlog.sh, which runs it
// first in every process: the first benchmark of a fresh process measured
// several times slower than the same benchmark later in the process, in
// every mode and size, while the disk settles after the previous process.
// It appends 256 MiB whatever b.N is, and reports nothing of interest.
func BenchmarkWarmup(b *testing.B) {
	l, err := Open(b.TempDir(), &Options{FileSize: benchFileSize})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	m := benchMessage(1024, 0)
	for range 256 << 10 {
		if _, err := l.Append(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppend appends records of 128 B, 1 KiB and 4 KiB from 1, 8 and 64
// goroutines in each durability mode. Sync-flush runs report latency
// percentiles of one acknowledged append. The sync-rounds mode is sync with
// an Events.OnFlushRound listener, as a broker with metrics runs it: its
// cost shows against sync, and it reports the mean group size.
func BenchmarkAppend(b *testing.B) {
	modes := []struct {
		name   string
		opts   Options
		rounds bool // listen to flush rounds
	}{
		{"async", Options{}, false},
		{"async-prewarm", Options{Prewarm: true}, false},
		{"sync", Options{FlushMode: SyncFlush}, false},
		{"sync-rounds", Options{FlushMode: SyncFlush}, true},
		{"pool", Options{TransientStorePool: true}, false},
		{"sync-pool", Options{FlushMode: SyncFlush, TransientStorePool: true}, false},
	}
	for _, mode := range modes {
		for _, rs := range benchRecordSizes {
			for _, writers := range []int{1, 8, 64} {
				b.Run(fmt.Sprintf("%s/%s/w%d", mode.name, rs.name, writers), func(b *testing.B) {
					opts := mode.opts
					var rounds, waiters atomic.Int64
					if mode.rounds {
						opts.Events.OnFlushRound = func(r FlushRoundInfo) {
							rounds.Add(1)
							waiters.Add(int64(r.Waiters))
						}
					}
					benchAppend(b, opts, rs.size, writers)
					if n := rounds.Load(); n > 0 {
						b.ReportMetric(float64(waiters.Load())/float64(n), "waiters/round")
					}
				})
			}
		}
	}
}

func benchAppend(b *testing.B, opts Options, size, writers int) {
	opts.FileSize = benchFileSize
	l, err := Open(b.TempDir(), &opts)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	measureLatency := opts.FlushMode == SyncFlush
	hists := make([]*hdrhistogram.Histogram, writers)
	for i := range hists {
		hists[i] = hdrhistogram.New(1, int64(10*time.Second/time.Microsecond), 3)
	}
	var remaining atomic.Int64
	remaining.Store(int64(b.N))
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	b.SetBytes(int64(size))
	b.ReportAllocs()
	settlePageCache()
	cpu := startCPUMetric()
	b.ResetTimer()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := benchMessage(size, int32(w%16))
			ctx := context.Background()
			var err error // declared once: its address escapes on failure
			for remaining.Add(-1) >= 0 {
				var start time.Time
				if measureLatency {
					start = time.Now()
				}
				if _, err = l.Append(ctx, m); err != nil {
					failed.Store(&err)
					return
				}
				if measureLatency {
					_ = hists[w].RecordValue(time.Since(start).Microseconds())
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	cpu.report(b)
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if measureLatency {
		all := hdrhistogram.New(1, int64(10*time.Second/time.Microsecond), 3)
		for _, h := range hists {
			all.Merge(h)
		}
		b.ReportMetric(float64(all.ValueAtQuantile(50)), "p50-µs")
		b.ReportMetric(float64(all.ValueAtQuantile(99)), "p99-µs")
	}
}

// cpuMetric reports cpu-ns/op: the process's CPU time (every thread: the
// appenders, the flushers, the prewarming of the next file) per operation.
// On a shared machine other work stretches wall time but not CPU time, so
// this shows a change to the append path where ns/op drowns it in noise.
type cpuMetric struct{ start time.Duration }

func startCPUMetric() cpuMetric { return cpuMetric{processCPU()} }

func (c cpuMetric) report(b *testing.B) {
	if c.start > 0 && b.N > 0 {
		b.ReportMetric(float64(processCPU()-c.start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkRead reads 1 KiB records back by physical offset (Read, then
// Release) and by iterating, from a log already in the page cache.
func BenchmarkRead(b *testing.B) {
	const records = 200_000
	l, err := Open(b.TempDir(), &Options{FileSize: benchFileSize})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	m := benchMessage(1024, 0)
	offsets := make([]int64, records)
	for i := range offsets {
		r, err := l.Append(context.Background(), m)
		if err != nil {
			b.Fatal(err)
		}
		offsets[i] = r.PhysicalOffset
	}
	b.Run("by-offset/1KiB", func(b *testing.B) {
		b.SetBytes(1024)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			e, err := l.Read(offsets[i%records])
			if err != nil {
				b.Fatal(err)
			}
			e.Release()
			i++
		}
	})
	b.Run("iterate/1KiB", func(b *testing.B) {
		b.SetBytes(1024)
		b.ReportAllocs()
		it := l.NewIterator(0, false)
		defer it.Close()
		for b.Loop() {
			if !it.Next() {
				it.Close()
				it = l.NewIterator(0, false)
				if !it.Next() {
					b.Fatal(it.Err())
				}
			}
		}
	})
}
