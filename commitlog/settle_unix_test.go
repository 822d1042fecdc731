//go:build unix

package commitlog

import "golang.org/x/sys/unix"

// settlePageCache writes back every dirty page before a timed run, so that
// a run does not pay for the writeback of the one before it.
func settlePageCache() { unix.Sync() }
