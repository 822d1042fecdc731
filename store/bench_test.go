package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
)

// The store benchmarks use real files under b.TempDir() at the real sizes
// (1 GiB commit-log files, default index sizes). scripts/bench-store.sh runs
// them with fixed iteration counts.

const (
	benchTopic  = "BenchTopic"
	benchQueues = 16
	benchGroup  = "BenchGroup"
	// benchRecordSize is the encoded size of every 1 KiB message: exactly
	// 1 KiB of commit log, so MB/s compares with the commit-log benchmarks
	// byte for byte.
	benchRecordSize = 1024
	benchPullBatch  = 32
	benchFileSize   = commitlog.DefaultFileSize
	benchKeyBody    = 64
	benchWorkingSet = 1000
)

var benchBornHost = netip.MustParseAddrPort("127.0.0.1:50000")

// benchStoreOptions is the configuration of the put benchmarks: async flush
// (the default) on 1 GiB files, prewarmed, since without prewarm 1 KiB
// appends mostly measure page faults on fresh mapped pages (BENCHMARKS.md).
// Everything else is at its default.
func benchStoreOptions(onArrival func(Arrival)) *Options {
	return &Options{
		CommitLog: commitlog.Options{FileSize: benchFileSize, Prewarm: true},
		OnArrival: onArrival,
	}
}

// benchRecoveryOptions is the configuration of the recovery fixture. Open
// does not prewarm an existing file, so Prewarm would change nothing there.
func benchRecoveryOptions() *Options {
	return &Options{CommitLog: commitlog.Options{FileSize: benchFileSize}}
}

// openBenchStore opens a store and closes it when b ends, in case a failure
// skips the caller's own Close (a second Close just returns ErrClosed).
func openBenchStore(b *testing.B, root string, opts *Options) *MessageStore {
	b.Helper()
	s, err := Open(root, opts)
	if err != nil {
		b.Fatalf("Open(%s): %v", root, err)
	}
	b.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, ErrClosed) {
			b.Error(err)
		}
	})
	return s
}

func closeBenchStore(b *testing.B, s *MessageStore) {
	b.Helper()
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
}

func benchEnvInt(b *testing.B, name string, def int64) int64 {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// benchProducer is one producer's 1 KiB message, reused for every put: the
// log has copied it by the time PutMessage returns. Each put gets its own
// UNIQ_KEY, because every RocketMQ client sets one, so the dispatcher
// indexes every message as it would in production.
type benchProducer struct {
	m    message.Message
	uniq []byte // the last 16 hex digits of the UNIQ_KEY, inside m.Properties
}

func newBenchProducer(b *testing.B) *benchProducer {
	b.Helper()
	// 32 hex digits, the length of a RocketMQ unique id, so that every
	// record has the same size.
	const placeholder = "7F00000100000000" + "0000000000000000"
	props := message.EncodeProperties(map[string]string{message.PropertyUniqKey: placeholder})
	at := bytes.Index(props, []byte(placeholder))
	p := &benchProducer{
		m: message.Message{
			Topic:         benchTopic,
			Properties:    props,
			BornTimestamp: time.Now().UnixMilli(),
			BornHost:      benchBornHost,
		},
		uniq: props[at+16 : at+32],
	}
	overhead, err := message.EncodedSize(&p.m, commitlog.DefaultStoreHost)
	if err != nil || overhead > benchRecordSize {
		b.Fatalf("record size %d below the header size %d (%v)", benchRecordSize, overhead, err)
	}
	p.m.Body = make([]byte, benchRecordSize-overhead)
	for i := range p.m.Body {
		p.m.Body[i] = byte(i)
	}
	return p
}

// message is the message of sequence number seq: queue seq%16, UNIQ_KEY
// ending in seq.
func (p *benchProducer) message(seq int64) *message.Message {
	const digits = "0123456789ABCDEF"
	p.m.QueueID = int32(seq % benchQueues)
	v := uint64(seq)
	for i := len(p.uniq) - 1; i >= 0; i-- {
		p.uniq[i] = digits[v&0xF]
		v >>= 4
	}
	return &p.m
}

func benchMakers(b *testing.B, writers int) []func(seq int64) *message.Message {
	b.Helper()
	makers := make([]func(int64) *message.Message, writers)
	for i := range makers {
		makers[i] = newBenchProducer(b).message
	}
	return makers
}

// keyedMaker makes the key-query fixture's messages: a 64-byte body and
// KEYS "k<seq>".
func keyedMaker() func(seq int64) *message.Message {
	m := &message.Message{
		Topic:         benchTopic,
		Body:          make([]byte, benchKeyBody),
		BornTimestamp: time.Now().UnixMilli(),
		BornHost:      benchBornHost,
	}
	for i := range m.Body {
		m.Body[i] = byte(i)
	}
	return func(seq int64) *message.Message {
		m.QueueID = int32(seq % benchQueues)
		m.Properties = message.EncodeProperties(map[string]string{message.PropertyKeys: benchKey(seq)})
		return m
	}
}

func benchKey(seq int64) string { return "k" + strconv.FormatInt(seq, 10) }

// produce puts the messages of sequence numbers [from, to) from one
// goroutine per maker, each taking the next number as it goes. It stops
// early once stop is set (and sets it on its own failure) and returns the
// first error.
func produce(s *MessageStore, from, to int64, makers []func(seq int64) *message.Message, stop *atomic.Bool) error {
	var next atomic.Int64
	next.Store(from)
	var (
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	for _, mk := range makers {
		wg.Go(func() {
			ctx := context.Background()
			for !stop.Load() {
				seq := next.Add(1) - 1
				if seq >= to {
					return
				}
				if _, err := s.PutMessage(ctx, mk(seq)); err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("put %d: %w", seq, err) })
					stop.Store(true)
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

// benchWarmUp puts one message to every queue and waits for its dispatch,
// so that the consume-queue and index files exist before the timed run: a
// long-running broker has them, and their one-off creation would otherwise
// land in a short run. It returns the next free sequence number, which is
// a multiple of 16, so that message i of the timed run goes to queue i%16.
func benchWarmUp(b *testing.B, s *MessageStore, mk func(seq int64) *message.Message) int64 {
	b.Helper()
	if err := produce(s, 0, benchQueues, []func(int64) *message.Message{mk}, new(atomic.Bool)); err != nil {
		b.Fatal(err)
	}
	if err := s.WaitDispatched(time.Minute); err != nil {
		b.Fatal(err)
	}
	return benchQueues
}

// quantile is the nearest-rank quantile of sorted values.
func quantile(sorted []int64, q float64) int64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// BenchmarkEndToEnd puts 1 KiB messages over 16 queues from 1 and 16
// producers while one consumer per queue pulls them (32 per pull) as they
// are dispatched; it stops once every message has been pulled, so msgs/s
// and MB/s are those of the whole put→dispatch→pull path.
func BenchmarkEndToEnd(b *testing.B) {
	for _, writers := range []int{1, 16} {
		b.Run(fmt.Sprintf("w%d", writers), func(b *testing.B) { benchEndToEnd(b, writers) })
	}
}

func benchEndToEnd(b *testing.B, writers int) {
	// Consumers wait for an arrival notice, as RocketMQ's long polling does,
	// rather than spin: 16 spinning pullers would take the CPU the
	// producers and the dispatcher need. The buffered notice is never lost:
	// one sent after a consumer found its queue empty is waiting for it.
	var arrived [benchQueues]chan struct{}
	for q := range arrived {
		arrived[q] = make(chan struct{}, 1)
	}
	onArrival := func(a Arrival) {
		if a.Topic != benchTopic || a.QueueID < 0 || a.QueueID >= benchQueues {
			return
		}
		select {
		case arrived[a.QueueID] <- struct{}{}:
		default:
		}
	}
	s := openBenchStore(b, b.TempDir(), benchStoreOptions(onArrival))
	makers := benchMakers(b, writers)
	from := benchWarmUp(b, s, makers[0])

	var (
		stop     atomic.Bool
		abort    = make(chan struct{}) // closed on the first failure
		failOnce sync.Once
		failure  error
	)
	fail := func(err error) {
		failOnce.Do(func() {
			failure = err
			stop.Store(true)
			close(abort)
		})
	}
	starts := make([]int64, benchQueues)
	for q := range starts {
		starts[q] = s.GetMaxOffsetInQueue(benchTopic, int32(q))
	}

	b.SetBytes(benchRecordSize)
	b.ReportAllocs()
	benchSettle()
	b.ResetTimer()
	var wg sync.WaitGroup
	for q := range benchQueues {
		want := int64(b.N / benchQueues)
		if q < b.N%benchQueues {
			want++
		}
		wg.Go(func() {
			if err := consumeQueue(s, int32(q), starts[q], want, arrived[q], abort); err != nil {
				fail(err)
			}
		})
	}
	if err := produce(s, from, from+int64(b.N), makers, &stop); err != nil {
		fail(err)
	}
	wg.Wait()
	b.StopTimer()
	if failure != nil {
		b.Fatal(failure)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// consumeQueue pulls want messages of one queue from offset on, waiting for
// an arrival notice whenever it has caught up. It returns nil early once
// abort is closed.
func consumeQueue(s *MessageStore, queueID int32, offset, want int64, arrived, abort <-chan struct{}) error {
	for got := int64(0); got < want; {
		r, err := s.GetMessage(benchGroup, benchTopic, queueID, offset, benchPullBatch, nil)
		if err != nil {
			return fmt.Errorf("pull queue %d at %d: %w", queueID, offset, err)
		}
		n := len(r.Messages)
		r.Release()
		switch r.Status {
		case Found:
			got += int64(n)
			offset = r.NextBeginOffset
		case OffsetOverflowOne:
			select {
			case <-arrived:
			case <-abort:
				return nil
			}
		default:
			return fmt.Errorf("pull queue %d at %d: %v", queueID, offset, r.Status)
		}
	}
	return nil
}

// BenchmarkDispatchLag puts 1 KiB messages from 8 producers as fast as they
// go, and samples every millisecond how far the dispatcher (consume queues
// and index) is behind the commit log's end. msgs/s is the put rate.
func BenchmarkDispatchLag(b *testing.B) {
	const writers = 8
	s := openBenchStore(b, b.TempDir(), benchStoreOptions(nil))
	makers := benchMakers(b, writers)
	from := benchWarmUp(b, s, makers[0])
	samples := make([]int64, 0, 4096)
	quit, sampled := make(chan struct{}), make(chan struct{})

	b.SetBytes(benchRecordSize)
	b.ReportAllocs()
	benchSettle()
	b.ResetTimer()
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				samples = append(samples, s.DispatchBehindBytes())
			}
		}
	}()
	err := produce(s, from, from+int64(b.N), makers, new(atomic.Bool))
	b.StopTimer()
	close(quit)
	<-sampled
	if err != nil {
		b.Fatal(err)
	}
	if len(samples) == 0 { // a run shorter than one tick
		samples = append(samples, s.DispatchBehindBytes())
	}
	slices.Sort(samples)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(quantile(samples, 0.50)), "lag-p50-B")
	b.ReportMetric(float64(quantile(samples, 0.99)), "lag-p99-B")
	b.ReportMetric(float64(samples[len(samples)-1]), "lag-max-B")
	if err := s.WaitDispatched(time.Minute); err != nil {
		b.Fatal(err)
	}
}

// keyFixture is the key-query benchmarks' store: built once by the
// top-level benchmark, then opened by each sub-benchmark with its own cache
// setting. Only one store may be open on the directory at a time, so
// switching settings closes the open one.
type keyFixture struct {
	root   string
	keys   int64
	s      *MessageStore
	cached bool
}

func (f *keyFixture) build(b *testing.B) {
	b.Helper()
	s := openBenchStore(b, f.root, &Options{})
	makers := make([]func(int64) *message.Message, runtime.GOMAXPROCS(0))
	for i := range makers {
		makers[i] = keyedMaker()
	}
	if err := produce(s, 0, f.keys, makers, new(atomic.Bool)); err != nil {
		b.Fatal(err)
	}
	if err := s.WaitDispatched(30 * time.Minute); err != nil {
		b.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		b.Fatal(err)
	}
	closeBenchStore(b, s)
}

// open returns the fixture's store opened with the lookup cache on or off
// (IndexSlotCount and IndexMaxEntries at their defaults, as when built).
func (f *keyFixture) open(b *testing.B, cached bool) *MessageStore {
	b.Helper()
	if f.s != nil && f.cached == cached {
		return f.s
	}
	if err := f.close(); err != nil {
		b.Fatal(err)
	}
	opts := &Options{}
	if !cached {
		opts.CacheBytes = -1
	}
	s, err := Open(f.root, opts)
	if err != nil {
		b.Fatal(err)
	}
	f.s, f.cached = s, cached
	return s
}

func (f *keyFixture) close() error {
	if f.s == nil {
		return nil
	}
	s := f.s
	f.s = nil
	return s.Close()
}

func benchQuery(b *testing.B, s *MessageStore, key string) {
	res, err := s.QueryMessage(benchTopic, key, 32, 0, math.MaxInt64)
	if err != nil {
		b.Fatalf("QueryMessage(%s): %v", key, err)
	}
	if len(res.Records) != 1 {
		b.Fatalf("QueryMessage(%s): %d records, want 1", key, len(res.Records))
	}
}

// BenchmarkKeyQuery queries a store of ROCKETSTORE_BENCH_KEYS (default
// 2,000,000) messages, each with its own key, by key: random keys with the
// lookup cache off, and a working set of 1000 keys from a warm cache.
func BenchmarkKeyQuery(b *testing.B) {
	f := &keyFixture{root: b.TempDir(), keys: benchEnvInt(b, "ROCKETSTORE_BENCH_KEYS", 2_000_000)}
	// Registered after TempDir's removal, so it runs before it.
	b.Cleanup(func() {
		if err := f.close(); err != nil {
			b.Error(err)
		}
	})
	f.build(b)

	b.Run("uncached", func(b *testing.B) {
		s := f.open(b, false)
		if s.cache != nil {
			b.Fatal("the lookup cache is on")
		}
		rng := rand.New(rand.NewPCG(1, 2))
		b.ReportAllocs()
		benchSettle()
		for b.Loop() {
			benchQuery(b, s, benchKey(rng.Int64N(f.keys)))
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
	})

	b.Run("cached-hit", func(b *testing.B) {
		s := f.open(b, true)
		keys := make([]string, min(benchWorkingSet, f.keys))
		for i := range keys {
			keys[i] = benchKey(int64(i) * (f.keys / int64(len(keys))))
		}
		// Warm until a whole pass hits: ristretto applies sets
		// asynchronously (Wait applies them) and may drop one under
		// contention.
		for pass := 0; ; pass++ {
			before := s.CacheStats().Misses
			for _, k := range keys {
				benchQuery(b, s, k)
			}
			s.cache.c.Wait()
			if s.CacheStats().Misses == before {
				break
			}
			if pass == 10 {
				b.Fatalf("the cache still misses after %d warm-up passes", pass+1)
			}
		}
		missesBefore := s.CacheStats().Misses
		b.ReportAllocs()
		benchSettle()
		i := 0
		for b.Loop() {
			benchQuery(b, s, keys[i%len(keys)])
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
		if m := s.CacheStats().Misses - missesBefore; m > 0 {
			b.Fatalf("%d cache misses in a cached-hit run", m)
		}
	})
}

// BenchmarkRecovery opens a store holding ROCKETSTORE_BENCH_RECOVERY_BYTES
// (default 1 GiB) of 1 KiB messages over 16 queues, after a clean close
// ("normal") and after a simulated crash ("abnormal"), beside a plain read
// of the same commit-log bytes from the page cache ("pagecache-read"): the
// same-run physical reference; and after deleting the consume queues and
// the index ("rebuild"), which re-dispatches every record. MB/s is of the
// commit-log bytes recovery scans.
func BenchmarkRecovery(b *testing.B) {
	total := benchEnvInt(b, "ROCKETSTORE_BENCH_RECOVERY_BYTES", 1<<30)
	root := b.TempDir()
	s := openBenchStore(b, root, benchRecoveryOptions())
	if err := produce(s, 0, total/benchRecordSize, benchMakers(b, runtime.GOMAXPROCS(0)), new(atomic.Bool)); err != nil {
		b.Fatal(err)
	}
	if err := s.WaitDispatched(30 * time.Minute); err != nil {
		b.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		b.Fatal(err)
	}
	end := s.CommitLog().MaxOffset()
	closeBenchStore(b, s)
	// One untimed open learns the span recovery scans (from the third-last
	// file to the end: all of it for the default 1 GiB), which every
	// sub-benchmark's MB/s is of.
	s = openBenchStore(b, root, benchRecoveryOptions())
	span := s.Recovery().CommitLog
	closeBenchStore(b, s)
	if span.End != end {
		b.Fatalf("recovery ended at %d, the log at %d", span.End, end)
	}

	b.Run("normal", func(b *testing.B) { benchOpen(b, root, span, false) })
	b.Run("abnormal", func(b *testing.B) { benchOpen(b, root, span, true) })
	b.Run("pagecache-read", func(b *testing.B) {
		dir := filepath.Join(root, commitLogDir)
		buf := make([]byte, 1<<20)
		n, err := readLogSpan(dir, span.ScanFrom, span.End, buf) // the untimed warm read
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(n)
		benchSettle()
		b.ResetTimer()
		for range b.N {
			if _, err := readLogSpan(dir, span.ScanFrom, span.End, buf); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
	})
	// Last: it rewrites every consume-queue and index file.
	b.Run("rebuild", func(b *testing.B) { benchRebuild(b, root, span) })
}

// benchRebuild times Open after the consume queues and the index were
// deleted: every record is dispatched again. records/s is the re-dispatch
// rate, which is also what a crash with an old checkpoint costs per record.
func benchRebuild(b *testing.B, root string, want commitlog.RecoveryReport) {
	b.SetBytes(want.End - want.ScanFrom)
	var records int64
	for range b.N {
		b.StopTimer()
		for _, dir := range []string{consumeQueueDir, indexDir} {
			if err := os.RemoveAll(filepath.Join(root, dir)); err != nil {
				b.Fatal(err)
			}
		}
		benchSettle()
		b.StartTimer()
		s, err := Open(root, benchRecoveryOptions())
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		rep := s.Recovery()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		if rep.DispatchFrom != 0 || rep.Redispatched == 0 {
			b.Fatalf("rebuild re-dispatched %d records from %d, want all from 0", rep.Redispatched, rep.DispatchFrom)
		}
		records += rep.Redispatched
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}

// benchOpen times Open of the store at root; Close after each open is not
// timed. abnormal creates the abort marker before each open, as a crash
// leaves it.
func benchOpen(b *testing.B, root string, want commitlog.RecoveryReport, abnormal bool) {
	abort := filepath.Join(root, abortName)
	b.SetBytes(want.End - want.ScanFrom)
	benchSettle()
	b.ResetTimer()
	for range b.N {
		if abnormal {
			b.StopTimer()
			if err := os.WriteFile(abort, []byte{1}, 0o644); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		s, err := Open(root, benchRecoveryOptions())
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		rep := s.Recovery()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		if rep.Abnormal != abnormal {
			b.Fatalf("Recovery().Abnormal = %v, want %v", rep.Abnormal, abnormal)
		}
		if got := rep.CommitLog; got.ScanFrom != want.ScanFrom || got.End != want.End {
			b.Fatalf("recovery scanned [%d, %d), want [%d, %d)", got.ScanFrom, got.End, want.ScanFrom, want.End)
		}
		b.StartTimer()
	}
	b.StopTimer()
}

// readLogSpan reads the commit-log bytes [from, to) from the files in dir
// with read(2) into buf and returns how many it read. It reads the bytes
// recovery scans rather than the whole files: their tails past the end are
// preallocated zeros recovery never reads, and the next file may be a
// whole preallocated 1 GiB of them.
func readLogSpan(dir string, from, to int64, buf []byte) (int64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, e := range entries { // named by start offset, zero-padded: in order
		start, err := strconv.ParseInt(e.Name(), 10, 64)
		if err != nil || !e.Type().IsRegular() {
			continue
		}
		lo, hi := max(from, start), min(to, start+benchFileSize)
		if lo >= hi {
			continue
		}
		n, err := readFileRange(filepath.Join(dir, e.Name()), lo-start, hi-lo, buf)
		total += n
		if err != nil {
			return total, err
		}
	}
	if total != to-from {
		return total, fmt.Errorf("read %d bytes of the commit log, want %d", total, to-from)
	}
	return total, nil
}

func readFileRange(path string, off, n int64, buf []byte) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	var read int64
	for read < n {
		m, err := f.Read(buf[:min(int64(len(buf)), n-read)])
		read += int64(m)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = fmt.Errorf("%s: ends after %d bytes, want %d", path, off+read, off+n)
			}
			return read, err
		}
	}
	return read, nil
}
