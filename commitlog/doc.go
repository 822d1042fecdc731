// Package commitlog is rocketstore's commit log: a segmented, memory-mapped,
// append-only log whose records are byte-compatible with Apache RocketMQ's
// CommitLog.
//
// # Layout
//
// The log is a run of equal-size files in one directory, each named by the
// physical offset of its first byte as 20 decimal digits:
//
//	00000000000000000000  00000000001073741824  00000000002147483648 ...
//	|rec|rec|...|blank|   |rec|rec|...|blank|   |rec|rec|  (write position)
//
// Each record is one message in RocketMQ's layout (see package message). A
// record never spans two files: when the next record (plus the 8-byte minimum
// filler) does not fit in the rest of a file, the rest is filled with a blank
// record (TOTALSIZE = remaining bytes, MAGICCODE = message.BlankMagicCode) and
// the record goes at the start of the next file. Every full file therefore
// ends with a blank record, and a reader that meets one moves to the next file.
//
// What may sit at an offset is defined once, by Layout: PeekUnit classifies
// the bytes at an offset from their header (a record, the blank filler, zero
// padding of fewer than 8 bytes at a file's end, or nothing written), and
// CheckUnit and DecodeRecord verify a whole unit: framing, its
// PHYSICALOFFSET field against its position, and with verify what framing
// cannot see. Recovery, the iterator, Read and a replication slave's check
// of the master's stream all use it.
//
// Which check covers which bytes of a record (package message says more):
//
//	TOTALSIZE, MAGICCODE      PeekUnit: a known magic, a size the file allows
//	PHYSICALOFFSET            CheckUnit, DecodeRecord, CheckPlaced: the
//	                          record's position
//	SYSFLAG's host bits,      framing: the hosts' and the variable parts'
//	the lengths               lengths must end exactly at TOTALSIZE
//	BODY                      verify: BODYCRC
//	TOPIC, PROPERTIES         verify: RocketMQ's topic characters, properties
//	                          that parse with no NUL (the body CRC does not
//	                          cover them, and RocketMQ's layout puts them
//	                          last, where a torn write zeroes first)
//	the other fixed fields    nothing: any value is valid
//
// A replication slave verifies every record; Read verifies nothing but the
// placement; the iterator verifies when asked (a store's dispatcher does
// while it catches up after recovery). Recovery verifies every record it
// scans, the topic and properties even with SkipCRCOnRecover.
//
// # Durability
//
// Append and AppendBatch encode straight into the current mapped file (or a
// transient store pool buffer) under one append lock, then wait for the
// durability the log was opened with outside the lock:
//
//   - AsyncFlush: nothing; an interval flusher makes the bytes durable within
//     FlushInterval (when FlushLeastPages pages wait) or FlushThoroughInterval.
//   - SyncFlush: the call returns only once a group commit has made the record
//     durable (one fsync covers every appender waiting at the time), or fails
//     with ErrFlushTimeout. A message whose WAIT property is "false" does not wait.
//   - TransientStorePool (either mode): records are written to pre-allocated
//     buffers and committed into the files with pwrite(2) by a committer and,
//     under SyncFlush, before each group-commit flush; reads of bytes not yet
//     committed are served from the buffers. Appends then take no page faults
//     on the mapped files, whose first write to a page of a preallocated file
//     waits for the journal while a flush commits it.
//
// # Errors are sticky
//
// The first write or sync of the files that fails poisons the log: every
// later Append, AppendBatch, AppendRaw, Flush and durability wait fails
// with an error matching ErrPoisoned and the cause (Log.Err returns it), the
// flushed offset never moves again, and only reopening (which recovers
// exactly what was durable) clears it. After a failed msync or fdatasync
// the kernel may have marked the pages clean without writing them, so a
// retry would acknowledge records that are not on the disk. A full disk at
// a roll is not such a failure: nothing was written, and appends succeed
// again once space is freed (ErrDiskFull).
//
// # Events
//
// Options.Events (optional callbacks) and Options.Logger report what the
// log's background work cannot return to a caller: a roll to a new file, a
// commit or flush round slower than FlushStallThreshold, the poisoning,
// and other background errors (a removal that failed once the last reader
// let go of a deleted file, for example).
//
// # Recovery
//
// Open scans from the last good point (the third-last file, Options.RecoverFrom's
// file, or earlier when that file's first record is not valid), checks
// framing and physical offsets as it walks, and meanwhile, on every core,
// body CRCs, topics and properties; it truncates the log before the first
// record that fails any of them (zeroing the torn tail so it can never be
// read back), and reports what it dropped, and why, in Log.Recovery.
// Append refuses what recovery would drop (message.EncodedSize checks the
// topic's characters and the properties), so recovery drops only records
// whose bytes changed after they were written.
// TruncateTo cuts the log back at run time, to a record boundary the
// caller names (a replica cutting back what its new master never had).
//
// # Concurrency
//
// All methods are safe for concurrent use. Appends are serialised by the
// append lock; reads take no lock and hold the file they read, so a file is
// never unmapped while an Entry from it is unreleased. Every Entry and
// mappedfile.Slice a read returns must be released exactly once, and before
// Close.
package commitlog
