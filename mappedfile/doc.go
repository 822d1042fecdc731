// Package mappedfile owns memory-mapped files and the ordered run of them
// that makes up a log.
//
// # Files
//
// A File is one fixed-size file mapped read-write, with three positions:
//
//	0            flushed        committed        wrote              Size
//	|  durable   |  in the file  | in the write   |   free           |
//	|            |  (page cache) | buffer only    |                  |
//
// wrote is how far the single appender has written and published (Advance);
// committed is how far those bytes have reached the file (it equals wrote
// unless a transient-store-pool write buffer is attached, whose bytes a
// committer writes into the file with Commit); flushed is how far they are durable (Flush).
// Positions only grow, except when recovery sets them (SetPositions).
//
// Readers take a reference (Hold, or a Slice that holds it) and release it
// when done; Destroy and Close drop the owner's reference, and the mapping is
// closed only when the count reaches zero, so a mapping is never unmapped
// under a reader. Destroy can force the removal after an interval: the
// region is then replaced in place by anonymous zero pages (Mapping.Evict),
// so a reader that still holds a slice reads zeros rather than faulting.
//
// # Queues
//
// A Queue is the run of equal-size files in one directory, each named by the
// offset of its first byte as 20 decimal digits (00000000001073741824). It
// finds the file holding an offset by arithmetic, rolls to a new file when
// the last is full (taking a file that its preallocator created in the
// background, so a roll does not wait on file creation), commits and
// flushes across files, truncates after an offset, and deletes files from
// the front.
//
// # File systems
//
// FS is the seam under a Queue. OSFS creates files with their blocks
// allocated up front (fallocate), so a write through the mapping can never
// meet a full disk (which would be SIGBUS); a full disk shows as ErrDiskFull
// from Create. MemFS keeps files in memory, with the bytes a mapping shows
// apart from the bytes a Flush made durable: CrashCopy simulates a power
// loss, and SetCapacity a full disk.
//
// # Concurrency
//
// File: Writable and Advance belong to the single appender (the caller's
// lock); Commit, Flush, Slice, Hold and Release are safe from any goroutine.
// Queue: every method is safe for concurrent use; Writable is for the single
// appender.
package mappedfile
