// Package flush decides when written bytes become durable. It drives a
// Target (a *mappedfile.Queue satisfies it) with three services, each owning
// one goroutine started by its constructor and stopped by Close:
//
//   - IntervalFlusher (ASYNC_FLUSH): flushes every Interval when at least
//     LeastPages dirty pages wait, and every ThoroughInterval regardless.
//   - GroupCommit (SYNC_FLUSH): appenders Wait for their end offset; one
//     flusher makes everything written so far durable with one flush and
//     completes every waiter that flush covered.
//   - Committer: with a transient store pool, moves written bytes from the
//     write buffers into the files every Interval (LeastPages) or
//     ThoroughInterval, then wakes the flusher.
//
// TransientStorePool lends the write buffers: pre-allocated off the Go heap
// with an anonymous mmap and optionally locked in memory.
//
// Defaults equal RocketMQ's. All methods are safe for concurrent use.
package flush
