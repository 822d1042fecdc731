package errorfs

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// Injector decides, for each operation, whether it fails.
type Injector interface {
	// MaybeError returns the error the operation op on path fails with, or
	// nil to let it run.
	MaybeError(op Op, path string) error
}

// Counter counts the operations of a set and fails the one at a given
// index: the tool of a sweep, which first counts a scenario's operations
// and then runs it once per index.
type Counter struct {
	ops   OpSet
	fail  int64 // index to fail, or -1
	n     atomic.Int64
	fired atomic.Pointer[InjectedError]
}

// OnIndex fails the operation at index (counting from 0) among those in
// ops (every operation when none), and no other.
func OnIndex(index int64, ops ...Op) *Counter {
	return &Counter{ops: Ops(ops...), fail: index}
}

// CountOnly counts the operations in ops (every operation when none) and
// fails none.
func CountOnly(ops ...Op) *Counter { return &Counter{ops: Ops(ops...), fail: -1} }

// MaybeError implements Injector.
func (c *Counter) MaybeError(op Op, path string) error {
	if !c.ops.Has(op) {
		return nil
	}
	if i := c.n.Add(1) - 1; i == c.fail {
		e := &InjectedError{Op: op, Path: path, Index: i}
		c.fired.Store(e)
		return e
	}
	return nil
}

// Count is how many operations of the set were seen.
func (c *Counter) Count() int64 { return c.n.Load() }

// Fired is the injected failure, or nil when the index was not reached.
func (c *Counter) Fired() *InjectedError { return c.fired.Load() }

// Always fails every operation in ops (every operation when none).
func Always(ops ...Op) Injector { return always(Ops(ops...)) }

type always OpSet

func (a always) MaybeError(op Op, path string) error {
	if !OpSet(a).Has(op) {
		return nil
	}
	return &InjectedError{Op: op, Path: path, Index: -1}
}

// Randomly fails each operation in ops (every operation when none) with
// probability p, drawn from a generator seeded with seed, so that a run
// can be replayed (as far as the order of operations is the same).
func Randomly(p float64, seed uint64, ops ...Op) Injector {
	return &random{ops: Ops(ops...), p: p, rng: rand.New(rand.NewPCG(seed, 0xe770f5))}
}

type random struct {
	ops OpSet
	p   float64
	mu  sync.Mutex
	rng *rand.Rand
	n   int64
}

func (r *random) MaybeError(op Op, path string) error {
	if !r.ops.Has(op) {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	i := r.n
	r.n++
	if r.rng.Float64() < r.p {
		return &InjectedError{Op: op, Path: path, Index: i}
	}
	return nil
}

// Switch turns an injector on and off; it starts off.
type Switch struct {
	inner Injector
	on    atomic.Bool
}

// Toggle returns a Switch, off, around inner.
func Toggle(inner Injector) *Switch { return &Switch{inner: inner} }

// Set turns the injector on or off.
func (s *Switch) Set(on bool) { s.on.Store(on) }

// MaybeError implements Injector: the inner injector's answer while on.
func (s *Switch) MaybeError(op Op, path string) error {
	if !s.on.Load() {
		return nil
	}
	return s.inner.MaybeError(op, path)
}
