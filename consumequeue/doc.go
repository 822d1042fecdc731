// Package consumequeue is the per topic/queue index of a commit log: one
// directory per topic and queue id (consumequeue/<topic>/<queueId>/), files
// of fixed-size units in RocketMQ's layout, named by the byte offset of
// their first unit as 20 decimal digits.
//
// # Unit layout (20 bytes, big-endian)
//
//	0  commit-log offset  int64
//	8  record size        int32
//	12 tags code          int64   Java hash of the TAGS property (0: none)
//
// Logical offset n is the unit at byte n*20. Units are written in logical
// order by the dispatcher. Put is idempotent: a unit below the queue's end
// is ignored, and a gap is filled with blank units (offset 0, size
// math.MaxInt32, tags 0) so that logical offsets stay aligned with bytes.
//
// The queue is derived data: recovery keeps the valid prefix and the caller
// truncates it to the commit log's end (TruncateAfterCommitLogOffset).
//
// # Concurrency
//
// Put is for the single dispatcher; reads (Unit, Scan) are safe from any
// goroutine at the same time.
package consumequeue
