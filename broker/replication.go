package broker

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/rocketstore/rocketstore/ha"
	"github.com/rocketstore/rocketstore/remoting"
)

// startReplication starts the role's side of replication: a master accepts
// slaves on its HA address; a slave follows its master's commit log and
// copies its topic configs and consumer offsets.
func (b *Broker) startReplication() error {
	switch b.opts.Role {
	case RoleSlave:
		b.haSlave = ha.NewSlave(b.store.CommitLog(), &ha.SlaveOptions{MasterAddr: b.opts.MasterHAAddr})
		b.haSlave.Start()
		b.wg.Go(b.slaveSyncLoop)
	default:
		b.haMaster = ha.NewMaster(b.store.CommitLog(), &ha.MasterOptions{SyncTimeout: b.opts.SyncReplicationTimeout})
		if err := b.haMaster.Listen(b.opts.HAListenAddr); err != nil {
			return err
		}
	}
	return nil
}

func (b *Broker) stopReplication() error {
	var errs []error
	if b.haMaster != nil {
		errs = append(errs, b.haMaster.Close())
	}
	if b.haSlave != nil {
		errs = append(errs, b.haSlave.Close())
	}
	return errors.Join(errs...)
}

// HAAddr is the address slaves replicate from ("" on a slave).
func (b *Broker) HAAddr() string {
	if b.haMaster == nil {
		return ""
	}
	return b.haMaster.Addr()
}

// replicated waits, on a SYNC_MASTER, until a slave holds everything up to
// end, and says how a send must be answered otherwise.
func (b *Broker) replicated(end int64) (int16, error) {
	if b.haMaster == nil {
		return remoting.ResponseSuccess, nil
	}
	b.haMaster.Notify()
	if b.opts.Role != RoleSyncMaster {
		return remoting.ResponseSuccess, nil
	}
	err := b.haMaster.WaitReplicated(context.Background(), end)
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
	if b.haMaster == nil {
		return false
	}
	for _, s := range b.haMaster.Slaves() {
		if s.InSync {
			return true
		}
	}
	return false
}

// slaveSyncLoop copies the master's topic configs and consumer offsets, as
// RocketMQ's SlaveSynchronize does, so that the slave serves pulls.
func (b *Broker) slaveSyncLoop() {
	tick := time.NewTicker(b.opts.SlaveSyncInterval)
	defer tick.Stop()
	for {
		b.syncFromMaster()
		select {
		case <-b.quit:
			return
		case <-tick.C:
		}
	}
}

func (b *Broker) syncFromMaster() {
	ctx, cancel := timeoutContext(registerTimeout)
	defer cancel()
	resp, err := b.client.InvokeSync(ctx, b.opts.MasterAddr, remoting.NewRequest(remoting.RequestGetAllTopicConfig, nil, nil))
	if err == nil && resp.Code == remoting.ResponseSuccess {
		var f topicFile
		if json.Unmarshal(resp.Body, &f) == nil {
			for _, tc := range f.TopicConfigTable {
				if cur, ok := b.topics.get(tc.TopicName); !ok || cur != tc {
					_ = b.topics.put(tc)
				}
			}
		}
	}
	resp, err = b.client.InvokeSync(ctx, b.opts.MasterAddr, remoting.NewRequest(remoting.RequestGetAllConsumerOffset, nil, nil))
	if err == nil && resp.Code == remoting.ResponseSuccess {
		var f offsetFile
		if json.Unmarshal(resp.Body, &f) == nil {
			b.offsets.replace(f.OffsetTable)
		}
	}
}

// handleGetAllConsumerOffset answers every committed offset (for slaves).
func (b *Broker) handleGetAllConsumerOffset(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	body, err := json.Marshal(b.offsets.snapshot())
	if err != nil {
		return errorResponse(req, remoting.ResponseSystemError, err)
	}
	resp := remoting.NewResponse(req, remoting.ResponseSuccess, "")
	resp.Body = body
	return resp
}
