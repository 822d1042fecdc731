// Package ha replicates a commit log from a master to its slaves over TCP,
// in Apache RocketMQ's HA wire format (DefaultHAService, HAConnection,
// DefaultHAClient, GroupTransferService).
//
// # Wire format
//
// All integers are big-endian. The slave speaks first and only ever sends
// reports: its commit log's max offset, on connect, after each batch it
// appended, and at least every SlaveOptions.ReportInterval.
//
//	slave -> master   +----------------------------+
//	                  | max offset (8)             |
//	                  +----------------------------+
//
// The master streams raw commit-log bytes from the slave's first report
// (from the start of its last file when the slave reports 0), one frame per
// batch of at most MasterOptions.BatchSize bytes, never crossing a file. A
// frame with a body size of 0 is a heartbeat, sent every
// MasterOptions.HeartbeatInterval when there is nothing else to send.
//
//	master -> slave   +---------------------+---------------+-------------+
//	                  | physical offset (8) | body size (4) | body ...    |
//	                  +---------------------+---------------+-------------+
//
// # Trust
//
// Nothing a peer sends can corrupt a log. A master closes the connection of
// a slave whose report is negative, goes back, or lies beyond the master's
// max offset or beyond the bytes streamed to it. A slave checks every frame's offset against the end of what it
// holds, and every record it receives (framing, body CRC, PHYSICALOFFSET
// equal to its position, a blank filler only where it ends its file) before
// handing whole records to its Sink; a frame is applied whole or not at all,
// and a record split across frames waits, bounded, until it is complete. A
// rejected stream closes the connection with a *StreamError and the slave
// reconnects.
//
// # Trusted peers
//
// Anyone who can reach the HA port could play a slave and acknowledge every
// frame, and a SYNC_MASTER would then answer SEND_OK for messages no real
// slave holds. With a shared secret (MasterOptions.Secret,
// SlaveOptions.Secret) each connection begins with an HMAC-SHA256
// challenge-response in both directions (auth.go), before the reports and
// frames above, which stay RocketMQ's; a peer that fails it is closed and
// logged, and only authenticated slaves are served, counted and heard.
// MasterOptions.MaxSlaves bounds the slaves served and a fixed number of
// handshakes may be under way at once, each for at most HandshakeTimeout:
// connections above either are closed, with a log line (one per cause every
// 10 s).
//
// # Synchronous replication
//
// A SYNC_MASTER broker calls Master.WaitReplicated with the end offset of a
// put: it returns once any slave has acknowledged that offset,
// ErrSlaveNotAvailable at once when no connected slave is within
// MasterOptions.MaxGapNotInSync of the master, and ErrFlushSlaveTimeout
// after MasterOptions.SyncTimeout.
//
// A report acknowledges only bytes the master streamed on that connection:
// with streaming begun at s, a report r counts for the puts ending in
// (s, r]. What a slave held when it connected proves nothing, since its log
// may have diverged from the master's (a slave that wrote records of its
// own, or one restored from another copy), so its first report is not an
// acknowledgement; and a report beyond the bytes streamed to it closes the
// connection. Acknowledged ranges of successive connections are kept
// apart, merged only where they touch.
//
// # Epoch mode (controller mode)
//
// With MasterOptions.Epochs and SlaveOptions.Epochs (an EpochFile, the
// broker's history of master terms in RocketMQ's epochFileCheckpoint
// format), a connection starts with a handshake: the slave sends its
// history, the master answers the last offset both logs agree on
// (ConsistentPoint) and the slave cuts its log back there
// (SlaveOptions.Truncate) before its first report, which must name that
// offset. Frames then also carry the epoch of their bytes (never two in
// one frame), where that epoch began, and the confirm offset; the slave
// records new epochs as they come. See epochwire.go for the layout: it is
// rocketstore's, modelled on RocketMQ 5's AutoSwitchHAService, where the
// slave finds the point itself.
//
// The master holds a SyncStateSet (SetSyncStateSet): the confirm offset
// is what every member holds (ConfirmOffset, passed to OnConfirm and to
// the slaves), WaitInSync waits for the members a synchronous put needs
// (all, or AckReplicas), and SlaveState.CaughtUpAt tells the caller when a
// member fell behind.
//
// # Concurrency
//
// Master and Slave methods are safe for concurrent use. Each owns its
// goroutines (an accept loop and two per slave connection on the master; a
// connect loop and a reporter on the slave) and Close stops and waits for
// them. A sender with nothing to send sleeps until Notify, which the
// owner of the Source calls after every append, or until its next
// heartbeat: idle slaves cost the master nothing. The Source must allow reads concurrent with appends and the Sink's
// AppendRaw is called from one goroutine at a time, both as commitlog.Log
// does; neither is closed by this package.
package ha
