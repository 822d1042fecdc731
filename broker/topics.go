package broker

import (
	"fmt"
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
}

// topicTable is the topic configs, persisted in config/topics.json.
type topicTable struct {
	path string

	mu      sync.RWMutex
	topics  map[string]TopicConfig
	version DataVersion
}

type topicFile struct {
	TopicConfigTable map[string]TopicConfig `json:"topicConfigTable"`
	DataVersion      DataVersion            `json:"dataVersion"`
}

func openTopicTable(dir string, queueNums int, autoCreate bool) (*topicTable, error) {
	t := &topicTable{path: filepath.Join(dir, "topics.json"), topics: map[string]TopicConfig{}}
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
	return t, t.saveLocked()
}

func newTopicConfig(name string, queues, perm int) TopicConfig {
	return TopicConfig{TopicName: name, ReadQueueNums: queues, WriteQueueNums: queues, Perm: perm, TopicFilterType: "SINGLE_TAG"}
}

func (t *topicTable) touch() {
	t.version.Timestamp = time.Now().UnixMilli()
	t.version.Counter++
}

func (t *topicTable) saveLocked() error {
	return saveJSON(t.path, topicFile{TopicConfigTable: t.topics, DataVersion: t.version})
}

// get returns topic's config.
func (t *topicTable) get(topic string) (TopicConfig, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	c, ok := t.topics[topic]
	return c, ok
}

// put creates or updates a topic and persists the table.
func (t *topicTable) put(c TopicConfig) error {
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
	return t.saveLocked()
}

// remove deletes a topic and persists the table.
func (t *topicTable) remove(topic string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.topics, topic)
	t.touch()
	return t.saveLocked()
}

// snapshot returns every config and the data version.
func (t *topicTable) snapshot() (map[string]TopicConfig, DataVersion) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return maps.Clone(t.topics), t.version
}

// TopicConfig returns a topic's configuration, if the broker has the topic.
func (b *Broker) TopicConfig(topic string) (TopicConfig, bool) { return b.topics.get(topic) }
