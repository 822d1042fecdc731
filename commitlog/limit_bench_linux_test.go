package commitlog

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/sys/unix"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// The Limit benchmarks measure what this machine can do at best, in the same
// run as the append benchmarks, so append figures can be stated as ratios.

// BenchmarkLimitMemcpyMmap copies records of each size into fresh files
// created and mapped exactly as the log's own (allocated up front, then
// mapped): the ceiling for an async append.
func BenchmarkLimitMemcpyMmap(b *testing.B) {
	for _, rs := range benchRecordSizes {
		b.Run(rs.name, func(b *testing.B) {
			dir := b.TempDir()
			src := make([]byte, rs.size)
			for i := range src {
				src[i] = byte(i)
			}
			perFile := benchFileSize / rs.size
			var maps []mappedfile.Mapping
			defer func() {
				for _, m := range maps {
					m.Close()
				}
			}()
			for i := 0; i*perFile < b.N; i++ {
				m, err := mappedfile.OSFS.Create(filepath.Join(dir, fmt.Sprintf("%020d", i)), benchFileSize)
				if err != nil {
					b.Fatal(err)
				}
				maps = append(maps, m)
			}
			b.SetBytes(int64(rs.size))
			b.ReportAllocs()
			settlePageCache()
			cpu := startCPUMetric()
			b.ResetTimer()
			for i := range b.N {
				dst := maps[i/perFile].Bytes()
				copy(dst[(i%perFile)*rs.size:], src)
			}
			b.StopTimer()
			cpu.report(b)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkLimitWriteFdatasync appends chunks of 4 KiB and 64 KiB to a file
// with write(2) and calls fdatasync(2) after each: the ceiling for durable
// appends. With 64 KiB chunks it is the ideal for 64 concurrent 1 KiB sync
// appenders sharing one fsync; msgs/s counts 1 KiB messages per chunk.
func BenchmarkLimitWriteFdatasync(b *testing.B) {
	for _, chunk := range []int{4 << 10, 64 << 10} {
		b.Run(fmt.Sprintf("%dKiB", chunk>>10), func(b *testing.B) {
			f, err := os.OpenFile(filepath.Join(b.TempDir(), "limit"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			buf := make([]byte, chunk)
			hist := hdrhistogram.New(1, int64(10*time.Second/time.Microsecond), 3)
			b.SetBytes(int64(chunk))
			b.ReportAllocs()
			settlePageCache()
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				if _, err := f.Write(buf); err != nil {
					b.Fatal(err)
				}
				if err := unix.Fdatasync(int(f.Fd())); err != nil {
					b.Fatal(err)
				}
				_ = hist.RecordValue(time.Since(start).Microseconds())
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)*float64(chunk>>10)/b.Elapsed().Seconds(), "msgs/s")
			b.ReportMetric(float64(hist.ValueAtQuantile(50)), "p50-µs")
			b.ReportMetric(float64(hist.ValueAtQuantile(99)), "p99-µs")
		})
	}
}
