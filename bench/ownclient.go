package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

// The W6 subject driven by rocketstore's own remoting client: the same
// server process as the rocketmq-client-go subject, with a client that
// costs the shared CPU less, to show what the broker itself sustains.
const (
	ownClientName   = "rocketstore, own client"
	ownClientConfig = "rocketstore serve (nameserver + broker) in a separate process, store defaults (async flush); " +
		"rocketstore's remoting client (binary headers) in the benchmark's process: " +
		"16 goroutines sending SEND_MESSAGE_V2 on one connection, one long-polling puller per queue (32 per pull); topic of 8 queues"
	ownClientTopic  = "W6"
	ownClientGroup  = "w6-own"
	ownClientQueues = 8
	ownClientBatch  = 32
	ownClientPoll   = time.Second // longest suspended pull
	// ownClientSendTimeout bounds one send, as a client's send timeout does.
	ownClientSendTimeout = 10 * time.Second
	// ownClientSendAttempts is how many times a send refused by a busy
	// broker is tried: once and twice again, RocketMQ producers' default
	// (retryTimesWhenSendFailed = 2).
	ownClientSendAttempts = 3
)

// OwnClientSubject is W6 on rocketstore's broker driven by rocketstore's
// own remoting client.
func OwnClientSubject() Subject {
	return Subject{
		Name:   ownClientName,
		Config: ownClientConfig,
		Run:    func(env *Env) (Sample, error) { return RunBroker(env, startOwnClient) },
	}
}

func startOwnClient(env *Env, deliver func([]byte)) (_ *BrokerSystem, err error) {
	var cl Closers
	defer func() {
		if err != nil {
			err = errors.Join(err, cl.Close())
		}
	}()
	srv, err := StartRocketstoreServer(env)
	if err != nil {
		return nil, err
	}
	cl.Add(srv.Close)
	client := remoting.NewClient(remoting.ClientOptions{SerializeType: remoting.RocketMQ})
	cl.Add(client.Close)
	p := &ownProducer{client: client, addr: srv.Broker}
	// The first send creates the topic (autoCreateTopicEnable), before any
	// puller asks for it; the pullers start after it, as consumers that
	// consume from the last offset would.
	if err := p.send(context.Background(), make([]byte, 8)); err != nil {
		return nil, fmt.Errorf("creating the topic: %w", err)
	}
	if err := waitMaxOffset(client, srv.Broker, 0, 1); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var pullers sync.WaitGroup
	cl.Add(func() error { cancel(); pullers.Wait(); return nil })
	for q := range int32(ownClientQueues) {
		// Where each puller starts is read before any message is sent.
		from, err := maxOffset(client, srv.Broker, q)
		if err != nil {
			return nil, err
		}
		pullers.Go(func() { pullQueueRemote(ctx, client, srv.Broker, q, from, deliver) })
	}
	return &BrokerSystem{Send: p.send, Close: cl.Close, Server: srv.ServerProcess}, nil
}

// ownProducer sends to the queues in turn.
type ownProducer struct {
	client *remoting.Client
	addr   string
	next   atomic.Uint32
}

func (p *ownProducer) send(ctx context.Context, body []byte) error {
	q := int32((p.next.Add(1) - 1) % ownClientQueues)
	h := remoting.SendMessageRequestHeader{
		ProducerGroup:         "w6-own-pg",
		Topic:                 ownClientTopic,
		DefaultTopic:          "TBW102",
		DefaultTopicQueueNums: ownClientQueues,
		QueueID:               q,
		BornTimestamp:         time.Now().UnixMilli(),
		MaxReconsumeTimes:     -1,
	}
	ext := h.EncodeV2(nil)
	ctx, cancel := context.WithTimeout(ctx, ownClientSendTimeout)
	defer cancel()
	for attempt := 1; ; attempt++ {
		resp, err := p.client.InvokeSync(ctx, p.addr, remoting.NewRequest(remoting.RequestSendMessageV2, ext, body))
		if err != nil {
			return err
		}
		switch {
		case resp.Code == remoting.ResponseSuccess:
			return nil
		case attempt < ownClientSendAttempts && retryableSendCode(resp.Code):
			continue
		default:
			return fmt.Errorf("send (attempt %d): code %d: %s", attempt, resp.Code, resp.Remark)
		}
	}
}

// retryableSendCode reports whether a refused send is sent again, as
// RocketMQ's producers do: the broker refuses a send it could not take in
// time (flow control) with SYSTEM_BUSY, or SERVICE_NOT_AVAILABLE to a Go
// client, and stores nothing of it.
func retryableSendCode(code int16) bool {
	return code == remoting.ResponseSystemBusy || code == remoting.ResponseServiceNotAvailable
}

// waitMaxOffset waits until queue's max offset reaches want (the dispatcher
// has indexed the message that created the topic).
func waitMaxOffset(client *remoting.Client, addr string, queue int32, want int64) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		off, err := maxOffset(client, addr, queue)
		if err == nil && off >= want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("queue %d: max offset still below %d (%v)", queue, want, err)
		}
		time.Sleep(time.Millisecond)
	}
}

func maxOffset(client *remoting.Client, addr string, queue int32) (int64, error) {
	h := remoting.QueueRequestHeader{Topic: ownClientTopic, QueueID: queue}
	ctx, cancel := context.WithTimeout(context.Background(), ownClientSendTimeout)
	defer cancel()
	resp, err := client.InvokeSync(ctx, addr, remoting.NewRequest(remoting.RequestGetMaxOffset, h.Encode(nil), nil))
	if err != nil {
		return 0, err
	}
	if resp.Code != remoting.ResponseSuccess {
		return 0, fmt.Errorf("max offset: code %d: %s", resp.Code, resp.Remark)
	}
	var rh remoting.OffsetResponseHeader
	err = rh.Decode(resp.ExtFields)
	return rh.Offset, err
}

// pullQueueRemote pulls one queue from offset on until ctx ends, handing
// every body to deliver.
func pullQueueRemote(ctx context.Context, client *remoting.Client, addr string, queue int32, offset int64, deliver func([]byte)) {
	for ctx.Err() == nil {
		h := remoting.PullMessageRequestHeader{
			ConsumerGroup:        ownClientGroup,
			Topic:                ownClientTopic,
			QueueID:              queue,
			QueueOffset:          offset,
			MaxMsgNums:           ownClientBatch,
			SysFlag:              0x2 | 0x4, // suspend (long polling), and the subscription below
			SuspendTimeoutMillis: ownClientPoll.Milliseconds(),
			ExpressionType:       "TAG",
			Subscription:         "*", // the broker knows no heartbeat of this group
		}
		req := remoting.NewRequest(remoting.RequestPullMessage, h.Encode(nil), nil)
		pctx, cancel := context.WithTimeout(ctx, ownClientPoll+5*time.Second)
		resp, err := client.InvokeSync(pctx, addr, req)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				time.Sleep(10 * time.Millisecond) // a failed pull is retried, as a client would
			}
			continue
		}
		var rh remoting.PullMessageResponseHeader
		if err := rh.Decode(resp.ExtFields); err != nil {
			continue
		}
		switch resp.Code {
		case remoting.ResponseSuccess:
			if err := deliverRecords(resp.Body, deliver); err != nil {
				return // the tracker reports what never arrived
			}
			offset = rh.NextBeginOffset
		case remoting.ResponsePullRetryImmediately, remoting.ResponsePullOffsetMoved, remoting.ResponsePullNotFound:
			offset = rh.NextBeginOffset
		}
	}
}

// deliverRecords hands the body of every record in a pull response to
// deliver.
func deliverRecords(b []byte, deliver func([]byte)) error {
	for len(b) > 0 {
		rec, err := message.Decode(b, false)
		if err != nil {
			return err
		}
		if rec.StoreSize <= 0 || int(rec.StoreSize) > len(b) {
			return errors.New("pull response: bad record size")
		}
		deliver(rec.Body)
		b = b[rec.StoreSize:]
	}
	return nil
}
