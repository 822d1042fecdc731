package brokers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/admin"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/apache/rocketmq-client-go/v2/rlog"

	"github.com/rocketstore/rocketstore/bench"
	"github.com/rocketstore/rocketstore/broker"
	"github.com/rocketstore/rocketstore/remoting"
)

const (
	rocketstoreName   = "rocketstore"
	rocketstoreConfig = "rocketstore serve (nameserver + broker) in a separate process, store defaults (async flush); " +
		"rocketmq-client-go v2.1.2 in the benchmark's process: 16 goroutines SendSync on one producer, " +
		"1 push consumer (clustering, batch 32, offsets committed every 5 s); topic of 8 queues"

	rocketTopic  = "W6"
	rocketQueues = broker.DefaultTopicQueueNums
	// consumeBatch is the consumer's ConsumeMessageBatchMaxSize: handing
	// the listener up to 32 messages at once (one pull's worth) spares a
	// goroutine per message, as a batch-processing application would.
	consumeBatch = 32
	routeTimeout = 10 * time.Second
)

// rocketRuns makes the client instance names of each run unique: the
// client keeps its instances in a process-wide map by name, and a run must
// not find the previous run's (which spoke to another nameserver).
var rocketRuns atomic.Int64

// quietClient turns the RocketMQ client's logging down to errors, once.
var quietClient = sync.OnceFunc(func() { rlog.SetLogLevel("error") })

// startRocketstore starts `rocketstore serve` (a nameserver and a broker)
// as a separate process on 127.0.0.1, creates the topic, then starts a
// push consumer and a producer with the RocketMQ Go client, each its own
// client instance (own connections), as separate applications would be.
func startRocketstore(env *bench.Env, deliver func([]byte)) (_ *bench.BrokerSystem, err error) {
	quietClient()
	var cl bench.Closers
	defer func() {
		if err != nil {
			err = errors.Join(err, cl.Close())
		}
	}()

	srv, err := bench.StartRocketstoreServer(env)
	if err != nil {
		return nil, err
	}
	cl.Add(srv.Close)

	resolver := primitive.NewPassthroughResolver([]string{srv.NameServer})
	if err := createRocketTopic(resolver, srv.Broker, srv.NameServer); err != nil {
		return nil, err
	}

	instance := fmt.Sprintf("w6-%d-%d", os.Getpid(), rocketRuns.Add(1))
	pc, err := rocketmq.NewPushConsumer(consumer.WithNsResolver(resolver), consumer.WithGroupName("w6-cg"),
		consumer.WithInstance(instance+"-c"), consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset),
		consumer.WithConsumeMessageBatchMaxSize(consumeBatch))
	if err != nil {
		return nil, fmt.Errorf("consumer: %w", err)
	}
	err = pc.Subscribe(rocketTopic, consumer.MessageSelector{},
		func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
			for _, m := range msgs {
				deliver(m.Body)
			}
			return consumer.ConsumeSuccess, nil
		})
	if err != nil {
		return nil, fmt.Errorf("consumer: %w", err)
	}
	if err := pc.Start(); err != nil {
		return nil, fmt.Errorf("consumer: %w", err)
	}
	cl.Add(pc.Shutdown)

	p, err := rocketmq.NewProducer(producer.WithNsResolver(resolver), producer.WithGroupName("w6-pg"),
		producer.WithInstanceName(instance+"-p"))
	if err != nil {
		return nil, fmt.Errorf("producer: %w", err)
	}
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("producer: %w", err)
	}
	cl.Add(p.Shutdown)

	send := func(ctx context.Context, body []byte) error {
		res, err := p.SendSync(ctx, primitive.NewMessage(rocketTopic, body))
		if err != nil {
			return err
		}
		if res.Status != primitive.SendOK {
			return fmt.Errorf("send status %v", res.Status)
		}
		return nil
	}
	return &bench.BrokerSystem{Send: send, Close: cl.Close, Server: srv.ServerProcess}, nil
}

// createRocketTopic creates the topic through the admin API and waits until
// the nameserver routes it: the broker registers the change asynchronously,
// and the consumer's start fails on a topic without a route.
func createRocketTopic(resolver primitive.NsResolver, brokerAddr, nsAddr string) error {
	a, err := admin.NewAdmin(admin.WithResolver(resolver))
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), routeTimeout)
	defer cancel()
	err = a.CreateTopic(ctx, admin.WithTopicCreate(rocketTopic), admin.WithBrokerAddrCreate(brokerAddr),
		admin.WithReadQueueNums(rocketQueues), admin.WithWriteQueueNums(rocketQueues))
	if cerr := a.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("creating topic %s: %w", rocketTopic, err)
	}
	client := remoting.NewClient(remoting.ClientOptions{})
	defer client.Close()
	routeQuery := map[string]string{"topic": rocketTopic}
	for {
		resp, err := client.InvokeSync(ctx, nsAddr, remoting.NewRequest(remoting.RequestGetRouteInfoByTopic, routeQuery, nil))
		if err == nil && resp.Code == remoting.ResponseSuccess {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("topic %s: no route on the nameserver after %v (last answer: %v)", rocketTopic, routeTimeout, routeAnswer(resp, err))
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// routeAnswer says what a route query last got, for an error.
func routeAnswer(resp *remoting.Command, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("code %d: %s", resp.Code, resp.Remark)
}
