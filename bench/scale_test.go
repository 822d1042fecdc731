package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rocketstore/rocketstore/bench/report"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

func smokeEnv(t *testing.T) *Env {
	return &Env{Dir: t.TempDir(), Smoke: true, hist: newLatencyHistogram()}
}

func TestAppendBodyBatchIsEncodeBatchOfBrokerBodies(t *testing.T) {
	var msgs []message.Message
	for seq := 70; seq < 75; seq++ {
		msgs = append(msgs, message.Message{Body: brokerBody(seq),
			Properties: message.EncodeProperties(map[string]string{message.PropertyUniqKey: fmt.Sprintf("%032X", seq)})})
	}
	want, err := message.EncodeBatch(msgs)
	if err != nil {
		t.Fatal(err)
	}
	prefix := []byte("kept")
	got := appendBodyBatch(append([]byte(nil), prefix...), 70, 5)
	if !bytes.HasPrefix(got, prefix) || !bytes.Equal(got[len(prefix):], want) {
		t.Fatal("appendBodyBatch differs from message.EncodeBatch of the same bodies")
	}
	decoded, err := message.DecodeBatch(got[len(prefix):])
	if err != nil || len(decoded) != 5 {
		t.Fatalf("decoded %d messages, err %v", len(decoded), err)
	}
	if seq, ok := bodySeq(decoded[4].Body); !ok || seq != 74 {
		t.Fatalf("last body has sequence %d (%v), want 74", seq, ok)
	}
	if key := decoded[4].Properties.Get(message.PropertyUniqKey); key != fmt.Sprintf("%032X", 74) {
		t.Fatalf("last UNIQ_KEY %q", key)
	}
}

func w8Case(oneRate, manyRate, oneRSS, manyRSS float64) *report.CaseResult {
	subject := func(name string, rate, rss, topics float64) report.SubjectResult {
		return report.SubjectResult{Name: name, Rate: report.Summarize([]float64{rate}),
			Extra: map[string]float64{extraPeakRSS: rss, extraTopics: topics}}
	}
	return &report.CaseResult{Subjects: []report.SubjectResult{
		subject(w8OneTopic, oneRate, oneRSS, 1), subject(w8ManyTopics, manyRate, manyRSS, 1000),
	}}
}

func TestCheckW8ComparesTheTwoCasesAndGivesGrowthPerTopic(t *testing.T) {
	met, detail := checkW8(w8Case(10000, 8500, 100, 199.9))
	if !met || !strings.Contains(detail, "0.85× the 1-topic throughput") || !strings.Contains(detail, "100.0 kB per topic") {
		t.Errorf("0.85×: met %v, detail %q", met, detail)
	}
	if met, detail := checkW8(w8Case(10000, 7900, 100, 100)); met {
		t.Errorf("0.79× was judged met: %q", detail)
	}
	c := w8Case(10000, 9000, 100, 100)
	c.Subjects[1].Err = "broker died"
	c.Subjects[1].Rate = report.Summary{}
	if met, detail := checkW8(c); met || !strings.Contains(detail, "1,000-topic case did not run") {
		t.Errorf("a failed case: met %v, detail %q", met, detail)
	}
}

func TestMeasureStoreDiskUseCountsAllocatedBlocks(t *testing.T) {
	dir := t.TempDir()
	write := func(path string, size int64, data []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt(data, 0); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "commitlog", "00000000000000000000"), 64<<10, bytes.Repeat([]byte{1}, 64<<10))
	// A sparse consume-queue file: 8 MiB long, 4 KiB written.
	write(filepath.Join(dir, "consumequeue", "T", "0", "00000000000000000000"), 8<<20, bytes.Repeat([]byte{1}, 4<<10))
	write(filepath.Join(dir, "index", "20261202"), 4<<10, bytes.Repeat([]byte{1}, 4<<10))
	u, err := measureStoreDiskUse(dir)
	if err != nil {
		t.Fatal(err)
	}
	if u.commitLog < 64<<10 || u.commitLog > 128<<10 {
		t.Errorf("commit log %d bytes, want about 64 KiB", u.commitLog)
	}
	if u.queues < 8<<10 || u.queues > 1<<20 {
		t.Errorf("queues and index %d bytes, want the written 8 KiB, not the sparse 8 MiB", u.queues)
	}
	if u, err := measureStoreDiskUse(filepath.Join(dir, "none")); err != nil || u != (storeDiskUse{}) {
		t.Errorf("a missing store: %+v, %v", u, err)
	}
}

func TestRetryBusyRetriesOnlyFlowControl(t *testing.T) {
	calls := 0
	busyTwice := func() error {
		calls++
		if calls <= 2 {
			return &sendRefusal{code: remoting.ResponseSystemBusy}
		}
		return nil
	}
	if err := retryBusy(context.Background(), busyTwice); err != nil || calls != 3 {
		t.Errorf("err %v after %d calls, want success on the third", err, calls)
	}
	calls = 0
	illegal := func() error { calls++; return &sendRefusal{code: remoting.ResponseMessageIllegal} }
	var r *sendRefusal
	if err := retryBusy(context.Background(), illegal); !errors.As(err, &r) || calls != 1 {
		t.Errorf("err %v after %d calls, want the refusal at once", err, calls)
	}
}

func TestDropPageCacheEvictsAFileJustWritten(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), bytes.Repeat([]byte{7}, 4<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	before, err := residentFraction(dir)
	if err != nil {
		t.Skip(err) // not Linux: W9 reports the cache as not dropped
	}
	if before < 0.5 {
		t.Fatalf("%.0f%% of a file just written is cached", before*100)
	}
	how, err := dropPageCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	after, err := residentFraction(dir)
	if err != nil {
		t.Fatal(err)
	}
	if after > 0.1 {
		t.Errorf("%.0f%% still cached after dropping (%s)", after*100, how)
	}
}

func TestManyTopicsSmoke(t *testing.T) {
	env := smokeEnv(t)
	s, err := runManyTopics(env, w8TopicCount(env, w8Topics))
	if err != nil {
		t.Fatal(err)
	}
	if s.Ops != BrokerSmokeCount || s.Bytes != BrokerSmokeCount*BrokerBodySize {
		t.Errorf("ops %d bytes %d", s.Ops, s.Bytes)
	}
	if s.Extra[extraTopics] != w8SmokeTopics {
		t.Errorf("topics %v, want %d", s.Extra[extraTopics], w8SmokeTopics)
	}
	for _, k := range []string{extraPeakRSS, extraCommitLog, extraQueueFiles, extraSendRate, extraCPUPerMsg} {
		if s.Extra[k] <= 0 {
			t.Errorf("%s = %v", k, s.Extra[k])
		}
	}
	// Every message went through the commit log: 2,080 of 1 KiB at least.
	if s.Extra[extraCommitLog] < 2.1 {
		t.Errorf("commit log %v MB, want the messages' 2.1 MB at least", s.Extra[extraCommitLog])
	}
	if env.hist.TotalCount() != BrokerSmokeCount {
		t.Errorf("%d latencies, want one per timed send", env.hist.TotalCount())
	}
}

func TestBacklogSmoke(t *testing.T) {
	env := smokeEnv(t)
	s, err := runBacklog(env)
	if err != nil {
		t.Fatal(err)
	}
	if s.Ops < w9Smoke || s.Bytes != s.Ops*BrokerBodySize {
		t.Errorf("consumed %d (%d bytes), want the %d of the backlog and more", s.Ops, s.Bytes, w9Smoke)
	}
	if s.Extra[extraBacklog] != w9Smoke {
		t.Errorf("backlog %v", s.Extra[extraBacklog])
	}
	for _, k := range []string{extraP99Before, extraP99During, extraFillMBps, extraProducerRate} {
		if s.Extra[k] <= 0 {
			t.Errorf("%s = %v", k, s.Extra[k])
		}
	}
	if env.hist.TotalCount() == 0 {
		t.Error("no send latency recorded during the catch-up")
	}
	if c, ok := s.Extra[extraCached]; runtime.GOOS == "linux" && (!ok || c < 0 || c > 100) {
		t.Errorf("commit log cached at the start: %v (reported: %v)", c, ok)
	}
}
