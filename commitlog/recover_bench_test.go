package commitlog

import (
	"context"
	"testing"
)

// BenchmarkRecover times Open's recovery scan of a whole log of 64 MiB
// (RecoverFrom 1: every file is checked, as after a crash with an old
// checkpoint) of 128 B and 1 KiB records, warm in the page cache. Small
// records show the per-record cost of the checks, large ones the CRC's
// per-byte cost. Close is not timed.
func BenchmarkRecover(b *testing.B) {
	const (
		logBytes = 64 << 20
		fileSize = 16 << 20
	)
	for _, rs := range benchRecordSizes[:2] {
		b.Run(rs.name, func(b *testing.B) {
			dir := b.TempDir()
			opts := &Options{FileSize: fileSize, DisablePreallocate: true}
			l := openTest(b, dir, opts)
			m := benchMessage(rs.size, 0)
			for range logBytes / rs.size {
				if _, err := l.Append(context.Background(), m); err != nil {
					b.Fatal(err)
				}
			}
			if err := l.Close(); err != nil {
				b.Fatal(err)
			}
			opts.RecoverFrom = 1
			var rep RecoveryReport
			b.ReportAllocs()
			for b.Loop() {
				l := openTest(b, dir, opts)
				b.StopTimer()
				rep = l.Recovery()
				if err := l.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			if rep.Reason != nil || rep.ScanFrom != 0 {
				b.Fatalf("recovery %+v, want a clean scan from 0", rep)
			}
			b.SetBytes(rep.End - rep.ScanFrom)
			b.ReportMetric(float64(rep.Records*int64(b.N))/b.Elapsed().Seconds(), "records/s")
		})
	}
}
