package broker

import (
	"errors"
	"math"

	"github.com/rocketstore/rocketstore/ha"
	"github.com/rocketstore/rocketstore/remoting"
)

// epochEntryCache is GET_BROKER_EPOCH_CACHE's body, RocketMQ's
// EpochEntryCache.
type epochEntryCache struct {
	ClusterName string          `json:"clusterName"`
	BrokerName  string          `json:"brokerName"`
	BrokerID    int64           `json:"brokerId"`
	EpochList   []ha.EpochEntry `json:"epochList"`
	MaxOffset   int64           `json:"maxOffset"`
}

// handleGetBrokerEpochCache answers the broker's epoch history with the
// end of each term (the last one open-ended, Long.MAX_VALUE as RocketMQ's)
// and its commit log's end (mqadmin getBrokerEpoch).
func (b *Broker) handleGetBrokerEpochCache(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	if b.ctrl == nil {
		return b.refuse(c, req, remoting.ResponseSystemError, errors.New("this request only for controllerMode"))
	}
	return jsonResponse(req, epochEntryCache{
		ClusterName: b.opts.ClusterName,
		BrokerName:  b.opts.BrokerName,
		BrokerID:    b.roles().brokerID,
		EpochList:   ha.Ends(b.ctrl.epochs.Entries(), math.MaxInt64),
		MaxOffset:   b.store.CommitLog().MaxOffset(),
	})
}
