// Package errorfs wraps a mappedfile.FS so that tests can make any of its
// operations fail: by kind (every Sync), by index (the 37th operation of
// the run, for sweeps that fail each operation in turn) or by chance
// (seeded, so a failure can be replayed). It is the seam's answer to "what
// if this write, this fsync, this rename fails?", in the spirit of pebble's
// vfs/errorfs.
//
// Every capability of a mapping is a method of mappedfile.Mapping, so the
// wrapper forwards all of them and hides none.
//
// A failed operation does nothing, with one exception that models Linux: a
// failed Sync loses its range for good. After a failed writeback the kernel
// marks the pages clean although they never reached the disk, so a retried
// msync or fdatasync "succeeds" without them; the wrapper never again passes
// those bytes to the backing's Flush, so that a MemFS below shows the loss at
// the next simulated power cut. (This is the pessimistic case: a later write
// to the same page could make the kernel write it again.)
//
// # Concurrency
//
// An FS and its mappings are safe for concurrent use as far as the wrapped
// FS is; injectors are safe for concurrent use.
package errorfs
