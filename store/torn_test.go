package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

// tornTopics are the topics of the partial power-loss test: seq%2 picks one.
var tornTopics = [2]string{testTopic, "%RETRY%torn-group_2"}

// tornMessage is message seq of the partial power-loss test: a body of a
// random size, properties with a pad of a random size (so that page
// boundaries often fall inside them), and WAIT=false when wait is false.
func tornMessage(rng *rand.Rand, seq int64, wait bool) *message.Message {
	props := map[string]string{
		message.PropertyKeys:    testKey(seq),
		message.PropertyTags:    testTags[seq%3],
		message.PropertyUniqKey: testUniq(seq),
		"PAD":                   strings.Repeat("p", rng.IntN(1500)),
	}
	if !wait {
		props[message.PropertyWaitStoreOK] = "false"
	}
	return &message.Message{
		Topic:         tornTopics[seq%2],
		QueueID:       int32(seq % testQueues),
		Body:          testkit.Body(seq, 8+rng.IntN(3000)),
		Properties:    message.EncodeProperties(props),
		BornTimestamp: time.Now().UnixMilli(),
		BornHost:      testBornHost,
	}
}

// tornRun is what one scenario wrote before the power loss.
type tornRun struct {
	sent  map[int64]*message.Message
	acked map[int64]int64 // sync-flushed (WAIT true) seq → physical offset
}

// writeTorn puts messages into s under sync flush, a third of them (and a
// last burst) with WAIT=false so that an unflushed tail builds up, with a
// checkpoint half-way.
func writeTorn(t *testing.T, rng *rand.Rand, s *MessageStore) tornRun {
	t.Helper()
	run := tornRun{sent: map[int64]*message.Message{}, acked: map[int64]int64{}}
	seq := int64(0)
	put := func(n int, waitChance float64) {
		for range n {
			wait := rng.Float64() < waitChance
			m := tornMessage(rng, seq, wait)
			run.sent[seq] = m
			res, err := s.PutMessage(context.Background(), m)
			if err != nil {
				t.Fatalf("put seq %d: %v", seq, err)
			}
			if wait {
				run.acked[seq] = res.PhysicalOffset
			}
			seq++
		}
	}
	put(50+rng.IntN(150), 0.7)
	mustDispatch(t, s)
	if err := s.flushLogics(true); err != nil { // a checkpoint with the flushed offset
		t.Fatal(err)
	}
	put(50+rng.IntN(250), 0.7)
	put(20+rng.IntN(60), 0)
	mustDispatch(t, s)
	return run
}

// TestPartialPowerLossServesNoTornRecord cuts the power after sync-flush
// and no-wait puts, keeping a random subset of the unflushed pages of
// every file, and reopens: every acknowledged message must be served, and
// every record served by a pull or the commit log must be exactly one that
// was put, with its topic and properties, never one a lost page damaged.
func TestPartialPowerLossServesNoTornRecord(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d (scenario n uses PCG(seed, n))", seed)
	reasons := map[string]int{}
	for scenario := range 8 {
		rng := rand.New(rand.NewPCG(seed, uint64(scenario)))
		fs := mappedfile.NewMemFS()
		opts := testOptions(fs)
		opts.CommitLog.FlushMode = commitlog.SyncFlush
		opts.CommitLog.TransientStorePool = rng.IntN(3) == 0
		opts.CommitLog.TransientStorePoolSize = 3
		opts.FlushConsumeQueueInterval, opts.FlushConsumeQueueThorough = time.Hour, time.Hour
		s := openUnchecked(t, "s", opts)
		run := writeTorn(t, rng, s)
		if err := s.CommitLog().Files().Commit(0); err != nil { // into the files, not flushed
			t.Fatal(err)
		}
		keep := 0.2 + 0.6*rng.Float64()
		crashed := fs.Crash(mappedfile.CrashOptions{KeepUnflushed: keep, Seed: rng.Uint64()})
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}

		opts.FS = crashed
		plan, err := Inspect("s", checkOptions(opts))
		if err != nil {
			t.Fatal(err)
		}
		s = openStore(t, "s", opts)
		rep := s.Recovery().CommitLog
		reasons[tornReason(rep.Reason)]++
		where := fmt.Sprintf("scenario %d (keep %.2f, recovery %+v)", scenario, keep, rep)
		if plan.Recovery.ScanFrom != rep.ScanFrom || plan.Recovery.End != rep.End {
			t.Fatalf("%s: Inspect planned a scan of [%d, %d), stopped by %s", where, plan.Recovery.ScanFrom, plan.Recovery.End, plan.Recovery.StoppedBy)
		}
		served := checkServedRecords(t, s, run, where)
		for seq, phys := range run.acked {
			if !served[seq] {
				t.Fatalf("%s: acknowledged seq %d at %d is not served", where, seq, phys)
			}
		}
		checkLogRecords(t, s, run, where)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("why recovery cut the log, by scenario: %v", reasons)
}

// tornReason names the check that cut the log, for the test's log.
func tornReason(err error) string {
	switch {
	case err == nil:
		return "data ended"
	case errors.Is(err, message.ErrIllegalTopic):
		return "topic"
	case errors.Is(err, message.ErrMalformedProperties):
		return "properties"
	case errors.Is(err, message.ErrCRCMismatch):
		return "body CRC"
	}
	return "framing"
}

// checkServedRecords pulls every queue of the test's topics and checks
// each record against what was put; it returns the seqs served.
func checkServedRecords(t *testing.T, s *MessageStore, run tornRun, where string) map[int64]bool {
	t.Helper()
	served := map[int64]bool{}
	for _, topic := range tornTopics {
		for qid := range int32(testQueues) {
			pullEach(t, s, topic, qid, nil, func(offset int64, b []byte) {
				seq := checkTornRecord(t, run, b, offset, where)
				if served[seq] {
					t.Fatalf("%s: seq %d served twice", where, seq)
				}
				if m := run.sent[seq]; m.Topic != topic || m.QueueID != qid {
					t.Fatalf("%s: seq %d of %s/%d served from %s/%d", where, seq, m.Topic, m.QueueID, topic, qid)
				}
				served[seq] = true
			})
		}
	}
	return served
}

// checkLogRecords walks the recovered commit log without checks of its
// own and holds every record to what was put.
func checkLogRecords(t *testing.T, s *MessageStore, run tornRun, where string) {
	t.Helper()
	it := s.CommitLog().NewIterator(s.CommitLog().MinOffset(), false)
	defer it.Close()
	for it.Next() {
		checkTornRecord(t, run, it.Entry().Bytes, it.Entry().Offset, where)
	}
	if it.Err() != nil || it.Offset() != s.CommitLog().MaxOffset() {
		t.Fatalf("%s: the log's walk stopped at %d of %d: %v", where, it.Offset(), s.CommitLog().MaxOffset(), it.Err())
	}
}

// checkTornRecord checks that b, served at offset, is exactly a message that
// was put (its body names it) with its topic, queue and properties, and
// passes the checks a recovery applies; it returns its seq.
func checkTornRecord(t *testing.T, run tornRun, b []byte, offset int64, where string) int64 {
	t.Helper()
	rec, err := message.Decode(b, true)
	if err != nil {
		t.Fatalf("%s: record at %d: %v", where, offset, err)
	}
	if err := rec.CheckUncovered(); err != nil {
		t.Fatalf("%s: record at %d: %v", where, offset, err)
	}
	seq, ok := testkit.BodySeq(rec.Body)
	m := run.sent[seq]
	if !ok || m == nil {
		t.Fatalf("%s: record at %d has a body that was never put", where, offset)
	}
	if rec.Topic != m.Topic || rec.QueueID != m.QueueID || !bytes.Equal(rec.Properties, m.Properties) {
		t.Fatalf("%s: seq %d at %d reads as topic %q queue %d properties %q; put with %q, %d, %q",
			where, seq, offset, rec.Topic, rec.QueueID, rec.Properties, m.Topic, m.QueueID, m.Properties)
	}
	return seq
}
