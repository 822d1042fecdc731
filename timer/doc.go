// Package timer holds messages until a given time and then delivers them
// into their real topics: RocketMQ 5's timer messages (TIMER_DELIVER_MS,
// TIMER_DELAY_SEC, TIMER_DELAY_MS), kept in a timer log and a time wheel
// as RocketMQ's TimerMessageStore keeps them, crash-safe, with nothing per
// timer on the heap.
//
// # Data path
//
// A broker's send path calls Rewrite: a message due later goes to Topic
// (rmq_sys_wheel_timer), queue 0, with its real topic and queue in
// REAL_TOPIC / REAL_QID and its due time in TIMER_OUT_MS. The Timer follows
// that queue through the store's public API (Store): for each message it
// appends a unit to the timer log and links it into the wheel slot of its
// due time. One slot spans Options.Precision; when a slot's time comes the
// timer walks its chain, sorts what it took by due time and, as each comes
// due, reads the message back from the commit log and puts it into its
// real topic, without REAL_TOPIC / REAL_QID and with PropertyOrigin set.
// A message whose slot was walked already is delivered at once.
//
// # Timer log unit (UnitSize = 52 bytes, big-endian)
//
//	+------+------+---------+-------+------------+-------------+------------+-----------+-------------+--------+
//	| 'T'  | 'W'  | version | flags | prev (8)   | walk ms (8) | due ms (8) | phys (8)  | phys size   | queue  |
//	| 0    | 1    | 2       | 3     | 4          | 12          | 20         | 28        | (4) 36      | (8) 40 |
//	+------+------+---------+-------+------------+-------------+------------+-----------+-------------+--------+
//	| CRC-32C of bytes 0..47 (4) 48 |
//	+-------------------------------+
//
// prev is the timer-log position of the previous unit of the same slot
// (-1: the first), so a slot's units form a list from its newest back.
// walk ms puts the unit in slot walk ms / precision; it equals the due
// time unless flags has the roll bit: a message due beyond the wheel
// waits in its farthest slot and then goes back into Topic (TIMER_ROLL_TIMES
// counts the rounds). phys and phys size locate the timer message in the
// commit log (its identity), queue is its offset in Topic's queue. Units
// are appended only; files hold a whole number of them.
//
// # Wheel slot (SlotSize = 24 bytes, big-endian), slot s at index s mod slots
//
//	+-------------------+-------------------+-----------+--------------+
//	| slot number (8)   | newest unit (8)   | count (4) | reserved (4) |
//	+-------------------+-------------------+-----------+--------------+
//
// A cell whose slot number is not s holds no unit of s. The wheel has
// slots for twice MaxDelay (and a minute), in a mapped file: it is derived
// data, rebuilt at every Open from the timer log, and never flushed.
//
// # Checkpoint (CheckpointSize = 112 bytes, two copies in timercheck)
//
// The first 56 bytes are RocketMQ's TimerCheckpoint: the walk time
// reached, the timer-log position, the timer-topic queue offset (twice)
// and a data version. rocketstore adds how far the current slot is walked
// (a timer-log position), the commit-log offsets at the checkpoint and at
// the start of the current slot's walk, the precision, the state of a
// rebuild, flags and a CRC. It is written only at a quiescent point (no
// unit taken and waiting), every FlushInterval: the commit log is flushed
// first, then the timer log, then the checkpoint.
//
// # Crash safety: every timer delivered, once
//
// Recovery re-does everything after the checkpoint, and three facts keep
// it from doing anything twice:
//
//   - Units appended after the checkpoint that survived are found by
//     scanning the timer log (a unit's CRC tells a torn tail; a unit whose
//     message lies beyond the commit log's end is cut with the rest), and
//     their messages are not linked again when the queue is read again.
//   - Every message the timer puts carries PropertyOrigin, the commit-log
//     offset of its timer message. Recovery scans the commit log written
//     since the checkpoint's commit-log offset and collects those origins:
//     a timer met again whose origin is there was delivered (or rolled)
//     already and is skipped. Until all of them are met again, checkpoints
//     keep the old commit-log offset, so a second crash finds them too.
//   - A checkpoint counts only durable work: the deliveries below its
//     commit-log offset and the units below its log position were flushed
//     before it was written. Lost tails (power loss) are simply done again.
//
// A delivered message is put with the store's own durability; under
// SYNC_FLUSH it survives a power loss once the put returns.
//
// The wheel rebuilt at Open skips the slots walked before the checkpoint;
// a wheel cell is reused for a later time only once a checkpoint recorded
// its slot as walked, so the rebuild never finds two live times in one
// cell.
//
// A slave does not run the timer: it stores its master's checkpoint
// (WriteCheckpoint, marked FromMaster). A timer opened on it later (the
// slave made a master), or one whose log was lost, rebuilds its log from
// the timer topic: messages below the checkpoint's queue offset due before
// its walk time were delivered; the others are linked again, and the
// commit log since the start of the checkpoint's slot tells which of those
// were delivered.
//
// # Concurrency
//
// A Timer has one goroutine (reading, walking, checkpointing) that puts
// up to Options.Parallelism messages at once; Close stops it and waits.
// Notify, Stats and Checkpoint are safe from any goroutine. Rewrite is a
// pure function.
package timer
