package broker

import (
	"errors"
	"fmt"
	"time"
)

// errAutoCreateLimited refuses an auto-creation above Options.AutoCreateRate.
var errAutoCreateLimited = errors.New("auto-creation rate limit reached")

// autoCreateBudget is the token bucket of auto-creations (topics on a first
// send, subscription groups and their retry topics on a first heartbeat or
// send-back): a client naming thousands of new topics or groups creates
// AutoCreateRate of them a second, not all at once.
type autoCreateBudget struct{ bucket tokenBucket }

func newAutoCreateBudget(perSecond int) *autoCreateBudget {
	rate := float64(perSecond)
	return &autoCreateBudget{bucket: tokenBucket{rate: rate, tokens: rate}}
}

// take takes one creation, or refuses.
func (a *autoCreateBudget) take(now time.Time) bool {
	b := &a.bucket
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// admitAutoCreate allows the auto-creation of a topic or group named name,
// or refuses it with errAutoCreateLimited (logged, one line a while).
func (b *Broker) admitAutoCreate(what, name string) error {
	if b.creations.take(time.Now()) {
		return nil
	}
	b.refusals.warn(b.log, "autocreate:"+what, what+" not auto-created: rate limit reached",
		"name", name, "perSecond", b.opts.AutoCreateRate)
	return fmt.Errorf("%w (%d a second): %s %s not created, try again later", errAutoCreateLimited, b.opts.AutoCreateRate, what, name)
}

// restoreTopics gives a config back to the topics whose consume queues
// the store holds but topics.json lost (a crash before an auto-created
// topic's config was written): as auto-creation would make it, with at
// least as many queues as the store has. The broker's own topics are
// made where they are needed.
func (b *Broker) restoreTopics() {
	tmpl, hasTmpl := b.topics.get(AutoCreateTopicKey)
	for topic, queues := range b.store.TopicQueueCounts() {
		if _, ok := b.topics.get(topic); ok || b.isOwnTopic(topic) {
			continue
		}
		n := queues
		if hasTmpl {
			n = max(n, min(b.opts.DefaultTopicQueueNums, tmpl.WriteQueueNums))
		}
		if err := b.topics.putDerived(newTopicConfig(topic, min(n, 1024), DefaultPerm)); err != nil {
			b.log.Error("topic config not restored", "topic", topic, "err", err)
			continue
		}
		b.log.Warn("topic config restored from the store's queues", "topic", topic, "queues", n)
	}
}
