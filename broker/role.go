package broker

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
)

// ErrSlaveNoWrite is what every put on a slave returns: a slave's commit
// log is a byte copy of its master's, written only by replication; one
// record of its own and it can never follow the master again.
var ErrSlaveNoWrite = errors.New("broker: the broker is a slave and writes nothing of its own")

// isMaster reports whether the broker takes writes (ASYNC_MASTER or
// SYNC_MASTER, with broker id 0: RocketMQ treats any other id as a slave).
// Services that put messages check it through putMessage and start through
// onMaster. In controller mode the role changes at run time (roles()).
func (b *Broker) isMaster() bool {
	r := b.roles()
	return r.role != RoleSlave && r.brokerID == 0
}

// onMaster registers a background service that writes messages (delay
// scheduler, timer, transaction check): it runs only while the broker is
// master, in a goroutine the broker owns, and must return once stop is
// closed (the broker closes, or stops being master). Register before
// Start.
func (b *Broker) onMaster(name string, run func(stop <-chan struct{})) {
	b.masterServices = append(b.masterServices, masterService{name, run})
}

// masterService is a writer registered with onMaster.
type masterService struct {
	name string
	run  func(stop <-chan struct{})
}

// masterTerm is the writers of one term as master.
type masterTerm struct {
	stop chan struct{}
	wg   sync.WaitGroup
}

// startMasterServices starts the registered writers on a master and says
// so in the log; a slave starts none of them.
func (b *Broker) startMasterServices() {
	b.termMu.Lock()
	defer b.termMu.Unlock()
	if b.term != nil {
		return
	}
	if !b.isMaster() {
		for _, s := range b.masterServices {
			b.log.Info("not started on a slave", "service", s.name)
		}
		return
	}
	t := &masterTerm{stop: make(chan struct{})}
	for _, s := range b.masterServices {
		t.wg.Go(func() { s.run(t.stop) })
	}
	b.term = t
}

// stopMasterServices stops the writers of the current term, if any, and
// waits for them.
func (b *Broker) stopMasterServices() {
	b.termMu.Lock()
	defer b.termMu.Unlock()
	if b.term == nil {
		return
	}
	close(b.term.stop)
	b.term.wg.Wait()
	b.term = nil
}

// putMessage is the one way the broker's processors and services store a
// message: it refuses on a slave, whatever the caller.
func (b *Broker) putMessage(ctx context.Context, m *message.Message) (commitlog.AppendResult, error) {
	if err := b.checkWritable(m.Topic); err != nil {
		return commitlog.AppendResult{}, err
	}
	return b.store.PutMessage(ctx, m)
}

// putMessages stores a batch as putMessage stores one message.
func (b *Broker) putMessages(ctx context.Context, msgs []message.Message) ([]commitlog.AppendResult, error) {
	if len(msgs) > 0 {
		if err := b.checkWritable(msgs[0].Topic); err != nil {
			return nil, err
		}
	}
	return b.store.PutMessages(ctx, msgs, nil)
}

func (b *Broker) checkWritable(topic string) error {
	if b.isMaster() {
		return b.checkInSyncReplicas()
	}
	// A client can send to a slave in a loop: one line per 10,000.
	if n := b.slaveRefusals.Add(1); n%10000 == 1 {
		b.log.Warn("put refused on a slave", "topic", topic, "refused", n)
	}
	return ErrSlaveNoWrite
}

// checkInSyncReplicas refuses a write on a SYNC master in controller mode
// whose SyncStateSet is smaller than MinInSyncReplicas, before anything is
// stored, as RocketMQ's IN_SYNC_REPLICAS_NOT_ENOUGH.
func (b *Broker) checkInSyncReplicas() error {
	if b.ctrl == nil || b.roles().role != RoleSyncMaster {
		return nil
	}
	m := b.haMaster.Load()
	if m == nil {
		return nil
	}
	if n, want := len(m.SyncStateSet()), b.opts.Controller.MinInSyncReplicas; n < want {
		b.warnings.warn("put:insync", "put refused: the SyncStateSet is smaller than minInSyncReplicas", "inSync", n, "min", want)
		return fmt.Errorf("%w: %d in the SyncStateSet, minInSyncReplicas %d", ErrInSyncReplicasNotEnough, n, want)
	}
	return nil
}
