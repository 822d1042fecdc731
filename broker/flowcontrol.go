package broker

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

// Flow-control defaults, RocketMQ's (BrokerConfig, MessageStoreConfig).
const (
	DefaultWaitTimeInSendQueue    = 200 * time.Millisecond  // waitTimeMillsInSendQueue
	DefaultOSPageCacheBusyTimeout = 1000 * time.Millisecond // osPageCacheBusyTimeOutMills
	DefaultBrokerPermission       = PermRead | PermWrite    // brokerPermission
)

// The reasons a send is refused under overload: RocketMQ's remark tags, the
// label of rocketstore_system_busy_total.
const (
	BusyTimeoutCleanQueue = "TIMEOUT_CLEAN_QUEUE" // waited too long in the send queue
	BusyPageCache         = "PC_SYNCHRONIZED"     // the append lock is held too long
	BusyTransientPool     = "REJECTREQUEST"       // the transient store pool has no free buffer
	BusyRateLimit         = "RATE_LIMIT"          // a topic's or producer group's rate limit
	BusyPoolFull          = "POOL_FULL"           // the send queue is full (counted by remoting)
	BusyDiskFull          = "DISK_FULL"           // the store refuses writes: disk above its warning ratio
	BusyWritePermission   = "NO_WRITE_PERMISSION" // brokerPermission has no write bit (a drain)
)

// FlowControlOptions configure how the broker refuses sends it cannot take
// in time, as RocketMQ's BrokerFastFailure. Zero values mean defaults.
type FlowControlOptions struct {
	// WaitTimeInSendQueue is how long a send may wait for a worker; one
	// that waited longer is answered SYSTEM_BUSY [TIMEOUT_CLEAN_QUEUE] and
	// not stored, since its client has likely given up and would get a
	// duplicate when it retries (waitTimeMillsInSendQueue). Default 200 ms.
	WaitTimeInSendQueue time.Duration
	// OSPageCacheBusyTimeout is how long an append may hold the commit
	// log's lock before sends are answered SYSTEM_BUSY [PC_SYNCHRONIZED]
	// (osPageCacheBusyTimeOutMills). Default 1 s.
	OSPageCacheBusyTimeout time.Duration
	// DisableFastFailure turns the send-queue timeout off
	// (brokerFastFailureEnable=false).
	DisableFastFailure bool
	// BrokerPermission is the broker's permission at start
	// (brokerPermission): PermRead|PermWrite (6, the default) or PermRead
	// (4: read-only, draining producers off the broker). It can change
	// live through UPDATE_BROKER_CONFIG.
	BrokerPermission int
	// TopicLimits and GroupLimits bound the sends of a topic and of a
	// producer group (token buckets, one second of burst); a send over a
	// limit is answered SYSTEM_BUSY naming it. Set them in broker.conf
	// (topicRateLimit.<topic>, groupRateLimit.<group>) or live through
	// UPDATE_BROKER_CONFIG.
	TopicLimits, GroupLimits map[string]RateLimit
}

// RateLimit is a rate in messages and bytes per second (the bytes of a
// send's body: the message body, or the encoded batch); zero means
// unlimited.
type RateLimit struct {
	MessagesPerSecond float64
	BytesPerSecond    float64
}

// flowControl is the live flow-control state: every field can be changed
// while the broker runs (UPDATE_BROKER_CONFIG), and the send path reads it
// without a lock.
type flowControl struct {
	waitInQueue   atomic.Int64 // nanoseconds
	pageCacheBusy atomic.Int64 // nanoseconds
	fastFailure   atomic.Bool
	permission    atomic.Int32
	limits        atomic.Pointer[rateLimits]
}

func newFlowControl(o FlowControlOptions) *flowControl {
	f := &flowControl{}
	f.waitInQueue.Store(int64(orDefault(o.WaitTimeInSendQueue, DefaultWaitTimeInSendQueue)))
	f.pageCacheBusy.Store(int64(orDefault(o.OSPageCacheBusyTimeout, DefaultOSPageCacheBusyTimeout)))
	f.fastFailure.Store(!o.DisableFastFailure)
	f.permission.Store(DefaultBrokerPermission)
	if o.BrokerPermission > 0 {
		f.permission.Store(int32(o.BrokerPermission))
	}
	l := &rateLimits{}
	for t, r := range o.TopicLimits {
		l = l.with(true, t, r)
	}
	for g, r := range o.GroupLimits {
		l = l.with(false, g, r)
	}
	f.limits.Store(l)
	return f
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// brokerPermission is the broker's permission (brokerPermission): without
// its write bit sends are refused and routes say the broker's topics are
// read-only, which drains producers off it.
func (b *Broker) brokerPermission() int { return int(b.flow.permission.Load()) }

// admitSend decides whether a parsed send may be stored now. It returns
// nil, or the refusal: SYSTEM_BUSY with RocketMQ's reason tag when the
// broker is overloaded, NO_PERMISSION when its write permission is off.
// Every refusal is counted by reason and logged (rate-limited).
func (b *Broker) admitSend(c *remoting.Conn, req *remoting.Command, h *remoting.SendMessageRequestHeader) *remoting.Command {
	f := b.flow
	now := time.Now()
	if b.brokerPermission()&PermWrite == 0 {
		return b.refuseBusy(c, req, remoting.ResponseNoPermission, BusyWritePermission,
			fmt.Errorf("the broker[%s] sending message is forbidden", b.opts.BrokerName))
	}
	if arrived := req.Arrived(); f.fastFailure.Load() && !arrived.IsZero() {
		if waited := now.Sub(arrived); waited >= time.Duration(f.waitInQueue.Load()) {
			return b.refuseBusy(c, req, remoting.ResponseSystemBusy, BusyTimeoutCleanQueue, fmt.Errorf(
				"[TIMEOUT_CLEAN_QUEUE]broker busy, start flow control for a while, period in queue: %dms, size of queue: %d",
				waited.Milliseconds(), b.sendQueueLen()))
		}
	}
	log := b.store.CommitLog()
	if held := log.LockHeldFor(now); held > time.Duration(f.pageCacheBusy.Load()) {
		return b.refuseBusy(c, req, remoting.ResponseSystemBusy, BusyPageCache, fmt.Errorf(
			"[PC_SYNCHRONIZED]broker busy, start flow control for a while (the append lock is held for %dms)", held.Milliseconds()))
	}
	if free, on := log.TransientPoolAvailable(); on && free == 0 {
		return b.refuseBusy(c, req, remoting.ResponseSystemBusy, BusyTransientPool,
			errors.New("[REJECTREQUEST]system busy, start flow control for a while (the transient store pool has no free buffer)"))
	}
	if limits := f.limits.Load(); !limits.empty() {
		n := 1
		if req.Code == remoting.RequestSendBatchMessage || h.Batch {
			n = batchCount(req.Body)
		}
		if err := limits.take(h.Topic, h.ProducerGroup, n, len(req.Body), now); err != nil {
			return b.refuseBusy(c, req, remoting.ResponseSystemBusy, BusyRateLimit, err)
		}
	}
	return nil
}

// batchCount counts the messages of a batch body (1 for one that does not
// decode: the send path refuses it with its own error).
func batchCount(body []byte) int {
	n := 0
	if err := message.EachInBatch(body, func(int32, []byte, message.Properties) error { n++; return nil }); err != nil || n == 0 {
		return 1
	}
	return n
}

// refuseBusy answers a send refused by flow control, counts it under
// reason and logs it (one line per client and reason a minute).
func (b *Broker) refuseBusy(c *remoting.Conn, req *remoting.Command, code int16, reason string, err error) *remoting.Command {
	b.metrics.busy(reason)
	return b.refuse(c, req, busyCodeFor(req, code), err, "reason", reason)
}

// busyCodeFor is the code a flow-control refusal is answered with: RocketMQ's
// SYSTEM_BUSY, which Java clients send again (to another broker when they
// can), except to the Go client, whose producer (rocketmq-client-go v2.1.2,
// needRetryCode) sends again only on SYSTEM_ERROR, SERVICE_NOT_AVAILABLE,
// NO_PERMISSION and TOPIC_NOT_EXIST and would hand SYSTEM_BUSY to the
// application as a failure. It gets SERVICE_NOT_AVAILABLE with the same
// remark ([TIMEOUT_CLEAN_QUEUE], ...), so that a refused send is retried by
// every client as RocketMQ's design intends.
func busyCodeFor(req *remoting.Command, code int16) int16 {
	if code == remoting.ResponseSystemBusy && req.Language == remoting.LanguageGo {
		return remoting.ResponseServiceNotAvailable
	}
	return code
}

// sendQueueLen is the number of sends waiting for a worker.
func (b *Broker) sendQueueLen() int {
	if p := b.namedPools["send"]; p != nil {
		return p.Queued()
	}
	return 0
}
