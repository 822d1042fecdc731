package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rocketstore/rocketstore/ha"
	"github.com/rocketstore/rocketstore/remoting"
)

// newReplication prepares the role's side of replication: a master's HA
// server (whose senders the store wakes after every append) or a slave's
// follower. Both authenticate their peer with the cluster secret when one
// is set.
func (b *Broker) newReplication() {
	if b.opts.Controller.Enable {
		return // the controller gives the role (rolechange.go)
	}
	switch b.opts.Role {
	case RoleSlave:
		b.haSlave.Store(ha.NewSlave(b.store.CommitLog(), &ha.SlaveOptions{MasterAddr: b.opts.MasterHAAddr,
			Secret: b.opts.ClusterSecret, Logger: b.log}))
	default:
		b.haMaster.Store(ha.NewMaster(b.store.CommitLog(), &ha.MasterOptions{SyncTimeout: b.opts.SyncReplicationTimeout,
			Secret: b.opts.ClusterSecret, MaxSlaves: b.opts.HAMaxSlaves, Logger: b.log}))
	}
}

// notifySlaves is the store's OnAppend: a master's idle senders wake up
// for the new records.
func (b *Broker) notifySlaves() {
	if m := b.haMaster.Load(); m != nil {
		m.Notify()
	}
}

// startReplication starts the role's side of replication: a master accepts
// slaves on its HA address; a slave follows its master's commit log and
// copies its topic configs, consumer offsets, delay progress and timer
// checkpoint. In controller mode the roles come later, from the
// controller (controllerMode).
func (b *Broker) startReplication() error {
	if b.ctrl != nil {
		b.wg.Go(b.slaveSyncLoop)
		return nil
	}
	if s := b.haSlave.Load(); s != nil {
		s.Start()
		b.wg.Go(b.slaveSyncLoop)
	}
	if m := b.haMaster.Load(); m != nil {
		if err := m.Listen(b.opts.HAListenAddr); err != nil {
			return err
		}
	}
	b.log.Info("replication started", "role", b.opts.Role, "authenticated", b.opts.ClusterSecret != "")
	return nil
}

func (b *Broker) stopReplication() error {
	var errs []error
	if m := b.haMaster.Swap(nil); m != nil {
		errs = append(errs, m.Close())
	}
	if s := b.haSlave.Swap(nil); s != nil {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// HAAddr is the address slaves replicate from ("" on a slave).
func (b *Broker) HAAddr() string {
	if m := b.haMaster.Load(); m != nil {
		return m.Addr()
	}
	return ""
}

// replicated waits, on a SYNC_MASTER, until a slave holds everything up to
// end (in controller mode: the replicas of the SyncStateSet a put needs),
// and says how a send must be answered otherwise.
func (b *Broker) replicated(end int64) (int16, error) {
	m := b.haMaster.Load()
	if m == nil || b.roles().role != RoleSyncMaster {
		return remoting.ResponseSuccess, nil
	}
	var err error
	if b.ctrl != nil {
		err = m.WaitInSync(context.Background(), end)
	} else {
		err = m.WaitReplicated(context.Background(), end)
	}
	switch {
	case err == nil:
		return remoting.ResponseSuccess, nil
	case errors.Is(err, ha.ErrSlaveNotAvailable):
		return remoting.ResponseSlaveNotAvailable, err
	default:
		return remoting.ResponseFlushSlaveTimeout, err
	}
}

// hasSlaveInSync reports whether a pull may be sent to a slave.
func (b *Broker) hasSlaveInSync() bool {
	m := b.haMaster.Load()
	if m == nil {
		return false
	}
	for _, s := range m.Slaves() {
		if s.InSync {
			return true
		}
	}
	return false
}

// slaveSync is one thing a slave copies from its master, as RocketMQ's
// SlaveSynchronize: a request and what to do with the answer's body.
type slaveSync struct {
	what  string
	code  int16
	apply func(body []byte) error
}

// slaveSyncs lists what a slave copies: everything a master keeps beside
// its commit log that the slave would need to go on as a master.
func (b *Broker) slaveSyncs() []slaveSync {
	syncs := []slaveSync{
		{"topic configs", remoting.RequestGetAllTopicConfig, fromJSON(func(f topicFile) error {
			for _, tc := range f.TopicConfigTable {
				if cur, ok := b.topics.get(tc.TopicName); !ok || cur != tc {
					if err := b.topics.putDerived(tc); err != nil {
						return err
					}
				}
			}
			return nil
		})},
		{"consumer offsets", remoting.RequestGetAllConsumerOffset, fromJSON(func(f offsetFile) error {
			b.offsets.replace(f.OffsetTable)
			return nil
		})},
		{"delay offsets", remoting.RequestGetAllDelayOffset, fromJSON(func(f delayOffsetFile) error {
			b.schedule.replace(f.OffsetTable)
			return nil
		})},
	}
	if !b.opts.Timer.Disabled {
		syncs = append(syncs, slaveSync{"timer checkpoint", remoting.RequestGetTimerCheckPoint, b.syncTimerCheckpoint})
	}
	return syncs
}

// fromJSON decodes a JSON body before apply takes it.
func fromJSON[T any](apply func(T) error) func([]byte) error {
	return func(body []byte) error {
		var v T
		if err := json.Unmarshal(body, &v); err != nil {
			return err
		}
		return apply(v)
	}
}

// slaveSyncLoop copies the master's state every SlaveSyncInterval, so that
// the slave serves pulls and holds the master's progress.
func (b *Broker) slaveSyncLoop() {
	tick := time.NewTicker(b.opts.SlaveSyncInterval)
	defer tick.Stop()
	syncs := b.slaveSyncs()
	failing := make([]bool, len(syncs)) // one log line per change, not per round
	for {
		// In controller mode the broker is a slave only some of the time,
		// and of whichever master the controller named last.
		if r := b.roles(); r.known && r.role == RoleSlave && r.masterAddr != "" {
			for i, s := range syncs {
				err := b.syncFromMaster(r.masterAddr, s)
				switch {
				case err != nil && !failing[i]:
					b.log.Warn("slave sync failing", "what", s.what, "master", r.masterAddr, "err", err)
				case err == nil && failing[i]:
					b.log.Info("slave sync recovered", "what", s.what, "master", r.masterAddr)
				}
				failing[i] = err != nil
			}
		}
		select {
		case <-b.quit:
			return
		case <-tick.C:
		}
	}
}

func (b *Broker) syncFromMaster(master string, s slaveSync) error {
	ctx, cancel := timeoutContext(registerTimeout)
	defer cancel()
	resp, err := b.client.InvokeSync(ctx, master, b.signPeer(remoting.NewRequest(s.code, nil, nil)))
	if err != nil {
		return err
	}
	if resp.Code != remoting.ResponseSuccess {
		return fmt.Errorf("code %d: %s", resp.Code, resp.Remark)
	}
	return s.apply(resp.Body)
}

// jsonResponse answers req with v as its JSON body.
func jsonResponse(req *remoting.Command, v any) *remoting.Command {
	body, err := json.Marshal(v)
	if err != nil {
		return errorResponse(req, remoting.ResponseSystemError, err)
	}
	resp := remoting.NewResponse(req, remoting.ResponseSuccess, "")
	resp.Body = body
	return resp
}

// handleGetAllConsumerOffset answers every committed offset (for slaves).
func (b *Broker) handleGetAllConsumerOffset(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	return jsonResponse(req, b.offsets.snapshot())
}

// handleGetAllDelayOffset answers the delay scheduler's progress per level,
// delayOffset.json's content (for slaves).
func (b *Broker) handleGetAllDelayOffset(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	return jsonResponse(req, b.schedule.snapshot())
}
