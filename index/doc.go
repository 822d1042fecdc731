// Package index is the message-key index of a store: hash index files in
// RocketMQ's layout that map "topic#key" (every key of the KEYS property,
// and the unique id) to commit-log offsets, queried by key within a time
// range, newest first.
//
// # File layout (big-endian)
//
//	header   40 bytes: begin timestamp 8 | end timestamp 8 |
//	                   begin physical offset 8 | end physical offset 8 |
//	                   hash slot count 4 | index count 4
//	slots    SlotCount × 4 bytes: the newest entry number of each slot (0 = empty)
//	entries  MaxEntries × 20 bytes: key hash 4 | physical offset 8 |
//	                   seconds since the begin timestamp 4 | previous entry number 4
//
// Entry 0 is never used (index count starts at 1), so 0 ends a chain. A key
// goes to slot hash % SlotCount; its entry links to the slot's previous
// newest entry, so a query walks a chain from newest to oldest and keeps
// entries whose hash and time match. Hashes collide: callers re-check the
// key on the record. A file is full at MaxEntries; the next file is named
// by its creation time (yyyyMMddHHmmssSSS).
//
// The key hash on disk is RocketMQ's (the absolute value of Java's
// String.hashCode of the key) so that files stay compatible with
// RocketMQ's; xxhash is used by the store's lookup cache above this
// package, where no on-disk format is at stake.
//
// # Concurrency
//
// Put is for the single dispatcher; queries run concurrently with it. Each
// file has a read-write lock: Put holds it for one entry, a query for one
// chain walk. A file's mapping is read and written only under a hold on
// its mapped file (mappedfile.File.Hold): cleanup (DeleteExpired) and
// TruncateAfter take a file out of the service at once, but it is unmapped
// and deleted only when the last query reading it lets go. After Close
// every call returns ErrClosed.
package index
