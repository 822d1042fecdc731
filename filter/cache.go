package filter

import "sync"

// DefaultCacheSize is how many compiled expressions a Cache holds by
// default.
const DefaultCacheSize = 4096

// Cache compiles each expression once and keeps the result, errors
// included, so that a subscription is not parsed again on every pull. It
// holds at most its size; when full, a new entry replaces an arbitrary old
// one (a client sending endless new expressions cannot grow it). Safe for
// concurrent use.
type Cache struct {
	size int

	mu      sync.RWMutex
	entries map[cacheKey]compiled
}

type cacheKey struct {
	sql92 bool
	expr  string
}

type compiled struct {
	f   Filter
	err error
}

// NewCache returns a cache of at most size entries (DefaultCacheSize when
// size <= 0).
func NewCache(size int) *Cache {
	if size <= 0 {
		size = DefaultCacheSize
	}
	return &Cache{size: size, entries: make(map[cacheKey]compiled)}
}

// Compile is the package's Compile, cached.
func (c *Cache) Compile(typ, expr string) (Filter, error) {
	if !IsTag(typ) && !IsSQL92(typ) {
		return Compile(typ, expr) // the type's error; not worth a slot
	}
	k := cacheKey{sql92: IsSQL92(typ), expr: expr}
	c.mu.RLock()
	e, ok := c.entries[k]
	c.mu.RUnlock()
	if ok {
		return e.f, e.err
	}
	f, err := Compile(typ, expr)
	c.mu.Lock()
	if len(c.entries) >= c.size {
		for old := range c.entries {
			delete(c.entries, old)
			break
		}
	}
	c.entries[k] = compiled{f, err}
	c.mu.Unlock()
	return f, err
}

// Len is the number of cached expressions.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
