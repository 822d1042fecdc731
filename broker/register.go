package broker

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"strconv"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
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

// storeEvents adds to the store's listener what the broker does when the
// store becomes unwritable: say so, and register at once without write
// permission.
func (b *Broker) storeEvents(ev *store.EventListener) *store.EventListener {
	var out store.EventListener
	if ev != nil {
		out = *ev
	}
	deleted := out.FilesDeleted
	out.FilesDeleted = func(i store.FilesDeletedInfo) {
		b.loss.noteDeletion(i)
		if deleted != nil {
			deleted(i)
		}
	}
	out.FlushRound = b.metrics.flushRoundListener(out.FlushRound)
	inner := out.Unwritable
	out.Unwritable = func(err error) {
		b.log.Error("broker: the store is unwritable: sends are refused and topics registered read-only until restart", "err", err)
		b.registerSoon()
		if inner != nil {
			inner(err)
		}
	}
	return &out
}

// registration is the topic configs and data version registerAll sends.
// While the store is unwritable the topics go without write permission, so
// that clients send elsewhere and keep reading here, under a data version
// whose timestamp has its lowest bit flipped: a version the name server
// has not seen, so it takes the new permissions (and sees another when the
// broker, restarted, registers its own version again).
func (b *Broker) registration() (map[string]TopicConfig, DataVersion) {
	topics, version := b.topics.snapshot()
	if b.store.Err() == nil {
		return topics, version
	}
	for name, tc := range topics {
		tc.Perm &^= PermWrite
		topics[name] = tc
	}
	version.Timestamp ^= 1
	return topics, version
}

// registerAll sends REGISTER_BROKER with the topic configs to every
// nameserver. A nameserver that does not answer is tried again next time.
func (b *Broker) registerAll() {
	r := b.roles()
	if !r.known {
		return // controller mode: no role yet, nothing to route to
	}
	topics, version := b.registration()
	topics = b.withBrokerPermission(topics)
	version.StateVersion = int64(r.epoch)
	body, err := json.Marshal(topicFile{TopicConfigTable: topics, DataVersion: version})
	if err != nil {
		b.log.Error("register: encode the topic configs", "err", err)
		return
	}
	ext := map[string]string{
		"brokerAddr":         b.Addr(),
		"brokerName":         b.opts.BrokerName,
		"brokerId":           strconv.FormatInt(r.brokerID, 10),
		"clusterName":        b.opts.ClusterName,
		"haServerAddr":       b.haServerAddr(),
		"compressed":         "false",
		"bodyCrc32":          strconv.FormatInt(int64(crc32.ChecksumIEEE(body)&0x7FFFFFFF), 10),
		"enableActingMaster": "false",
	}
	for _, addr := range b.opts.NameServers {
		ctx, cancel := timeoutContext(registerTimeout)
		resp, err := b.client.InvokeSync(ctx, addr, b.signPeer(remoting.NewRequest(remoting.RequestRegisterBroker, ext, body)))
		cancel()
		if err == nil && resp.Code != remoting.ResponseSuccess {
			err = fmt.Errorf("code %d: %s", resp.Code, resp.Remark)
		}
		if err != nil {
			b.warnings.warn("register:"+addr, "register with a nameserver failed; trying again later", "nameserver", addr, "err", err)
		}
	}
}

// unregister tells every nameserver the broker is leaving.
func (b *Broker) unregister() {
	ext := map[string]string{
		"brokerAddr":  b.Addr(),
		"brokerName":  b.opts.BrokerName,
		"brokerId":    strconv.FormatInt(b.roles().brokerID, 10),
		"clusterName": b.opts.ClusterName,
	}
	for _, addr := range b.opts.NameServers {
		ctx, cancel := timeoutContext(registerTimeout)
		if _, err := b.client.InvokeSync(ctx, addr, b.signPeer(remoting.NewRequest(remoting.RequestUnregisterBroker, ext, nil))); err != nil {
			b.log.Warn("unregister from a nameserver failed", "nameserver", addr, "err", err)
		}
		cancel()
	}
}
