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
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
)

// sendLoop sends numbered messages with SendSync, one after another, until
// SIGTERM, and says what came of each: "SENT <body>" for SEND_OK (the only
// acknowledgement), "NOTOK <body> <status>" for another status, "SENDERR
// <body> <error>" for a failed send. A failed message is not sent again:
// the next one gets the next number.
func sendLoop(args []string) error {
	fs := flag.NewFlagSet("send-loop", flag.ExitOnError)
	ns := fs.String("ns", "", "nameserver")
	topic := fs.String("topic", "", "topic")
	prefix := fs.String("prefix", "loop", "body prefix")
	retries := fs.Int("retry", 2, "the producer's retries of a failed send")
	pause := fs.Duration("pause", 5*time.Millisecond, "pause between sends")
	fs.Parse(args)
	p, err := rocketmq.NewProducer(producer.WithNsResolver(resolver(*ns)), producer.WithGroupName("driver-loop-pg"),
		producer.WithRetry(*retries))
	if err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	defer p.Shutdown()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	emit("READY")
	for i := 0; ; i++ {
		select {
		case <-sig:
			emit("STOPPED")
			return nil
		default:
		}
		body := fmt.Sprintf("%s-%d", *prefix, i)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := p.SendSync(ctx, primitive.NewMessage(*topic, []byte(body)))
		cancel()
		switch {
		case err != nil:
			emit("SENDERR %s %v", body, err)
		case res.Status != primitive.SendOK:
			emit("NOTOK %s %v", body, res.Status)
		default:
			emit("SENT %s %s", body, res.MessageQueue.BrokerName)
		}
		time.Sleep(*pause)
	}
}
