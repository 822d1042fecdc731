package nameserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"sync"
	"sync/atomic"

	"github.com/rocketstore/rocketstore/internal/atomicfile"
)

// The KV config: namespaced key/value pairs that admin tools store on
// the name server (RocketMQ's KVConfigManager), kept in one JSON file in
// RocketMQ's KVConfigSerializeWrapper shape:
//
//	{"configTable":{"<namespace>":{"<key>":"<value>",...},...}}
//
// A change is written to the file (atomically, synced) before it is
// visible and before it is acknowledged, so an acknowledged change
// survives a crash. RocketMQ applies it first and logs a failed write; a
// failed write here leaves the table as it was and answers an error.

// NamespaceOrderTopicConfig is RocketMQ's NAMESPACE_ORDER_TOPIC_CONFIG:
// per-topic orderTopicConf overrides, returned in routes when
// OrderMessageEnable is set and to brokers when they register.
const NamespaceOrderTopicConfig = "ORDER_TOPIC_CONFIG"

// kvTable is one immutable state of the KV config.
type kvTable map[string]map[string]string

// kvWrapper is the file's shape.
type kvWrapper struct {
	ConfigTable kvTable `json:"configTable"`
}

// kvStore holds the KV config. Reads take no lock; writers serialize on
// writeMu and publish a new table after writing the file.
type kvStore struct {
	path    string
	table   atomic.Pointer[kvTable]
	writeMu sync.Mutex
}

// openKV loads path; a missing file is an empty config, one that does not
// parse is an error (RocketMQ would start empty and overwrite it on the
// first change).
func openKV(path string) (*kvStore, error) {
	kv := &kvStore{path: path}
	t := kvTable{}
	if path == "" { // kept in memory only (Options.KVConfigPath)
		kv.table.Store(&t)
		return kv, nil
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("nameserver: kv config: %w", err)
	default:
		var w kvWrapper
		if err := json.Unmarshal(data, &w); err != nil {
			return nil, fmt.Errorf("nameserver: kv config %s: %w", path, err)
		}
		if w.ConfigTable != nil {
			t = w.ConfigTable
		}
	}
	kv.table.Store(&t)
	return kv, nil
}

// Get returns the value of key in namespace.
func (kv *kvStore) Get(namespace, key string) (string, bool) {
	v, ok := (*kv.table.Load())[namespace][key]
	return v, ok
}

// List returns a copy of namespace's pairs, or false when the namespace
// was never written.
func (kv *kvStore) List(namespace string) (map[string]string, bool) {
	m, ok := (*kv.table.Load())[namespace]
	return maps.Clone(m), ok
}

// Put sets key in namespace and persists.
func (kv *kvStore) Put(namespace, key, value string) error {
	return kv.change(func(t kvTable) bool {
		m := maps.Clone(t[namespace])
		if m == nil {
			m = map[string]string{}
		}
		m[key] = value
		t[namespace] = m
		return true
	})
}

// Delete removes key from namespace and persists. The namespace stays,
// empty, as in RocketMQ.
func (kv *kvStore) Delete(namespace, key string) error {
	return kv.change(func(t kvTable) bool {
		if _, ok := t[namespace][key]; !ok {
			return false
		}
		m := maps.Clone(t[namespace])
		delete(m, key)
		t[namespace] = m
		return true
	})
}

// change applies edit to a copy of the table and, if edit reports a
// change, writes it to the file and publishes it.
func (kv *kvStore) change(edit func(kvTable) bool) error {
	kv.writeMu.Lock()
	defer kv.writeMu.Unlock()
	next := maps.Clone(*kv.table.Load()) // namespaces are copied by the edit that changes them
	if !edit(next) {
		return nil
	}
	data, err := json.Marshal(kvWrapper{ConfigTable: next})
	if err != nil {
		return fmt.Errorf("nameserver: kv config: %w", err)
	}
	if kv.path != "" {
		if err := atomicfile.Write(kv.path, data, 0o644); err != nil {
			return fmt.Errorf("nameserver: kv config: %w", err)
		}
	}
	kv.table.Store(&next)
	return nil
}
