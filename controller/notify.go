package controller

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// notifier pushes NOTIFY_BROKER_ROLE_CHANGED to brokers from a few
// workers. A push is best effort: brokers also learn the master from their
// heartbeat answers, so a full queue or a failed push only costs time.
type notifier struct {
	log     *slog.Logger
	timeout time.Duration
	client  *remoting.Client
	jobs    chan notifyJob
	wg      sync.WaitGroup

	mu     sync.Mutex
	closed bool
}

type notifyJob struct {
	addr string
	mi   MasterInfo
}

const notifyWorkers = 3

func newNotifier(log *slog.Logger, timeout time.Duration) *notifier {
	n := &notifier{log: log, timeout: timeout, client: remoting.NewClient(remoting.ClientOptions{}), jobs: make(chan notifyJob, 1024)}
	for range notifyWorkers {
		n.wg.Go(n.work)
	}
	return n
}

// push queues a notification of mi to the broker at addr.
func (n *notifier) push(addr string, mi MasterInfo) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	select {
	case n.jobs <- notifyJob{addr, mi}:
	default:
		n.log.Warn("role change push dropped: queue full", "addr", addr, "masterEpoch", mi.MasterEpoch)
	}
}

func (n *notifier) work() {
	for j := range n.jobs {
		ctx, cancel := context.WithTimeout(context.Background(), n.timeout)
		resp, err := n.client.InvokeSync(ctx, j.addr, roleChangeCommand(j.mi))
		cancel()
		switch {
		case err != nil:
			n.log.Warn("role change push failed", "addr", j.addr, "masterEpoch", j.mi.MasterEpoch, "err", err)
		case resp.Code != remoting.ResponseSuccess:
			n.log.Warn("role change push refused", "addr", j.addr, "masterEpoch", j.mi.MasterEpoch, "code", resp.Code, "remark", resp.Remark)
		}
	}
}

// close drains the queue and stops the workers.
func (n *notifier) close() {
	n.mu.Lock()
	if !n.closed {
		n.closed = true
		close(n.jobs)
	}
	n.mu.Unlock()
	n.wg.Wait()
	if err := n.client.Close(); err != nil {
		n.log.Warn("close notify client", "err", err)
	}
}

// roleChangeCommand is NOTIFY_BROKER_ROLE_CHANGED: the master in the
// header, the SyncStateSet in the body.
func roleChangeCommand(mi MasterInfo) *remoting.Command {
	body, _ := encodeJSON(mi.SyncStateSet) // a struct of ints and a slice always encodes
	c := remoting.NewRequest(remoting.RequestNotifyBrokerRoleChanged, nil, body)
	setMasterHeader(c, mi)
	return c
}

// ParseRoleChange reads a NOTIFY_BROKER_ROLE_CHANGED request, for the
// broker's handler of that code. The broker acts on it only when its
// MasterEpoch is above the one it knows: pushes may arrive late or twice.
func ParseRoleChange(req *remoting.Command) (MasterInfo, error) {
	mi, err := parseMasterHeader(req)
	if err != nil {
		return mi, err
	}
	if len(req.Body) > 0 {
		var set SyncStateSet
		if err := decodeJSON(req.Body, &set); err != nil {
			return mi, err
		}
		mi.SyncStateSet.SyncStateSet = set.SyncStateSet
	}
	return mi, nil
}
