package store

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/cespare/xxhash/v2"
	"github.com/dgraph-io/ristretto/v2"
)

// keyGenerations is how many generation counters key queries are spread
// over; a new index entry for a key bumps its counter.
const keyGenerations = 4096

// cacheEntryOverhead is charged per entry on top of its bytes.
const cacheEntryOverhead = 96

// lookupCache serves repeated key queries and message-id lookups (trace and
// admin tools ask the same ones again and again) from memory.
//
// Entries are keyed by the xxhash of what was asked, and keep the question
// itself to rule out collisions. A key query's answer changes when a new
// message with the key is indexed: the dispatcher bumps the key's
// generation after indexing it, and an answer computed under an older
// generation is not served. Cleanup bumps the epoch, which retires every
// entry at once.
type lookupCache struct {
	c     *ristretto.Cache[uint64, *cacheEntry]
	epoch atomic.Uint64
	gens  [keyGenerations]atomic.Uint64

	hits, misses atomic.Int64
}

type cacheEntry struct {
	question string
	epoch    uint64
	gen      uint64   // key queries: the key's generation when computed
	records  [][]byte // key queries: the matching records, newest first
	record   []byte   // message-id lookups: the record
}

func newLookupCache(maxBytes int64) (*lookupCache, error) {
	c, err := ristretto.NewCache(&ristretto.Config[uint64, *cacheEntry]{
		NumCounters: max(1000, maxBytes/1024*10), // ~10 per expected 1 KiB entry
		MaxCost:     maxBytes,
		BufferItems: 64,
	})
	if err != nil {
		return nil, fmt.Errorf("store: lookup cache: %w", err)
	}
	return &lookupCache{c: c}, nil
}

func (l *lookupCache) close() { l.c.Close() }

// invalidate retires every entry (files were deleted).
func (l *lookupCache) invalidate() { l.epoch.Add(1) }

func keyGen(topic, key string) int {
	var buf [256]byte
	b := append(append(append(buf[:0], topic...), '#'), key...) // on the stack for most keys
	return int(xxhash.Sum64(b) % keyGenerations)
}

// keyChanged is called after topic#key was indexed again.
func (l *lookupCache) keyChanged(topic, key string) { l.gens[keyGen(topic, key)].Add(1) }

// queryQuestion is the cache key of a key query.
func queryQuestion(topic, key string, max, maxBytes int, begin, end int64) string {
	b := make([]byte, 0, len(topic)+len(key)+32)
	b = append(b, 'q')
	b = binary.AppendUvarint(b, uint64(len(topic)))
	b = append(b, topic...)
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	b = binary.AppendVarint(b, int64(max))
	b = binary.AppendVarint(b, int64(maxBytes))
	b = binary.AppendVarint(b, begin)
	b = binary.AppendVarint(b, end)
	return string(b)
}

// queryGen reads the generation a key query's answer is computed under;
// read it before querying the index.
func (l *lookupCache) queryGen(topic, key string) uint64 {
	return l.gens[keyGen(topic, key)].Load()
}

// getQuery returns private copies of a cached key query's records.
func (l *lookupCache) getQuery(topic, key, question string) ([][]byte, bool) {
	e, ok := l.get(question)
	if !ok || e.gen != l.queryGen(topic, key) {
		l.misses.Add(1)
		return nil, false
	}
	l.hits.Add(1)
	out := make([][]byte, len(e.records))
	for i, r := range e.records {
		out[i] = slices.Clone(r)
	}
	return out, true
}

// stamp is the epoch an answer is computed under; read it before reading
// the files, so that an answer read from a file cleanup deletes meanwhile
// is born stale.
func (l *lookupCache) stamp() uint64 { return l.epoch.Load() }

// putQuery caches a key query's records, which the caller must not modify
// afterwards.
func (l *lookupCache) putQuery(question string, epoch, gen uint64, records [][]byte) {
	cost := cacheEntryOverhead + len(question)
	for _, r := range records {
		cost += len(r) + 24
	}
	l.c.Set(xxhash.Sum64String(question), &cacheEntry{question: question, epoch: epoch, gen: gen, records: records}, int64(cost))
}

// recordQuestion is the cache key of a lookup by physical offset.
func recordQuestion(phys int64) string {
	var b [9]byte
	b[0] = 'r'
	binary.BigEndian.PutUint64(b[1:], uint64(phys))
	return string(b[:])
}

func (l *lookupCache) getRecord(phys int64) ([]byte, bool) {
	e, ok := l.get(recordQuestion(phys))
	if !ok {
		l.misses.Add(1)
		return nil, false
	}
	l.hits.Add(1)
	return slices.Clone(e.record), true
}

// putRecord caches record, which the caller must not modify afterwards;
// getRecord hands out copies.
func (l *lookupCache) putRecord(phys int64, epoch uint64, record []byte) {
	q := recordQuestion(phys)
	e := &cacheEntry{question: q, epoch: epoch, record: record}
	l.c.Set(xxhash.Sum64String(q), e, int64(cacheEntryOverhead+len(record)))
}

func (l *lookupCache) get(question string) (*cacheEntry, bool) {
	e, ok := l.c.Get(xxhash.Sum64String(question))
	if !ok || e.question != question || e.epoch != l.epoch.Load() {
		return nil, false
	}
	return e, true
}

// CacheStats counts lookup-cache hits and misses since open.
type CacheStats struct{ Hits, Misses int64 }

// CacheStats reports the lookup cache's hits and misses.
func (s *MessageStore) CacheStats() CacheStats {
	if s.cache == nil {
		return CacheStats{}
	}
	return CacheStats{Hits: s.cache.hits.Load(), Misses: s.cache.misses.Load()}
}
