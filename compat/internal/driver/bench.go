package main

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
)

// benchSend sends n messages of size bytes with SendSync from c goroutines
// and prints the throughput and the latency percentiles of one send.
func benchSend(args []string) error {
	fs := flag.NewFlagSet("bench-send", flag.ExitOnError)
	ns := fs.String("ns", "", "nameserver")
	topic := fs.String("topic", "Bench", "topic")
	n := fs.Int("n", 100000, "messages")
	c := fs.Int("c", 16, "concurrent senders")
	size := fs.Int("size", 1024, "body bytes")
	warm := fs.Int("warm", 2000, "untimed messages first")
	fs.Parse(args)
	p, err := rocketmq.NewProducer(producer.WithNsResolver(resolver(*ns)), producer.WithGroupName("bench-pg"),
		producer.WithRetry(0), producer.WithSendMsgTimeout(10*time.Second))
	if err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	defer p.Shutdown()
	body := make([]byte, *size)
	for i := range body {
		body[i] = byte('a' + i%26) // bodies over 4 KiB would be compressed; 1 KiB is sent as is
	}
	run := func(total int, hist *hdrhistogram.Histogram) (time.Duration, error) {
		var next atomic.Int64
		var mu sync.Mutex
		var firstErr error
		var wg sync.WaitGroup
		start := time.Now()
		for range *c {
			wg.Go(func() {
				local := hdrhistogram.New(1, 60_000_000, 3)
				for next.Add(1) <= int64(total) {
					t0 := time.Now()
					_, err := p.SendSync(context.Background(), primitive.NewMessage(*topic, body))
					if err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
						return
					}
					_ = local.RecordValue(time.Since(t0).Microseconds())
				}
				if hist != nil {
					mu.Lock()
					hist.Merge(local)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return time.Since(start), firstErr
	}
	if _, err := run(*warm, nil); err != nil {
		return err
	}
	hist := hdrhistogram.New(1, 60_000_000, 3)
	elapsed, err := run(*n, hist)
	if err != nil {
		return err
	}
	emit("BENCH-SEND msgs=%d senders=%d size=%d seconds=%.3f msgs/s=%.0f MB/s=%.1f p50us=%d p99us=%d p999us=%d maxus=%d",
		*n, *c, *size, elapsed.Seconds(), float64(*n)/elapsed.Seconds(), float64(*n**size)/elapsed.Seconds()/1e6,
		hist.ValueAtQuantile(50), hist.ValueAtQuantile(99), hist.ValueAtQuantile(99.9), hist.Max())
	return nil
}

// benchConsume consumes n messages of topic from the first offset with a
// push consumer and prints the rate from the first message to the n-th.
func benchConsume(args []string) error {
	fs := flag.NewFlagSet("bench-consume", flag.ExitOnError)
	ns := fs.String("ns", "", "nameserver")
	topic := fs.String("topic", "Bench", "topic")
	group := fs.String("group", "bench-cg", "consumer group")
	n := fs.Int("n", 100000, "messages to consume")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after")
	fs.Parse(args)
	var got atomic.Int64
	var first, last atomic.Int64
	done := make(chan struct{})
	var once sync.Once
	pc, err := rocketmq.NewPushConsumer(consumer.WithNsResolver(resolver(*ns)), consumer.WithGroupName(*group),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset), consumer.WithConsumeMessageBatchMaxSize(32))
	if err != nil {
		return err
	}
	err = pc.Subscribe(*topic, consumer.MessageSelector{}, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		now := time.Now().UnixNano()
		first.CompareAndSwap(0, now)
		if got.Add(int64(len(msgs))) >= int64(*n) {
			last.CompareAndSwap(0, now)
			once.Do(func() { close(done) })
		}
		return consumer.ConsumeSuccess, nil
	})
	if err != nil {
		return err
	}
	start := time.Now()
	if err := pc.Start(); err != nil {
		return err
	}
	defer pc.Shutdown()
	select {
	case <-done:
	case <-time.After(*timeout):
		return fmt.Errorf("consumed %d of %d in %v", got.Load(), *n, *timeout)
	}
	span := time.Duration(last.Load() - first.Load())
	emit("BENCH-CONSUME msgs=%d seconds=%.3f msgs/s=%.0f since-start-seconds=%.3f", got.Load(), span.Seconds(),
		float64(got.Load())/span.Seconds(), time.Since(start).Seconds())
	return nil
}
