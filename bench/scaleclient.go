package bench

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// The scale workloads' client calls: ownclient.go's send and pull speak to
// W6's one topic and group, these take them as arguments.

// scaleQueue is one queue of a topic.
type scaleQueue struct {
	topic string
	queue int32
}

// allQueues lists every queue of the topics, queue by queue within each
// topic.
func allQueues(topics []string, queues int) []scaleQueue {
	out := make([]scaleQueue, 0, len(topics)*queues)
	for _, t := range topics {
		for q := range int32(queues) {
			out = append(out, scaleQueue{t, q})
		}
	}
	return out
}

// sendHeader is the header of a send to q, SEND_MESSAGE_V2's or
// SEND_BATCH_MESSAGE's.
func sendHeader(q scaleQueue, batch bool) remoting.SendMessageRequestHeader {
	return remoting.SendMessageRequestHeader{
		ProducerGroup:         "bench-scale-pg",
		Topic:                 q.topic,
		DefaultTopic:          "TBW102",
		DefaultTopicQueueNums: 8,
		QueueID:               q.queue,
		BornTimestamp:         time.Now().UnixMilli(),
		MaxReconsumeTimes:     -1,
		Batch:                 batch,
	}
}

// sendOne sends body with the encoded properties props to q
// (SEND_MESSAGE_V2) and waits for the broker's acknowledgement.
func sendOne(ctx context.Context, client *remoting.Client, addr string, q scaleQueue, body []byte, props string) error {
	h := sendHeader(q, false)
	h.Properties = props
	return invokeSend(ctx, client, addr, q, remoting.NewRequest(remoting.RequestSendMessageV2, h.EncodeV2(nil), body))
}

// sendPacked sends a packed batch body (message.EncodeBatch's layout) to q
// as one SEND_BATCH_MESSAGE.
func sendPacked(ctx context.Context, client *remoting.Client, addr string, q scaleQueue, packed []byte) error {
	h := sendHeader(q, true)
	return invokeSend(ctx, client, addr, q, remoting.NewRequest(remoting.RequestSendBatchMessage, h.EncodeV2(nil), packed))
}

func invokeSend(ctx context.Context, client *remoting.Client, addr string, q scaleQueue, req *remoting.Command) error {
	ctx, cancel := context.WithTimeout(ctx, ownClientSendTimeout)
	defer cancel()
	resp, err := client.InvokeSync(ctx, addr, req)
	if err != nil {
		return err
	}
	if resp.Code != remoting.ResponseSuccess {
		return &sendRefusal{q: q, code: resp.Code, remark: resp.Remark}
	}
	return nil
}

// sendRefusal is a broker's answer other than success to a send.
type sendRefusal struct {
	q      scaleQueue
	code   int16
	remark string
}

func (e *sendRefusal) Error() string {
	return fmt.Sprintf("send to %s/%d: code %d: %s", e.q.topic, e.q.queue, e.code, e.remark)
}

// sendRetries bounds how often a send the broker refused as busy is sent
// again: a client backs off and retries, as RocketMQ's do.
const (
	sendRetries    = 100
	sendRetryPause = 20 * time.Millisecond
)

// retryBusy calls send until it succeeds, fails otherwise than by the
// broker's flow control (SYSTEM_BUSY, SERVICE_NOT_AVAILABLE), or has been
// refused sendRetries times.
func retryBusy(ctx context.Context, send func() error) error {
	for i := 0; ; i++ {
		err := send()
		var r *sendRefusal
		if !errors.As(err, &r) || i == sendRetries ||
			(r.code != remoting.ResponseSystemBusy && r.code != remoting.ResponseServiceNotAvailable) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(sendRetryPause):
		}
	}
}

// scalePull is one long-polling puller of a consumer group.
type scalePull struct {
	client  *remoting.Client
	addr    string
	group   string
	batch   int32         // messages asked for per pull
	suspend time.Duration // longest suspended pull
	deliver func([]byte)
	// refused counts pulls answered otherwise than with messages or an
	// offset to go on from (a client retries them after a pause); last
	// keeps the latest such answer to explain a consumer that fell short.
	refused *pullRefusals
}

// pullRefusals counts the refused pulls of a consumer group.
type pullRefusals struct {
	n    atomic.Int64
	last atomic.Pointer[string]
}

func (r *pullRefusals) add(why string) {
	r.n.Add(1)
	r.last.Store(&why)
}

// String says how many pulls were refused and the last reason, or "".
func (r *pullRefusals) String() string {
	last := r.last.Load()
	if last == nil {
		return ""
	}
	return fmt.Sprintf("%d pulls refused, the last: %s", r.n.Load(), *last)
}

// run pulls q from offset on until ctx ends, handing every body to
// deliver. A failed or refused pull is retried after a pause, as a client
// would; a response with records it cannot decode ends it (the tracker
// reports what never arrived).
func (p *scalePull) run(ctx context.Context, q scaleQueue, offset int64) {
	const pause = 10 * time.Millisecond
	for ctx.Err() == nil {
		h := remoting.PullMessageRequestHeader{
			ConsumerGroup:        p.group,
			Topic:                q.topic,
			QueueID:              q.queue,
			QueueOffset:          offset,
			MaxMsgNums:           p.batch,
			SysFlag:              0x2 | 0x4, // suspend (long polling), and the subscription below
			SuspendTimeoutMillis: p.suspend.Milliseconds(),
			ExpressionType:       "TAG",
			Subscription:         "*", // the broker knows no heartbeat of this group
		}
		req := remoting.NewRequest(remoting.RequestPullMessage, h.Encode(nil), nil)
		pctx, cancel := context.WithTimeout(ctx, p.suspend+10*time.Second)
		resp, err := p.client.InvokeSync(pctx, p.addr, req)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				p.refused.add(fmt.Sprintf("pull of %s/%d: %v", q.topic, q.queue, err))
				time.Sleep(pause)
			}
			continue
		}
		var rh remoting.PullMessageResponseHeader
		switch resp.Code {
		case remoting.ResponseSuccess, remoting.ResponsePullRetryImmediately, remoting.ResponsePullOffsetMoved, remoting.ResponsePullNotFound:
			if err := rh.Decode(resp.ExtFields); err != nil {
				p.refused.add(fmt.Sprintf("pull of %s/%d: code %d: header: %v", q.topic, q.queue, resp.Code, err))
				time.Sleep(pause)
				continue
			}
		default:
			p.refused.add(fmt.Sprintf("pull of %s/%d: code %d: %s", q.topic, q.queue, resp.Code, resp.Remark))
			time.Sleep(pause)
			continue
		}
		if resp.Code == remoting.ResponseSuccess {
			if err := deliverRecords(resp.Body, p.deliver); err != nil {
				p.refused.add(fmt.Sprintf("pull of %s/%d: %v; the puller stopped", q.topic, q.queue, err))
				return
			}
		}
		if rh.NextBeginOffset > rh.MaxOffset && rh.NextBeginOffset > offset {
			// The broker moved the consumer past the queue's end: what
			// arrives below that offset will never be pulled.
			p.refused.add(fmt.Sprintf("pull of %s/%d at %d: code %d moved it to %d, past the queue's end %d",
				q.topic, q.queue, offset, resp.Code, rh.NextBeginOffset, rh.MaxOffset))
		}
		offset = rh.NextBeginOffset
	}
}
