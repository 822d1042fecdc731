package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
)

// waitForTERM blocks until the test stops the driver.
func waitForTERM() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}

// localState parses a transaction state flag.
func localState(s string) (primitive.LocalTransactionState, error) {
	switch s {
	case "commit":
		return primitive.CommitMessageState, nil
	case "rollback":
		return primitive.RollbackMessageState, nil
	case "unknown":
		return primitive.UnknowState, nil
	}
	return 0, fmt.Errorf("transaction state %q: want commit, rollback or unknown", s)
}

// txnListener answers the local transaction and the broker's checks with
// fixed states, printing each check.
type txnListener struct {
	execute, check primitive.LocalTransactionState
}

func (l *txnListener) ExecuteLocalTransaction(*primitive.Message) primitive.LocalTransactionState {
	return l.execute
}

func (l *txnListener) CheckLocalTransaction(m *primitive.MessageExt) primitive.LocalTransactionState {
	emit("CHECK %s", bodyName(m.Body))
	return l.check
}

// txn sends transactional messages; with -wait it stays up (answering
// checks) until stopped.
func txn(args []string) error {
	fs := flag.NewFlagSet("txn", flag.ExitOnError)
	ns := fs.String("ns", "", "nameserver")
	topic := fs.String("topic", "", "topic")
	group := fs.String("group", "driver-txn", "producer group")
	n := fs.Int("n", 1, "messages")
	prefix := fs.String("prefix", "tx", "body prefix")
	execute := fs.String("state", "commit", "local transaction outcome: commit, rollback or unknown")
	check := fs.String("check", "unknown", "answer to the broker's checks: commit, rollback or unknown")
	wait := fs.Bool("wait", false, "stay up, answering checks, until SIGTERM")
	fs.Parse(args)
	l := &txnListener{}
	var err error
	if l.execute, err = localState(*execute); err != nil {
		return err
	}
	if l.check, err = localState(*check); err != nil {
		return err
	}
	p, err := rocketmq.NewTransactionProducer(l, producer.WithNsResolver(resolver(*ns)), producer.WithGroupName(*group), producer.WithRetry(2))
	if err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	defer p.Shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i := range *n {
		m := primitive.NewMessage(*topic, fmt.Appendf(nil, "%s-%d", *prefix, i))
		m.WithKeys([]string{fmt.Sprintf("%s-key-%d", *prefix, i)})
		res, err := p.SendMessageInTransaction(ctx, m)
		if err != nil {
			return err
		}
		if res.Status != primitive.SendOK {
			return fmt.Errorf("send status %v", res.Status)
		}
		emit("TXSENT %s %d", bodyName(m.Body), res.State)
	}
	if *wait {
		waitForTERM()
	} else {
		time.Sleep(time.Second) // END_TRANSACTION is oneway: let it leave before the connections close
	}
	return nil
}

// request sends requests and prints each reply.
func request(args []string) error {
	fs := flag.NewFlagSet("request", flag.ExitOnError)
	ns := fs.String("ns", "", "nameserver")
	topic := fs.String("topic", "", "topic")
	n := fs.Int("n", 1, "requests")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for each reply")
	fs.Parse(args)
	p, err := rocketmq.NewProducer(producer.WithNsResolver(resolver(*ns)), producer.WithGroupName("driver-requester"), producer.WithRetry(2))
	if err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	defer p.Shutdown()
	for i := range *n {
		body := fmt.Sprintf("req-%d", i)
		reply, err := p.Request(context.Background(), *timeout, primitive.NewMessage(*topic, []byte(body)))
		if err != nil {
			return err
		}
		emit("REPLY %s %s", body, bodyName(reply.Body))
	}
	return nil
}

// replyServer answers every request on a topic with "re:<body>" until
// stopped.
func replyServer(args []string) error {
	fs := flag.NewFlagSet("reply-server", flag.ExitOnError)
	ns := fs.String("ns", "", "nameserver")
	topic := fs.String("topic", "", "topic")
	group := fs.String("group", "driver-replier", "consumer group")
	fs.Parse(args)
	p, err := rocketmq.NewProducer(producer.WithNsResolver(resolver(*ns)), producer.WithGroupName(*group+"-producer"), producer.WithRetry(2))
	if err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	defer p.Shutdown()
	c, err := rocketmq.NewPushConsumer(consumer.WithNsResolver(resolver(*ns)), consumer.WithGroupName(*group),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	if err != nil {
		return err
	}
	err = c.Subscribe(*topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "*"},
		func(ctx context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
			for _, m := range msgs {
				reply, err := consumer.CreateReplyMessage(m, nil)
				if err != nil {
					return consumer.ConsumeRetryLater, err
				}
				// v2.1.2's CreateReplyMessage parses its body argument as
				// properties and leaves the body empty: set it here.
				reply.Body = append([]byte("re:"), m.Body...)
				if err := sendReply(ctx, p, reply); err != nil {
					emit("REPLYFAILED %s %v", bodyName(m.Body), err)
					return consumer.ConsumeRetryLater, nil
				}
				emit("REPLIED %s", bodyName(m.Body))
			}
			return consumer.ConsumeSuccess, nil
		})
	if err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	emit("READY")
	waitForTERM()
	return c.Shutdown()
}

// sendReply sends a reply, trying again for a while when the broker does
// not know the requester yet: v2.1.2's Request can send its request before
// its first heartbeat reaches the broker (its own rpc example sleeps a
// second before replying, for that reason), and the broker can only push a
// reply to a producer whose heartbeat it has seen.
func sendReply(ctx context.Context, p rocketmq.Producer, reply *primitive.Message) error {
	var err error
	for range 20 {
		if _, err = p.SendSync(ctx, reply); err == nil {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return err
}
