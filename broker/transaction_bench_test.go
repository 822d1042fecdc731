package broker

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

// Transactional-send benchmark settings.
const (
	txnBenchSenders = 16
	txnBenchQueues  = 8
	txnBenchGroup   = "txn-bench-pg"
	txnBenchTopic   = "TxnBench"
	plainBenchTopic = "PlainBench"
)

// BenchmarkTransactionalSend compares a transactional send with a plain
// sync send through the broker, over loopback, with rocketstore's own
// remoting client (go test -run '^$' -bench TransactionalSend ./broker).
// A transaction is the half message (SEND_MESSAGE_V2 with TRAN_MSG) and
// its commit (END_TRANSACTION), counted done when the commit is answered:
// stored with the broker's durability, stricter than a client sending
// END_TRANSACTION oneway. 16 senders each alternate a plain send and a
// transaction of 1 KiB, so that both kinds see the same machine at the
// same moment; a kind's msgs/s is its messages over the time the senders
// spent on it, divided among them (closed-loop senders: the rate they would
// reach doing only that kind). It reports msgs/s and p99 of each kind and
// txn/plain, the transactional rate as a share of the plain one, under
// ASYNC_FLUSH (the default) and SYNC_FLUSH.
func BenchmarkTransactionalSend(b *testing.B) {
	for _, mode := range []commitlog.FlushMode{commitlog.AsyncFlush, commitlog.SyncFlush} {
		b.Run(mode.String(), func(b *testing.B) {
			br := newRoleBroker(b, b.TempDir(), RoleAsyncMaster, "", "", func(o *Options) {
				o.Store.CommitLog.FlushMode = mode
				o.Store.CommitLog.FileSize = 64 << 20
				// Warnings and errors only: the figures stay readable.
				o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			})
			defer br.Close()
			benchTransactionalSend(b, br)
		})
	}
}

// txnBenchKind is what the senders measured of one kind of send.
type txnBenchKind struct {
	mu    sync.Mutex
	hist  *hdrhistogram.Histogram // microseconds
	spent atomic.Int64            // nanoseconds, over all senders
	count atomic.Int64
}

func (k *txnBenchKind) record(d time.Duration, local *hdrhistogram.Histogram) {
	k.spent.Add(int64(d))
	k.count.Add(1)
	_ = local.RecordValue(d.Microseconds())
}

// rate is the kind's messages per second over the senders' time on it.
func (k *txnBenchKind) rate() float64 {
	return float64(k.count.Load()) / (float64(k.spent.Load()) / 1e9 / txnBenchSenders)
}

func benchTransactionalSend(b *testing.B, br *Broker) {
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	body := make([]byte, 1024)
	plain := func(i int64) error {
		return sendRetryingBusy(context.Background(), cl, br.Addr(), sendRequest(plainBenchTopic, int32(i%txnBenchQueues), string(body), ""))
	}
	txn := func(i int64) error { return sendTransaction(cl, br.Addr(), int32(i%txnBenchQueues), body) }
	// Create the topics (and the system topics) before timing.
	for i := range int64(txnBenchQueues) {
		if err := errorsOf(plain(i), txn(i)); err != nil {
			b.Fatal(err)
		}
	}
	kinds := [2]*txnBenchKind{{hist: newLatencyHist()}, {hist: newLatencyHist()}} // plain, transactional
	var next atomic.Int64
	var wg sync.WaitGroup
	b.SetBytes(1024)
	b.ReportAllocs()
	b.ResetTimer()
	for range txnBenchSenders {
		wg.Go(func() {
			locals := [2]*hdrhistogram.Histogram{newLatencyHist(), newLatencyHist()}
			defer func() {
				for k, local := range locals {
					kinds[k].mu.Lock()
					kinds[k].hist.Merge(local)
					kinds[k].mu.Unlock()
				}
			}()
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				k, send := int(i%2), plain
				if k == 1 {
					send = txn
				}
				start := time.Now()
				if err := send(i); err != nil {
					b.Error(err)
					return
				}
				kinds[k].record(time.Since(start), locals[k])
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if b.Failed() {
		return
	}
	checkTransactionsLanded(b, br, kinds[0].count.Load(), kinds[1].count.Load())
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(kinds[0].rate(), "plain-msgs/s")
	b.ReportMetric(kinds[1].rate(), "txn-msgs/s")
	b.ReportMetric(float64(kinds[0].hist.ValueAtQuantile(99)), "plain-p99-us")
	b.ReportMetric(float64(kinds[1].hist.ValueAtQuantile(99)), "txn-p99-us")
	b.ReportMetric(kinds[1].rate()/kinds[0].rate(), "txn/plain")
}

func newLatencyHist() *hdrhistogram.Histogram { return hdrhistogram.New(1, 30_000_000, 3) }

// errorsOf returns the first error of errs.
func errorsOf(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// sendTransaction sends a half message to queue and commits it, as a
// transactional producer does, waiting for the commit's answer.
func sendTransaction(cl *remoting.Client, addr string, queue int32, body []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := remoting.SendMessageRequestHeader{
		ProducerGroup: txnBenchGroup, Topic: txnBenchTopic, DefaultTopic: AutoCreateTopicKey,
		DefaultTopicQueueNums: txnBenchQueues, QueueID: queue, SysFlag: message.TransactionPreparedType,
		BornTimestamp: time.Now().UnixMilli(), MaxReconsumeTimes: -1,
		Properties: string(message.EncodeProperties(map[string]string{
			message.PropertyTransactionPrepared: "true", message.PropertyProducerGroup: txnBenchGroup,
		})),
	}
	resp, err := cl.InvokeSync(ctx, addr, remoting.NewRequest(remoting.RequestSendMessageV2, h.EncodeV2(nil), body))
	if err != nil {
		return err
	}
	if resp.Code != remoting.ResponseSuccess {
		return fmt.Errorf("half message: %w", errorFromResponse(resp))
	}
	var rh remoting.SendMessageResponseHeader
	if err := rh.Decode(resp.ExtFields); err != nil {
		return err
	}
	_, phys, err := message.ParseOffsetMsgID(rh.MsgID)
	if err != nil {
		return err
	}
	end := remoting.NewRequest(remoting.RequestEndTransaction, map[string]string{
		"producerGroup": txnBenchGroup, "tranStateTableOffset": strconv.FormatInt(rh.QueueOffset, 10),
		"commitLogOffset": strconv.FormatInt(phys, 10), "commitOrRollback": strconv.Itoa(int(message.TransactionCommitType)),
		"fromTransactionCheck": "false", "msgId": rh.MsgID,
	}, nil)
	if resp, err = cl.InvokeSync(ctx, addr, end); err != nil {
		return err
	}
	if resp.Code != remoting.ResponseSuccess {
		return fmt.Errorf("commit: %w", errorFromResponse(resp))
	}
	return nil
}

// checkTransactionsLanded fails the benchmark unless every plain message
// and every committed transaction (and those sent to create the topics)
// is in its topic.
func checkTransactionsLanded(b *testing.B, br *Broker, plain, txns int64) {
	b.Helper()
	if err := br.store.WaitDispatched(30 * time.Second); err != nil {
		b.Fatal(err)
	}
	for topic, want := range map[string]int64{plainBenchTopic: plain + txnBenchQueues, txnBenchTopic: txns + txnBenchQueues} {
		var got int64
		for q := range int32(txnBenchQueues) {
			got += br.store.GetMaxOffsetInQueue(topic, q)
		}
		if got != want {
			b.Fatalf("%s holds %d messages, want %d", topic, got, want)
		}
	}
}
