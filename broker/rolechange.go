package broker

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/controller"
	"github.com/rocketstore/rocketstore/ha"
	"github.com/rocketstore/rocketstore/store"
)

// becomeMaster makes the broker its group's master for mi's epoch
// (RocketMQ's changeToMaster): the replica stops following, makes every
// record it holds visible and counts queue offsets from them, starts a new
// epoch at its end, and serves slaves, writes and the master's services.
// Re-elected in the epoch it already holds (a restart), it keeps that
// epoch. c.mu is held.
func (c *controllerMode) becomeMaster(mi controller.MasterInfo) error {
	b := c.b
	st := b.store
	r := b.roles()
	wasMaster := r.known && r.role != RoleSlave && r.brokerID == 0
	if !wasMaster {
		if s := b.haSlave.Swap(nil); s != nil {
			if err := s.Close(); err != nil && !errors.Is(err, ha.ErrClosed) {
				b.log.Warn("stop following the old master", "err", err)
			}
		}
		// Everything this replica holds is the new term's past: the
		// election chose it for holding every confirmed record.
		st.SetConfirmOffset(-1)
		if err := st.WaitDispatched(roleChangeWait); err != nil {
			return fmt.Errorf("dispatch before taking writes: %w", err)
		}
		st.RecoverQueueOffsets()
		c.adoptStoreTopics()
	}
	if last := c.epochs.LastEpoch(); last < mi.MasterEpoch {
		if err := c.epochs.Append(ha.EpochEntry{Epoch: mi.MasterEpoch, StartOffset: st.CommitLog().MaxOffset()}); err != nil {
			return err
		}
	}
	self := c.id.Load()
	c.set = syncStateView{ids: mi.SyncStateSet.SyncStateSet, epoch: mi.SyncStateSet.SyncStateSetEpoch}
	if !wasMaster {
		m := ha.NewMaster(st.CommitLog(), &ha.MasterOptions{SyncTimeout: b.opts.SyncReplicationTimeout, Logger: b.log,
			Secret: b.opts.ClusterSecret, MaxSlaves: b.opts.HAMaxSlaves,
			Epochs: c.epochs, BrokerID: self, AckReplicas: c.opts.InSyncReplicas, OnConfirm: st.SetConfirmOffset})
		if err := m.Serve(c.termListener()); err != nil {
			return err
		}
		m.SetSyncStateSet(c.set.effective())
		b.haMaster.Store(m)
	} else if m := b.haMaster.Load(); m != nil {
		m.SetSyncStateSet(c.set.effective())
	}
	b.state.Store(&roleState{known: true, role: b.opts.Role, brokerID: 0, epoch: mi.MasterEpoch})
	if !wasMaster {
		b.startMasterServices()
		if err := b.openTimer(); err != nil {
			b.log.Error("timer not started on the new master", "err", err)
		}
	}
	return nil
}

// adoptStoreTopics gives a topic config to every topic the new master
// holds messages of but has no config for: a slave copies its master's
// configs every SlaveSyncInterval, so a topic created just before a
// failover may be missing, and its messages would be out of reach. The
// config has a queue for every consume queue, and at least
// DefaultTopicQueueNums. c.mu is held.
func (c *controllerMode) adoptStoreTopics() {
	b := c.b
	for _, topic := range b.store.Topics() {
		if _, ok := b.topics.get(topic); ok || strings.HasPrefix(topic, "RMQ_SYS_") || strings.HasPrefix(topic, "rmq_sys_") ||
			topic == store.ScheduleTopic {
			continue
		}
		n := b.opts.DefaultTopicQueueNums
		if ids := b.store.QueueIDs(topic); len(ids) > 0 {
			n = max(n, int(ids[len(ids)-1])+1)
		}
		tc := TopicConfig{TopicName: topic, ReadQueueNums: n, WriteQueueNums: n, Perm: DefaultPerm}
		if err := b.topics.put(tc); err != nil {
			b.log.Error("recreate a topic config on the new master", "topic", topic, "err", err)
			continue
		}
		b.log.Warn("topic config missing on the new master; recreated from its consume queues", "topic", topic, "queues", n)
	}
}

// becomeSlave makes the broker a slave of mi's master (RocketMQ's
// changeToSlave): writes stop first, then a master's services and its HA
// port; nothing more becomes visible until the new master confirms it; the
// broker follows the new master, whose handshake cuts back what this
// replica wrote that the master never had. c.mu is held.
func (c *controllerMode) becomeSlave(mi controller.MasterInfo) error {
	b := c.b
	st := b.store
	if mi.MasterHAAddress == "" {
		return fmt.Errorf("the controller gave no HA address for master %d", mi.MasterBrokerID)
	}
	self := c.id.Load()
	b.state.Store(&roleState{known: true, role: RoleSlave, brokerID: self, masterAddr: mi.MasterAddress,
		masterHAAddr: mi.MasterHAAddress, epoch: mi.MasterEpoch})
	b.stopMasterServices()
	if err := b.closeTimer(); err != nil {
		b.log.Warn("close the timer of the old master term", "err", err)
	}
	if m := b.haMaster.Swap(nil); m != nil {
		if err := m.Close(); err != nil && !errors.Is(err, ha.ErrClosed) && !errors.Is(err, net.ErrClosed) {
			b.log.Warn("close the HA port of the old master term", "err", err)
		}
	}
	c.set = syncStateView{}
	st.SetConfirmOffset(st.DispatchedOffset())
	if s := b.haSlave.Swap(nil); s != nil {
		if err := s.Close(); err != nil && !errors.Is(err, ha.ErrClosed) {
			b.log.Warn("stop following the old master", "err", err)
		}
	}
	// Reports often enough that a slave in step never looks behind for
	// MaxTimeSlaveNotCatchup.
	report := min(ha.DefaultReportInterval, c.opts.MaxTimeSlaveNotCatchup/3)
	s := ha.NewSlave(st.CommitLog(), &ha.SlaveOptions{MasterAddr: mi.MasterHAAddress, Logger: b.log, Dial: c.opts.HADial, ReportInterval: report,
		Secret: b.opts.ClusterSecret,
		Epochs: c.epochs, BrokerID: self, MasterEpoch: mi.MasterEpoch, Truncate: st.TruncateTo, OnConfirm: st.SetConfirmOffset})
	b.haSlave.Store(s)
	s.Start()
	return nil
}

// termListener is the HA port for one term as master: ha.Master closes it
// at the term's end, which ends its accept loop without closing the port.
func (c *controllerMode) termListener() net.Listener {
	// A deadline left by the last term's close would fail every accept.
	if err := c.haLn.SetDeadline(time.Time{}); err != nil {
		c.b.log.Warn("HA port: clear the deadline", "err", err)
	}
	return &termListener{TCPListener: c.haLn, done: make(chan struct{})}
}

type termListener struct {
	*net.TCPListener
	done chan struct{}
	once sync.Once
}

// Accept takes the next connection until Close.
func (t *termListener) Accept() (net.Conn, error) {
	conn, err := t.TCPListener.Accept()
	select {
	case <-t.done:
		if conn != nil {
			conn.Close()
		}
		return nil, net.ErrClosed
	default:
	}
	return conn, err
}

// Close ends the term's accepts: a past deadline wakes the one waiting.
func (t *termListener) Close() error {
	t.once.Do(func() { close(t.done) })
	return t.TCPListener.SetDeadline(time.Now())
}
