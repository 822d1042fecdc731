package testkit

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile/errorfs"
)

// SyncFailer is an errorfs.Injector that, while on, fails every sync of a
// file whose path contains a given part (a store's "commitlog", say): a
// disk whose writeback fails.
type SyncFailer struct {
	part string
	on   atomic.Bool
}

// FailSyncsOf returns a SyncFailer, off, for paths containing part.
func FailSyncsOf(part string) *SyncFailer { return &SyncFailer{part: part} }

// Set turns the failures on or off.
func (f *SyncFailer) Set(on bool) { f.on.Store(on) }

// MaybeError implements errorfs.Injector.
func (f *SyncFailer) MaybeError(op errorfs.Op, path string) error {
	if f.on.Load() && op == errorfs.OpSync && strings.Contains(path, f.part) {
		return fmt.Errorf("%w: sync of %s", errorfs.ErrInjected, path)
	}
	return nil
}

// WaitFor polls cond until it holds, failing the test after a generous
// deadline: tests wait for a condition, never for a time.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
