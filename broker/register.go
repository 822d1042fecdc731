package broker

import (
	"encoding/json"
	"hash/crc32"
	"strconv"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// registerTimeout bounds one registration call.
const registerTimeout = 3 * time.Second

// registerSoon asks for a registration now (a topic was created or
// deleted), without waiting for it.
func (b *Broker) registerSoon() {
	select {
	case b.registerNow <- struct{}{}:
	default:
	}
}

// registerLoop registers with every nameserver at start, every
// RegisterInterval, and whenever topics change.
func (b *Broker) registerLoop() {
	tick := time.NewTicker(b.opts.RegisterInterval)
	defer tick.Stop()
	b.registerAll()
	for {
		select {
		case <-b.quit:
			return
		case <-tick.C:
		case <-b.registerNow:
		}
		b.registerAll()
	}
}

// registerAll sends REGISTER_BROKER with the topic configs to every
// nameserver. A nameserver that does not answer is tried again next time.
func (b *Broker) registerAll() {
	topics, version := b.topics.snapshot()
	topics = b.withBrokerPermission(topics)
	body, err := json.Marshal(topicFile{TopicConfigTable: topics, DataVersion: version})
	if err != nil {
		return
	}
	ext := map[string]string{
		"brokerAddr":         b.Addr(),
		"brokerName":         b.opts.BrokerName,
		"brokerId":           strconv.FormatInt(b.opts.BrokerID, 10),
		"clusterName":        b.opts.ClusterName,
		"haServerAddr":       "",
		"compressed":         "false",
		"bodyCrc32":          strconv.FormatInt(int64(crc32.ChecksumIEEE(body)&0x7FFFFFFF), 10),
		"enableActingMaster": "false",
	}
	for _, addr := range b.opts.NameServers {
		ctx, cancel := timeoutContext(registerTimeout)
		_, _ = b.client.InvokeSync(ctx, addr, remoting.NewRequest(remoting.RequestRegisterBroker, ext, body))
		cancel()
	}
}

// unregister tells every nameserver the broker is leaving.
func (b *Broker) unregister() {
	ext := map[string]string{
		"brokerAddr":  b.Addr(),
		"brokerName":  b.opts.BrokerName,
		"brokerId":    strconv.FormatInt(b.opts.BrokerID, 10),
		"clusterName": b.opts.ClusterName,
	}
	for _, addr := range b.opts.NameServers {
		ctx, cancel := timeoutContext(registerTimeout)
		_, _ = b.client.InvokeSync(ctx, addr, remoting.NewRequest(remoting.RequestUnregisterBroker, ext, nil))
		cancel()
	}
}
