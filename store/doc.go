// Package store is the message store: a commit log (package commitlog) and
// the data derived from it, consume queues (package consumequeue) and the key
// index (package index), behind one type, MessageStore. It is what a broker,
// or any Go program, puts messages into and pulls them out of.
//
// # Layout under the root directory (as RocketMQ's)
//
//	commitlog/<20-digit offset>     the commit log
//	consumequeue/<topic>/<queueId>/ consume-queue files
//	index/<yyyyMMddHHmmssSSS>       index files
//	checkpoint                      how far each part is durable (4 KiB)
//	abort                           present while the store is open
//
// # Data path
//
// PutMessage appends to the commit log; the commit log asks the store for
// the message's queue offset under its append lock, so offsets follow the
// log's order. One dispatcher goroutine follows the log and writes each
// record's unit into its consume queue and its keys into the index, then
// tells Options.OnArrival (long polling). GetMessage reads units from a
// consume queue and returns the records they point at as held, zero-copy
// slices.
//
// # Recovery
//
// Consume queues and index are derived data: recovery trusts the commit
// log and rebuilds the rest from it. The checkpoint records the commit-log
// offset below which consume queues and index are durable (written after
// every thorough flush of them, and at Close), and the commit log's flushed
// offset at that time. At Open the commit log is scanned with CRC checks
// from the durable offset (or its third-last file, whichever is earlier;
// after a crash from the recorded flushed offset at the latest, since a
// power loss can leave a hole anywhere past the last flush) and truncated
// at the first bad record; consume
// queues are truncated to the log's end; index files holding entries past
// the durable offset are dropped; then every record from the durable
// offset on is dispatched again. Consume-queue puts are idempotent, so a
// record dispatched twice is written once. Without a checkpoint, or with
// every consume-queue and index file deleted, the whole log is dispatched
// again, which rebuilds them exactly. The abort marker tells whether the
// last run closed cleanly (RecoveryReport.Abnormal).
//
// # Cleanup
//
// A cleaner deletes commit-log files older than FileReservedTime at the
// DeleteWhen hours, at any hour above DiskMaxUsedSpaceRatio, and even
// unexpired ones above DiskSpaceCleanForciblyRatio; above
// DiskSpaceWarningLevelRatio puts fail with ErrDiskFull. It never deletes
// the file being written or one the dispatcher has not finished, and a
// file a reader holds is only unmapped after DestroyForciblyAfter. Then
// consume-queue and index files that only point below the log's new start
// go, and queue minimum offsets move forward.
//
// # Full disks and deleted topics
//
// Consume-queue and index files are sparse: each page is reserved
// (mappedfile.File.Reserve) before it is written, so a full disk is an error
// instead of a fault. A consume queue that cannot grow stops dispatch, and
// puts are refused (ErrDispatchFailing, matching ErrDiskFull) until it can;
// a record the index cannot take goes to its queue without its keys
// (UnindexedRecords) and puts are refused for a while. A store whose
// recovery meets a full disk opens anyway. Cleanup never deletes a file the
// flusher has not finished, and counts the files a forced cleanup deletes
// before their reserved time (EarlyDeletedFiles). DeleteTopic remembers the
// deleted topic and the log offset it was deleted at (deletedTopics.json)
// until cleanup drops its records, so that no later dispatch, even after a
// crash, brings them back into a topic created again with the name.
//
// # Lookup cache
//
// Key queries and lookups by offset message id go through a
// github.com/dgraph-io/ristretto/v2 cache bounded in bytes (CacheBytes),
// keyed by github.com/cespare/xxhash/v2 hashes. A key's cached answer is
// dropped when a new message with that key is indexed; cleanup drops every
// entry.
//
// # Failures and visibility
//
// The first failed write or sync of the commit log makes the store
// unwritable: every put, batch and flush fails with an *UnwritableError
// (ErrUnwritable and the cause) until the store is reopened, whose
// recovery keeps exactly what was durable (Err says so meanwhile). Nothing
// the store does in the background fails silently: the recovery report,
// new files, deleted files with the reason, slow flushes and the errors of
// dispatch, flushes, checkpoint and cleanup go to Options.Logger (one line
// per cause, repeated at most once a minute) and to Options.Events.
//
// # Replicas in controller mode
//
// With Options.HoldUnconfirmed, records reach the consume queues and the
// index only below the confirm offset (SetConfirmOffset; recorded in the
// checkpoint), so that consumers never see a record a failover could take
// back. TruncateTo cuts the commit log back to a record boundary and the
// derived data with it (units, index files past the cut, queue offsets,
// checkpoint): a demoted master calls it when its new master says where
// their histories part. RecoverQueueOffsets makes a replica that becomes
// master count queue offsets from its consume queues.
//
// # Checking a directory
//
// Check verifies a store directory without opening it (framing and CRC of
// every record; every consume-queue unit and index entry against the
// record it points at; the checkpoint against the log); Inspect describes
// one and plans what recovery would do; ReadRecords and ReadQueue read its
// records. The rocketstore command's verify, inspect and dump are built on
// them, and every store test checks its directory after Close.
package store
