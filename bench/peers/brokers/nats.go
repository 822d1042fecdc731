package brokers

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/rocketstore/rocketstore/bench"
)

const (
	natsName   = "nats-jetstream"
	natsConfig = "embedded nats-server v2.15.2, JetStream file store, 1 replica, default sync_interval 2 min " +
		"(like async flush); nats.go v1.55.0: 16 goroutines js.Publish (waits for the PubAck) on one connection, " +
		"1 durable pull consumer (Consume, AckAll acked every 100 messages) on another"

	natsStream   = "W6"
	natsSubject  = "w6"
	natsConsumer = "w6-consumer"
	// natsAckEvery is how many messages the consumer handles between two
	// acknowledgements. AckAll makes one ack cover every earlier message,
	// as a RocketMQ consumer's offset commit covers the queue up to it;
	// acking often keeps the pending acks well under the consumer's
	// MaxAckPending (1000), which would otherwise stall delivery.
	natsAckEvery = 100
	natsTimeout  = 10 * time.Second
)

// startNATS starts an embedded NATS server with JetStream storing in
// env.Dir, creates the stream and a durable consumer, and starts consuming
// on a connection of its own (the producers get another), as separate
// applications would.
func startNATS(env *bench.Env, deliver func([]byte)) (_ *bench.BrokerSystem, err error) {
	var cl bench.Closers
	defer func() {
		if err != nil {
			cl.Close()
		}
	}()

	s, err := server.NewServer(&server.Options{
		Host:      "127.0.0.1",
		Port:      server.RANDOM_PORT,
		JetStream: true,
		StoreDir:  filepath.Join(env.Dir, "jetstream"),
		NoLog:     true,
		NoSigs:    true,
	})
	if err != nil {
		return nil, fmt.Errorf("nats-server: %w", err)
	}
	s.Start()
	cl.Add(func() error {
		s.Shutdown()
		s.WaitForShutdown()
		return nil
	})
	if !s.ReadyForConnections(natsTimeout) {
		return nil, fmt.Errorf("nats-server: not ready after %v", natsTimeout)
	}

	ctx, cancel := context.WithTimeout(context.Background(), natsTimeout)
	defer cancel()
	consJS, err := natsConnect(s.ClientURL(), &cl)
	if err != nil {
		return nil, err
	}
	stream, err := consJS.CreateStream(ctx, jetstream.StreamConfig{
		Name:     natsStream,
		Subjects: []string{natsSubject},
		Storage:  jetstream.FileStorage,
		Replicas: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("creating stream: %w", err)
	}
	c, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       natsConsumer,
		AckPolicy:     jetstream.AckAllPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("creating consumer: %w", err)
	}
	handled := 0 // Consume calls the handler from one goroutine
	cc, err := c.Consume(func(m jetstream.Msg) {
		deliver(m.Data())
		if handled++; handled%natsAckEvery == 0 {
			_ = m.Ack() // a lost ack only means a redelivery, which the tracker ignores
		}
	})
	if err != nil {
		return nil, fmt.Errorf("consume: %w", err)
	}
	cl.Add(func() error {
		cc.Stop()
		<-cc.Closed()
		return nil
	})

	prodJS, err := natsConnect(s.ClientURL(), &cl)
	if err != nil {
		return nil, err
	}
	send := func(ctx context.Context, body []byte) error {
		_, err := prodJS.Publish(ctx, natsSubject, body)
		return err
	}
	return &bench.BrokerSystem{Send: send, Close: cl.Close}, nil
}

// natsConnect opens a client connection with its JetStream context and
// adds its closing to cl.
func natsConnect(url string, cl *bench.Closers) (jetstream.JetStream, error) {
	nc, err := nats.Connect(url)
	if err != nil {
		return nil, fmt.Errorf("nats connect: %w", err)
	}
	cl.Add(func() error {
		nc.Close()
		return nil
	})
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return js, nil
}
