package commitlog

import (
	"context"
	"testing"

	"github.com/rocketstore/rocketstore/message"
)

// recoverBenchProperties are what a broker stores with a typical message:
// 104 bytes.
var recoverBenchProperties = message.EncodeProperties(map[string]string{
	message.PropertyUniqKey:     "7F0000010B5D18B4AAC2774E7A9C0000",
	message.PropertyKeys:        "order-1234567",
	message.PropertyTags:        "TagA",
	message.PropertyWaitStoreOK: "true",
	"CLUSTER":                   "DefaultCluster",
})

// BenchmarkRecover times Open's recovery scan of a whole log of 64 MiB
// (RecoverFrom 1: every file is checked, as after a crash with an old
// checkpoint) of 256 B and 1 KiB records with a broker's usual properties,
// warm in the page cache. Small records show the per-record cost of the
// checks, large ones the CRC's per-byte cost. Close is not timed.
func BenchmarkRecover(b *testing.B) {
	const (
		logBytes = 64 << 20
		fileSize = 16 << 20
	)
	for _, rs := range []struct {
		name string
		size int
	}{{"256B", 256}, {"1KiB", 1024}} {
		b.Run(rs.name, func(b *testing.B) {
			dir := b.TempDir()
			opts := &Options{FileSize: fileSize, DisablePreallocate: true}
			l := openTest(b, dir, opts)
			m := benchMessage(rs.size-len(recoverBenchProperties), 0)
			m.Properties = recoverBenchProperties
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
