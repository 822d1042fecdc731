package compat

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
)

func newProducer(t *testing.T, c *cluster, group string) rocketmq.Producer {
	t.Helper()
	p, err := rocketmq.NewProducer(producer.WithNsResolver(c.resolver()), producer.WithGroupName(group), producer.WithRetry(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Shutdown() })
	return p
}

func TestSyncSendAndPushConsumeEveryMessageOnce(t *testing.T) {
	c := startCluster(t, t.TempDir())
	p := newProducer(t, c, "pg-sync")
	const n = 40
	for i := range n {
		m := primitive.NewMessage("CompatSync", []byte(fmt.Sprintf("msg-%d", i)))
		m.WithKeys([]string{fmt.Sprintf("key-%d", i)})
		res, err := p.SendSync(testContext(t, 10*time.Second), m)
		if err != nil || res.Status != primitive.SendOK {
			t.Fatalf("send %d: %v %v", i, res, err)
		}
	}

	var mu sync.Mutex
	seen := map[string]int{}
	done := make(chan struct{})
	pc, err := rocketmq.NewPushConsumer(consumer.WithNsResolver(c.resolver()), consumer.WithGroupName("cg-sync"),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	if err != nil {
		t.Fatal(err)
	}
	err = pc.Subscribe("CompatSync", consumer.MessageSelector{}, func(ctx context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range msgs {
			seen[string(m.Body)]++
		}
		if len(seen) == n {
			select {
			case <-done:
			default:
				close(done)
			}
		}
		return consumer.ConsumeSuccess, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.Start(); err != nil {
		t.Fatal(err)
	}
	defer pc.Shutdown()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("consumed %d of %d messages", len(seen), n)
	}
	time.Sleep(500 * time.Millisecond) // a duplicate would show up by now
	mu.Lock()
	defer mu.Unlock()
	for body, times := range seen {
		if times != 1 {
			t.Fatalf("%s consumed %d times", body, times)
		}
	}
}
