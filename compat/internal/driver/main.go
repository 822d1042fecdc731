// Command driver runs rocketmq-client-go v2.1.2 against a nameserver for
// the compatibility tests. It runs in its own process, built without the
// race detector: the client has data races of its own (in its rebalance),
// which would fail a race-enabled test binary that linked it.
//
// It prints one line per event, for the test to parse:
//
//	SENT <msgId> <body>
//	TRACED <uniqMsgId> <body>                   (send -trace: the id traces are keyed by)
//	GOT <body> <tags> <queueId> <queueOffset> <keys>
//	TIMED <body> <TIMER_OUT_MS> <received ms> (after GOT, for timer messages)
//	SENDERR <error> (send -expect-error)
//	TXSENT <body> <localState> / CHECK <body>   (txn)
//	REPLY <requestBody> <replyBody> / REPLIED <body> (request / reply-server)
//	PULLED <status> <nextBeginOffset> <count>
//	READY
//	BENCH-SEND / BENCH-CONSUME <metrics> (scripts/bench-broker.sh)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/admin"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/apache/rocketmq-client-go/v2/rlog"
)

var out sync.Mutex

func emit(format string, args ...any) {
	out.Lock()
	fmt.Printf(format+"\n", args...)
	out.Unlock()
}

func main() {
	rlog.SetLogLevel("fatal")
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: driver send|consume|pull|create-topic|txn|request|reply-server [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "send":
		err = send(os.Args[2:])
	case "consume":
		err = consume(os.Args[2:])
	case "pull":
		err = pull(os.Args[2:])
	case "create-topic":
		err = createTopic(os.Args[2:])
	case "txn":
		err = txn(os.Args[2:])
	case "request":
		err = request(os.Args[2:])
	case "reply-server":
		err = replyServer(os.Args[2:])
	case "bench-send":
		err = benchSend(os.Args[2:])
	case "bench-consume":
		err = benchConsume(os.Args[2:])
	case "send-loop":
		err = sendLoop(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "driver:", err)
		os.Exit(1)
	}
}

func resolver(ns string) primitive.NsResolver { return primitive.NewPassthroughResolver([]string{ns}) }

func send(args []string) error {
	fs := flag.NewFlagSet("send", flag.ExitOnError)
	ns := fs.String("ns", "", "nameserver")
	topic := fs.String("topic", "", "topic")
	n := fs.Int("n", 10, "messages")
	mode := fs.String("mode", "sync", "sync, async, oneway or batch")
	prefix := fs.String("prefix", "msg", "body prefix")
	tags := fs.String("tags", "", "comma-separated tags, used in turn")
	size := fs.Int("size", 0, "body size (padding after the prefix and number)")
	delay := fs.Int("delay", 0, "delay level")
	prop := fs.String("prop", "", "a property set to each message's number")
	props := fs.String("props", "", "properties set on every message: K=V,K=V")
	expectErr := fs.Bool("expect-error", false, "print SENDERR and succeed when the send fails")
	shards := fs.Int("shards", 0, "send with that many sharding keys in turn (key i%shards), hashed to queues: per-key order")
	trace := fs.Bool("trace", false, "trace the sends (to RMQ_SYS_TRACE_TOPIC)")
	creds := credentialFlags(fs)
	fs.Parse(args)
	opts := []producer.Option{producer.WithNsResolver(resolver(*ns)), producer.WithGroupName("driver-pg"), producer.WithRetry(2)}
	if c, ok := creds(); ok {
		opts = append(opts, producer.WithCredentials(c))
	}
	if *shards > 0 {
		opts = append(opts, producer.WithQueueSelector(producer.NewHashQueueSelector()))
	}
	if *trace {
		opts = append(opts, producer.WithTrace(&primitive.TraceConfig{GroupName: "driver-pg", NamesrvAddrs: []string{*ns}}))
	}
	p, err := rocketmq.NewProducer(opts...)
	if err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	defer p.Shutdown()
	tagList := strings.Split(*tags, ",")
	msgs := make([]*primitive.Message, *n)
	for i := range msgs {
		body := []byte(fmt.Sprintf("%s-%d", *prefix, i))
		if *size > len(body) {
			pad := make([]byte, *size-len(body))
			pad[0] = '|' // where bodyName cuts
			for j := 1; j < len(pad); j++ {
				pad[j] = byte('a' + (i*7+j*j*13)%26)
			}
			body = append(body, pad...)
		}
		m := primitive.NewMessage(*topic, body)
		m.WithKeys([]string{fmt.Sprintf("%s-key-%d", *prefix, i)})
		if *tags != "" {
			m.WithTag(tagList[i%len(tagList)])
		}
		if *delay > 0 {
			m.WithDelayTimeLevel(*delay)
		}
		if *prop != "" {
			m.WithProperty(*prop, fmt.Sprint(i))
		}
		for kv := range strings.SplitSeq(*props, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				m.WithProperty(k, v)
			}
		}
		if *shards > 0 {
			m.WithShardingKey(fmt.Sprintf("shard%d", i%*shards))
		}
		msgs[i] = m
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	switch *mode {
	case "sync":
		for _, m := range msgs {
			res, err := p.SendSync(ctx, m)
			if err != nil && *expectErr {
				emit("SENDERR %v", err)
				continue
			}
			if err != nil {
				return err
			}
			if res.Status != primitive.SendOK {
				return fmt.Errorf("send status %v", res.Status)
			}
			emit("SENT %s %s", res.OffsetMsgID, bodyName(m.Body))
			if *trace {
				emit("TRACED %s %s", res.MsgID, bodyName(m.Body))
			}
		}
		if *trace {
			time.Sleep(time.Second) // the trace dispatcher sends in the background
		}
	case "batch":
		res, err := p.SendSync(ctx, msgs...)
		if err != nil {
			return err
		}
		emit("SENT %s batch", res.OffsetMsgID)
	case "async":
		var wg sync.WaitGroup
		var firstErr error
		var mu sync.Mutex
		for _, m := range msgs {
			wg.Add(1)
			err := p.SendAsync(ctx, func(_ context.Context, res *primitive.SendResult, err error) {
				defer wg.Done()
				mu.Lock()
				defer mu.Unlock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					emit("SENT %s async", res.OffsetMsgID)
				}
			}, m)
			if err != nil {
				return err
			}
		}
		wg.Wait()
		return firstErr
	case "oneway":
		for _, m := range msgs {
			if err := p.SendOneWay(ctx, m); err != nil {
				return err
			}
		}
		// Oneway means no answer: give the writes time to leave before
		// Shutdown closes the connections, as a long-lived producer would.
		time.Sleep(time.Second)
		emit("SENT - oneway")
	default:
		return fmt.Errorf("unknown mode %q", *mode)
	}
	return nil
}

// bodyName is what the driver prints for a body: the part before its
// padding (long bodies would flood the output), with the length of the
// whole so that a truncated body shows.
func bodyName(b []byte) string {
	s := string(b)
	if i := strings.IndexByte(s, '|'); i > 0 {
		return fmt.Sprintf("%s/%d", s[:i], len(b))
	}
	return s
}

func consume(args []string) error {
	fs := flag.NewFlagSet("consume", flag.ExitOnError)
	ns := fs.String("ns", "", "nameserver")
	topic := fs.String("topic", "", "topic")
	group := fs.String("group", "driver-cg", "consumer group")
	instance := fs.String("instance", "c1", "instance name")
	expr := fs.String("expr", "*", "subscription expression")
	typ := fs.String("type", "TAG", "expression type: TAG or SQL92")
	model := fs.String("model", "clustering", "clustering or broadcasting")
	failOnce := fs.String("fail-once-prefix", "", "answer RetryLater the first time a body with this prefix arrives")
	slow := fs.Duration("sleep", 0, "time spent on each message (a slow consumer)")
	orderly := fs.Bool("orderly", false, "consume each queue in order (locks the queues)")
	from := fs.String("from", "first", "where a new group starts: first or last")
	trace := fs.Bool("trace", false, "trace the consumption (to RMQ_SYS_TRACE_TOPIC)")
	lockInterval := fs.Duration("lock-interval", 0, "how often an orderly consumer renews its queue locks (client default 20s)")
	creds := credentialFlags(fs)
	fs.Parse(args)
	var failedMu sync.Mutex
	failed := map[string]bool{}
	m := consumer.Clustering
	if *model == "broadcasting" {
		m = consumer.BroadCasting
	}
	where := consumer.ConsumeFromFirstOffset
	if *from == "last" {
		where = consumer.ConsumeFromLastOffset
	}
	opts := []consumer.Option{consumer.WithNsResolver(resolver(*ns)), consumer.WithGroupName(*group),
		consumer.WithInstance(*instance), consumer.WithConsumerModel(m), consumer.WithConsumeFromWhere(where),
		consumer.WithConsumerOrder(*orderly)}
	if *trace {
		opts = append(opts, consumer.WithTrace(&primitive.TraceConfig{GroupName: *group, NamesrvAddrs: []string{*ns}}))
	}
	if *lockInterval > 0 {
		opts = append(opts, consumer.WithRebalanceLockInterval(*lockInterval))
	}
	if c, ok := creds(); ok {
		opts = append(opts, consumer.WithCredentials(c))
	}
	pc, err := rocketmq.NewPushConsumer(opts...)
	if err != nil {
		return err
	}
	err = pc.Subscribe(*topic, consumer.MessageSelector{Type: consumer.ExpressionType(*typ), Expression: *expr},
		func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
			if *failOnce != "" {
				failedMu.Lock()
				defer failedMu.Unlock()
				for _, m := range msgs {
					if b := string(m.Body); strings.HasPrefix(b, *failOnce) && !failed[b] {
						failed[b] = true
						emit("FAILED %s", b)
						return consumer.ConsumeRetryLater, nil
					}
				}
			}
			for _, m := range msgs {
				time.Sleep(*slow)
				emitGot(m)
			}
			return consumer.ConsumeSuccess, nil
		})
	if err != nil {
		return err
	}
	if err := pc.Start(); err != nil {
		return err
	}
	emit("READY")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	return pc.Shutdown() // persists the consumer offsets
}

// credentialFlags adds -ak and -sk (an ACL account's access and secret
// keys) to fs; the function it returns gives the credentials once fs is
// parsed, and whether any were given.
func credentialFlags(fs *flag.FlagSet) func() (primitive.Credentials, bool) {
	ak := fs.String("ak", "", "ACL access key (signs every request)")
	sk := fs.String("sk", "", "ACL secret key")
	return func() (primitive.Credentials, bool) {
		return primitive.Credentials{AccessKey: *ak, SecretKey: *sk}, *ak != ""
	}
}

// emitGot prints the GOT line of a received message.
func emitGot(m *primitive.MessageExt) {
	emit("GOT %s %s %d %d %s", bodyName(m.Body), orDash(m.GetTags()), m.Queue.QueueId, m.QueueOffset, orDash(m.GetKeys()))
	if out := m.GetProperty("TIMER_OUT_MS"); out != "" {
		emit("TIMED %s %s %d", bodyName(m.Body), out, time.Now().UnixMilli())
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func pull(args []string) error {
	fs := flag.NewFlagSet("pull", flag.ExitOnError)
	ns := fs.String("ns", "", "nameserver")
	topic := fs.String("topic", "", "topic")
	brokerName := fs.String("broker", "broker-a", "broker name")
	queue := fs.Int("queue", 0, "queue id")
	offset := fs.Int64("offset", 0, "offset")
	n := fs.Int("n", 32, "messages")
	expr := fs.String("expr", "", "subscription expression (empty: every message)")
	typ := fs.String("type", "", "expression type: TAG or SQL92")
	fs.Parse(args)
	pc, err := rocketmq.NewPullConsumer(consumer.WithNsResolver(resolver(*ns)), consumer.WithGroupName("driver-pull"))
	if err != nil {
		return err
	}
	if err := pc.Subscribe(*topic, consumer.MessageSelector{Type: consumer.ExpressionType(*typ), Expression: *expr}); err != nil {
		return err
	}
	if err := pc.Start(); err != nil {
		return err
	}
	defer pc.Shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mq := &primitive.MessageQueue{Topic: *topic, BrokerName: *brokerName, QueueId: *queue}
	res, err := pc.PullFrom(ctx, mq, *offset, *n)
	if err != nil {
		return err
	}
	for _, m := range res.GetMessageExts() {
		emitGot(m)
	}
	emit("PULLED %v %d %d", res.Status, res.NextBeginOffset, len(res.GetMessageExts()))
	return nil
}

func createTopic(args []string) error {
	fs := flag.NewFlagSet("create-topic", flag.ExitOnError)
	ns := fs.String("ns", "", "nameserver")
	brokerAddr := fs.String("broker-addr", "", "broker address")
	topic := fs.String("topic", "", "topic")
	queues := fs.Int("queues", 4, "read and write queues")
	fs.Parse(args)
	a, err := admin.NewAdmin(admin.WithResolver(resolver(*ns)))
	if err != nil {
		return err
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.CreateTopic(ctx, admin.WithTopicCreate(*topic), admin.WithBrokerAddrCreate(*brokerAddr),
		admin.WithReadQueueNums(*queues), admin.WithWriteQueueNums(*queues)); err != nil {
		return err
	}
	emit("CREATED %s", *topic)
	return nil
}
