package flush

import "errors"

// allocBuffer allocates size bytes of Go memory: the portable fallback,
// which the collector scans like any other.
func allocBuffer(size int) ([]byte, error) { return make([]byte, size), nil }

func freeBuffer([]byte) error { return nil }

// lockBuffer cannot lock Go memory here: a pool asked to lock its buffers
// fails, or with BestEffortLock reports them unlocked.
func lockBuffer([]byte) error   { return errors.ErrUnsupported }
func unlockBuffer([]byte) error { return nil }
