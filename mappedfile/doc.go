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
// FS is the seam under a Queue. Every capability a backing may lack
// (zeroing a range in the file system, populating pages, finding the parts
// of a file that may hold data, evicting a mapping) is a method of Mapping
// that can answer errors.ErrUnsupported, so that a wrapper (errorfs) cannot
// hide it. OSFS creates files with their blocks allocated up front
// (fallocate on Linux, F_PREALLOCATE on macOS), so a write through the
// mapping can never meet a full disk (which would be SIGBUS); a full disk
// shows as ErrDiskFull from Create. CreateSparse (QueueOptions.Sparse) skips
// the allocation for files that are small or written little, as RocketMQ's
// consume-queue and index files are; a write into such a file's hole is
// preceded by File.Reserve, which answers ErrDiskFull where the write would
// have faulted. On Linux a mapping holds no file descriptor once mapped
// (the few calls that need one open the file for the call), so idle files,
// thousands of consume queues, cost none. Names become durable only through a
// directory sync: Create does it, and the queue syncs the directory after
// removing files. WriteFileAtomic replaces a small file through a synced
// temporary file and a rename. Linux has every capability; macOS, the BSDs
// and Windows build with portable fallbacks (osfs_<platform>.go).
//
// MemFS keeps files in memory, strict the way a disk is: it keeps the bytes
// a mapping shows apart from the bytes a Flush made durable, and the live
// names apart from the synced ones. Crash simulates a power loss (synced
// names, durable bytes, and optionally a seeded random subset of the pages
// written since their last flush); SetCapacity simulates a full disk. A
// closed MemFS mapping is poisoned, so that a read after unmap fails loudly.
//
// # Errors are sticky
//
// The first write (of a write buffer) or sync that fails poisons the file
// and its queue with an *IOError: every later Commit and Flush returns it
// and the flushed offset never moves again, because after a failed sync the
// kernel may have marked pages clean that never reached the disk. Only
// opening the files again (and recovering) clears it. Errors that no caller
// can receive (a removal when the last reader lets go) go to the queue's
// OnBackgroundError hook.
//
// # Concurrency
//
// File: Writable and Advance belong to the single appender (the caller's
// lock); Commit, Flush, Slice, Hold and Release are safe from any goroutine.
// Queue: every method is safe for concurrent use; Writable is for the single
// appender.
package mappedfile
