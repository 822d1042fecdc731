// Package flush decides when written bytes become durable. It drives a
// Target, the log being made durable (a *mappedfile.Queue satisfies it), and
// owns no file of its own: it only moves the Target's three positions.
//
// # Positions
//
// Every byte of the log passes three offsets, in this order:
//
//	0                 FlushedOffset     CommittedOffset        MaxOffset
//	|-----------------|-----------------|----------------------|
//	 durable (fsynced)  in the files,     in a write buffer of
//	                    in the page cache the transient store
//	                    only              pool only
//
// Without a transient store pool, appends go straight to the mapped files
// and CommittedOffset equals MaxOffset; Commit does nothing.
//
// # Services
//
//   - IntervalFlusher (RocketMQ's ASYNC_FLUSH): flushes every Interval
//     (500 ms) when at least LeastPages (4) dirty pages wait, and every
//     ThoroughInterval (10 s) regardless.
//   - GroupCommit (SYNC_FLUSH): appenders Wait for their end offset; one
//     flusher makes everything written so far durable with one Flush and
//     answers every waiter that flush covered, with an adaptive linger so
//     that groups stay large under many concurrent appenders.
//   - Committer: with a TransientStorePool, moves bytes from the write
//     buffers into the files every Interval (200 ms, LeastPages 4) and every
//     ThoroughInterval (200 ms) regardless, then wakes the flusher.
//   - TransientStorePool lends the write buffers: pre-allocated off the Go
//     heap with an anonymous mmap, optionally locked in memory (on Windows,
//     ordinary Go memory that cannot be locked).
//
// Option zero values mean RocketMQ's defaults; each options struct has a
// Validate that reports every problem at once, and the constructors refuse
// invalid options.
//
// # Failures are sticky
//
// The first failed commit or flush poisons the service that met it: it
// never touches the target again, and every later Wait (GroupCommit) fails
// with that error, as does Close; Err returns it. After a failed sync the
// kernel may have marked the dirty pages clean without writing them, so a
// retry would report success for bytes that are not on the disk (the
// fsyncgate lesson); only reopening the log and recovering it is safe. The
// Hooks of each service report that failure (OnError), rounds slower
// than a threshold (OnStall) and, once per round that did work, its
// duration, bytes and group size (OnRound), from the service's goroutine.
//
// # Concurrency
//
// All methods are safe for concurrent use. Each service owns exactly one
// goroutine, started by its constructor and stopped by Close, which first
// flushes (or commits) once more and waits for the goroutine to end. Close
// may be called more than once; later calls, like every call after Close
// that can fail, return ErrClosed. A service calls Flush and Commit only from
// its own goroutine, never holding a lock of its own (GroupCommit.Wait reads
// FlushedOffset from the caller's goroutine); the Target must be safe for
// the other services and the appenders running beside it.
package flush
