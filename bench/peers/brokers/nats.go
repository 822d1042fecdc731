package brokers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/rocketstore/rocketstore/bench"
)

const (
	natsName   = "nats-jetstream"
	natsConfig = "nats-server v2.15.2 in a separate process, JetStream file store, 1 replica, default sync_interval 2 min " +
		"(like async flush); nats.go v1.55.0 in the benchmark's process: 16 goroutines js.Publish (waits for the PubAck) on one connection, " +
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
	// natsServerPackage is nats-server's main package, built from this
	// module's go.mod (the version the config line names).
	natsServerPackage = "github.com/nats-io/nats-server/v2"
)

// startNATS starts nats-server as a separate process with JetStream
// storing in env.Dir, creates the stream and a durable consumer, and
// starts consuming on a connection of its own (the producers get
// another), as separate applications would.
func startNATS(env *bench.Env, deliver func([]byte)) (_ *bench.BrokerSystem, err error) {
	var cl bench.Closers
	defer func() {
		if err != nil {
			err = errors.Join(err, cl.Close())
		}
	}()

	srv, err := startNATSServer(env)
	if err != nil {
		return nil, err
	}
	cl.Add(func() error {
		if err := srv.Stop(bench.ServerStopGrace); err != nil {
			return fmt.Errorf("nats-server: %w", err)
		}
		return nil
	})
	url := "nats://" + srv.addr

	ctx, cancel := context.WithTimeout(context.Background(), natsTimeout)
	defer cancel()
	consJS, err := natsConnect(url, &cl)
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

	prodJS, err := natsConnect(url, &cl)
	if err != nil {
		return nil, err
	}
	send := func(ctx context.Context, body []byte) error {
		_, err := prodJS.Publish(ctx, natsSubject, body)
		return err
	}
	return &bench.BrokerSystem{Send: send, Close: cl.Close, Server: srv.ServerProcess}, nil
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

// natsClientAddr reads the clients' address from nats-server's ports
// file (JSON; written in place, so a read may see part of it).
func natsClientAddr(portsFile []byte) (string, error) {
	var ports struct {
		Nats []string `json:"nats"`
	}
	if err := json.Unmarshal(portsFile, &ports); err != nil {
		return "", err
	}
	if len(ports.Nats) == 0 {
		return "", errors.New("the ports file lists no client port")
	}
	u, err := url.Parse(ports.Nats[0])
	if err != nil {
		return "", err
	}
	return u.Host, nil
}

// natsServer is nats-server run as a child process.
type natsServer struct {
	*bench.ServerProcess
	addr string
}

// startNATSServer builds nats-server (once per process) and starts it on
// 127.0.0.1 with JetStream storing in env.Dir: the settings the embedded
// server had (server defaults otherwise), its output kept for errors.
func startNATSServer(env *bench.Env) (*natsServer, error) {
	bin, err := bench.BuildBinary(context.Background(), "", natsServerPackage)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(env.Dir, "nats")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// Any free port (-1): the server writes the one it listens on to its
	// ports file, so no port picked in advance can be taken in between.
	p, err := bench.StartServer(bin, []string{"-a", "127.0.0.1", "-p", "-1", "-ports_file_dir", dir,
		"-js", "-sd", filepath.Join(dir, "jetstream")}, dir)
	if err != nil {
		return nil, err
	}
	portsFile := filepath.Join(dir, fmt.Sprintf("%s_%d.ports", filepath.Base(bin), p.Pid()))
	var addr string
	err = p.WaitFile(portsFile, bench.ServerStartTimeout, func(b []byte) (err error) {
		addr, err = natsClientAddr(b)
		return err
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("nats-server: %w", err), p.Stop(bench.ServerStopGrace))
	}
	return &natsServer{ServerProcess: p, addr: addr}, nil
}
