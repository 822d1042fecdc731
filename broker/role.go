package broker

import (
	"context"
	"errors"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
)

// ErrSlaveNoWrite is what every put on a slave returns: a slave's commit
// log is a byte copy of its master's, written only by replication; one
// record of its own and it can never follow the master again.
var ErrSlaveNoWrite = errors.New("broker: the broker is a slave and writes nothing of its own")

// isMaster reports whether the broker takes writes: an ASYNC_MASTER or
// SYNC_MASTER with brokerId 0 (RocketMQ's MixAll.MASTER_ID; any other id is
// a slave whatever its role says). Services that put messages check it
// through putMessage and start through onMaster.
func (b *Broker) isMaster() bool { return b.opts.Role != RoleSlave && b.opts.BrokerID == 0 }

// onMaster registers a background service that writes messages (delay
// scheduler, timer, transaction check): Start runs it only on a master, in
// a goroutine the broker owns; run must return once b.quit is closed.
// Register before Start.
func (b *Broker) onMaster(name string, run func()) {
	b.masterServices = append(b.masterServices, masterService{name, run})
}

// masterService is a writer registered with onMaster.
type masterService struct {
	name string
	run  func()
}

// startMasterServices starts the registered writers on a master and says
// so in the log; a slave starts none of them.
func (b *Broker) startMasterServices() {
	for _, s := range b.masterServices {
		if !b.isMaster() {
			b.log.Info("not started on a slave", "service", s.name)
			continue
		}
		b.wg.Go(s.run)
	}
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
		return nil
	}
	// A client can send to a slave in a loop: one line per 10,000.
	if n := b.slaveRefusals.Add(1); n%10000 == 1 {
		b.log.Warn("put refused on a slave", "topic", topic, "refused", n)
	}
	return ErrSlaveNoWrite
}
