package ha

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

const (
	benchFileSize = 64 << 20
	benchBodySize = 1 << 10
	// benchRound is how many bytes go through before both logs drop their
	// old files, so that a long run does not fill memory.
	benchRound = 4 * benchFileSize
)

func openBenchLog(b *testing.B) *commitlog.Log {
	l, err := commitlog.Open("bench", &commitlog.Options{FileSize: benchFileSize, FS: mappedfile.NewMemFS()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l
}

// BenchmarkReplication measures how fast records of 1 KiB go from a master
// to one slave over loopback, both logs in memory: each op appends one
// record, and the clock runs until the slave holds them all.
func BenchmarkReplication(b *testing.B) {
	src, sink := openBenchLog(b), openBenchLog(b)
	m := startMaster(b, src, nil)
	startSlave(b, sink, m.Addr(), nil)
	// Connected is not enough: until its first report the slave is not in
	// sync, and a synchronous put finds no slave available.
	waitFor(b, 5*time.Second, "the slave's first report", func() bool { return len(m.Slaves()) == 1 && m.Slaves()[0].AckOffset >= 0 })
	msg := &message.Message{
		Topic:    "BenchTopic",
		Body:     make([]byte, benchBodySize),
		BornHost: netip.MustParseAddrPort("127.0.0.1:50000"),
	}
	size, err := message.EncodedSize(msg, commitlog.DefaultStoreHost)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	ctx := context.Background()
	nextDrop := int64(benchRound)
	b.ResetTimer()
	for i := range b.N {
		if _, err := src.Append(ctx, msg); err != nil {
			b.Fatal(err)
		}
		if i%64 == 0 {
			m.Notify()
		}
		if src.MaxOffset() >= nextDrop {
			catchUp(b, m, src, sink) // timed: the slave's work
			b.StopTimer()
			dropOldFiles(src, sink)
			b.StartTimer()
			nextDrop += benchRound
		}
	}
	m.Notify()
	catchUp(b, m, src, sink)
	b.StopTimer()
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/secs, "records/s")
	b.ReportMetric(float64(b.N)*float64(size)/secs/1e6, "MB/s")
}

func catchUp(b *testing.B, m *Master, src, sink *commitlog.Log) {
	end := src.MaxOffset()
	waitFor(b, time.Minute, "the slave to catch up", func() bool { return sink.MaxOffset() == end })
}

// dropOldFiles deletes every file but the last on both sides, once the
// slave holds everything.
func dropOldFiles(logs ...*commitlog.Log) {
	for _, l := range logs {
		l.Files().DeleteFiles(func(*mappedfile.File) bool { return true }, 0, 0)
	}
}

// BenchmarkIdleSlaves connects 1,000 caught-up slaves (raw connections that
// report the master's end every 5 s, as slaves do) and reports the CPU the
// process spends on them over 5 s, in percent of one core: idle senders
// wait for Notify instead of polling. b.N is ignored.
func BenchmarkIdleSlaves(b *testing.B) {
	const slaves = 1000
	src := openBenchLog(b)
	m := startMaster(b, src, &MasterOptions{MaxSlaves: slaves})
	// Every slave reports every 5 s, as slaves do: on a loaded machine,
	// dialling 1,000 of them can take longer than the master's idle
	// timeout (20 s), which would drop the first ones before the last.
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			mu.Lock()
			reporting := slices.Clone(conns)
			mu.Unlock()
			for _, c := range reporting {
				if err := writeReport(c, src.MaxOffset()); err != nil {
					b.Error(err)
					return
				}
			}
		}
	})
	defer func() { close(done); wg.Wait() }()
	for i := range slaves {
		p := dialMaster(b, m)
		p.report(src.MaxOffset())
		mu.Lock()
		conns = append(conns, p.conn)
		mu.Unlock()
		// The master admits 64 handshakes at once and refuses the
		// connections above that: dial in batches it has taken in.
		if dialed := i + 1; dialed%32 == 0 {
			waitFor(b, 30*time.Second, "a batch of slaves", func() bool { return len(m.Slaves()) == dialed })
		}
	}
	waitFor(b, 30*time.Second, "the slaves", func() bool { return len(m.Slaves()) == slaves })
	time.Sleep(time.Second) // every sender reaches its wait
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b.ResetTimer()
	before, start := cpu(), time.Now()
	time.Sleep(5 * time.Second)
	used, took := cpu()-before, time.Since(start)
	b.StopTimer()
	b.ReportMetric(100*used.Seconds()/took.Seconds(), "cpu-%-of-a-core")
}

// writeReport sends a slave's report of offset on c.
func writeReport(c net.Conn, offset int64) error {
	var b [reportSize]byte
	binary.BigEndian.PutUint64(b[:], uint64(offset))
	if err := c.SetWriteDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	_, err := c.Write(b[:])
	return err
}
