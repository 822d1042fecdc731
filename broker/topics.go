package broker

import (
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/store"
)

// TopicConfig is one topic's configuration, in RocketMQ's JSON shape.
type TopicConfig struct {
	TopicName       string `json:"topicName"`
	ReadQueueNums   int    `json:"readQueueNums"`
	WriteQueueNums  int    `json:"writeQueueNums"`
	Perm            int    `json:"perm"`
	TopicFilterType string `json:"topicFilterType"`
	TopicSysFlag    int    `json:"topicSysFlag"`
	Order           bool   `json:"order"`
}

// DataVersion tells nameservers whether topic configs changed since the
// last registration.
type DataVersion struct {
	Timestamp int64 `json:"timestamp"`
	Counter   int64 `json:"counter"`
	// StateVersion is the master epoch in controller mode (RocketMQ 5):
	// nameservers refuse a registration older than the live one by it, so
	// a deposed master cannot take its group's routes back.
	StateVersion int64 `json:"stateVersion,omitempty"`
}

// topicTable is the topic configs, persisted in config/topics.json. The
// configs an operator set (put, remove) are written before the call
// returns; those the broker derives (putDerived: topics auto-created on a
// first send, retry and dead-letter topics, copies of a master's configs)
// are written within derivedSaveInterval. A crash may lose the latter,
// which is safe: the broker makes them again the same way (the next send
// auto-creates the topic again, the slave copies again), and at start the
// topics of the store's consume queues that have no config get one again
// (restoreTopics), so no stored message is left without its topic.
type topicTable struct {
	path  string
	saver *lazySave

	mu      sync.RWMutex
	topics  map[string]TopicConfig
	version DataVersion
}

type topicFile struct {
	TopicConfigTable map[string]TopicConfig `json:"topicConfigTable"`
	DataVersion      DataVersion            `json:"dataVersion"`
}

func openTopicTable(dir string, queueNums int, autoCreate bool, log *slog.Logger) (*topicTable, error) {
	t := &topicTable{path: filepath.Join(dir, "topics.json"), topics: map[string]TopicConfig{}}
	t.saver = newLazySave(t.path, t.save, log)
	var f topicFile
	if err := loadJSON(t.path, &f); err != nil {
		return nil, err
	}
	if f.TopicConfigTable != nil {
		t.topics = f.TopicConfigTable
	}
	t.version = f.DataVersion
	if autoCreate {
		if _, ok := t.topics[AutoCreateTopicKey]; !ok {
			t.topics[AutoCreateTopicKey] = newTopicConfig(AutoCreateTopicKey, queueNums, autoCreatePerm)
		}
	} else {
		delete(t.topics, AutoCreateTopicKey)
	}
	t.touch()
	return t, t.saver.now()
}

func newTopicConfig(name string, queues, perm int) TopicConfig {
	return TopicConfig{TopicName: name, ReadQueueNums: queues, WriteQueueNums: queues, Perm: perm, TopicFilterType: "SINGLE_TAG"}
}

func (t *topicTable) touch() {
	t.version.Timestamp = time.Now().UnixMilli()
	t.version.Counter++
}

// save writes the table as it is now.
func (t *topicTable) save() error {
	t.mu.RLock()
	f := topicFile{TopicConfigTable: maps.Clone(t.topics), DataVersion: t.version}
	t.mu.RUnlock()
	return saveJSON(t.path, f)
}

// get returns topic's config.
func (t *topicTable) get(topic string) (TopicConfig, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	c, ok := t.topics[topic]
	return c, ok
}

// put creates or updates a topic and persists the table before it
// returns.
func (t *topicTable) put(c TopicConfig) error {
	if err := t.set(c); err != nil {
		return err
	}
	return t.saver.now()
}

// putDerived creates or updates a topic the broker can make again by
// itself; the table is persisted within derivedSaveInterval.
func (t *topicTable) putDerived(c TopicConfig) error {
	if err := t.set(c); err != nil {
		return err
	}
	t.saver.later()
	return nil
}

func (t *topicTable) set(c TopicConfig) error {
	if err := store.ValidateTopic(c.TopicName); err != nil {
		return err
	}
	if c.ReadQueueNums <= 0 || c.WriteQueueNums <= 0 || c.ReadQueueNums > 1024 || c.WriteQueueNums > 1024 {
		return fmt.Errorf("broker: topic %s: queue counts %d/%d must be 1..1024", c.TopicName, c.ReadQueueNums, c.WriteQueueNums)
	}
	if c.TopicFilterType == "" {
		c.TopicFilterType = "SINGLE_TAG"
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.topics[c.TopicName] = c
	t.touch()
	return nil
}

// remove deletes a topic and persists the table before it returns.
func (t *topicTable) remove(topic string) error {
	t.mu.Lock()
	delete(t.topics, topic)
	t.touch()
	t.mu.Unlock()
	return t.saver.now()
}

// close writes what is pending.
func (t *topicTable) close() error { return t.saver.close() }

// snapshot returns every config and the data version.
func (t *topicTable) snapshot() (map[string]TopicConfig, DataVersion) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return maps.Clone(t.topics), t.version
}

// TopicConfig returns a topic's configuration, if the broker has the topic.
func (b *Broker) TopicConfig(topic string) (TopicConfig, bool) { return b.topics.get(topic) }
