//go:build unix

package store

import "golang.org/x/sys/unix"

// benchSettle writes back every dirty page before a timed run, so that a run
// does not pay for the writeback of what came before it (fixture building,
// prewarming, the previous run).
func benchSettle() { unix.Sync() }
