package ha

import (
	"context"
	"log/slog"
	"net"
	"time"
)

// Defaults equal RocketMQ's where the concept is the same.
const (
	DefaultBatchSize         = 32 << 10         // haTransferBatchSize
	DefaultHeartbeatInterval = 5 * time.Second  // haSendHeartbeatInterval
	DefaultMaxGapNotInSync   = 256 << 20        // haMaxGapNotInSync
	DefaultSyncTimeout       = 5 * time.Second  // syncFlushTimeout
	DefaultMaxSlaves         = 16               // slaves served at once; RocketMQ has no cap
	DefaultHandshakeTimeout  = 5 * time.Second  // an authenticating peer must finish this soon
	DefaultIdleTimeout       = 20 * time.Second // haHousekeepingInterval
	DefaultReportInterval    = 5 * time.Second  // haSendHeartbeatInterval, slave side
	DefaultReconnectInterval = time.Second
	DefaultDialTimeout       = 3 * time.Second
	DefaultMaxRecordSize     = 4 << 20       // maxMessageSize
	DefaultMaxBodySize       = 4<<20 + 1<<20 // the largest record plus 1 MiB of slack
)

// MasterOptions configure a Master. Zero values mean the documented defaults.
type MasterOptions struct {
	// BatchSize bounds the body of one frame, in bytes. Default 32 KiB.
	BatchSize int
	// HeartbeatInterval is how long a connection may go without a frame
	// before the master sends an empty one. Default 5 s.
	HeartbeatInterval time.Duration
	// MaxGapNotInSync is how far, in bytes, a slave's acknowledged offset may
	// trail the master's max offset for the slave to count as in sync.
	// Default 256 MiB.
	MaxGapNotInSync int64
	// SyncTimeout bounds WaitReplicated. Default 5 s.
	SyncTimeout time.Duration
	// PollInterval, when positive, makes a sender with nothing to send look
	// for new data this often even without Notify (for a Source whose
	// appends do not call it). Default 0: senders sleep until Notify, and
	// look again at each heartbeat, so an idle slave costs nothing.
	PollInterval time.Duration
	// Secret, when set, authenticates every connection before its slave is
	// served or counted: the slave must prove it knows the secret, and the
	// master proves it too (see auth.go). Only authenticated slaves
	// acknowledge puts. A slave needs the same SlaveOptions.Secret. Default
	// none: any peer is served, as RocketMQ's master serves any.
	Secret string
	// MaxSlaves bounds the slaves served at once; a connection above it is
	// closed, with a log line. Default 16.
	MaxSlaves int
	// HandshakeTimeout bounds a connection's authentication (with Secret).
	// Default 5 s.
	HandshakeTimeout time.Duration
	// IdleTimeout closes a slave's connection when it sends no report for
	// this long, or when a write to it blocks this long. It must exceed
	// the slaves' ReportInterval. Default 20 s.
	IdleTimeout time.Duration
	// Logger receives a line for every slave connection that ends and
	// why. Default slog.Default().
	Logger *slog.Logger

	// Epochs turns on epoch mode (controller mode): slaves hand over their
	// epoch history in a handshake and are cut back to the last offset
	// both logs agree on, frames carry epochs and the confirm offset, and
	// the SyncStateSet (SetSyncStateSet) decides what is confirmed. It is
	// the master's history, its current term last. Nil: classic mode.
	Epochs *EpochFile
	// BrokerID is the master's own id in its SyncStateSet (epoch mode).
	BrokerID int64
	// AckReplicas is how many members of the SyncStateSet, the master
	// included, must hold a put before WaitInSync returns (RocketMQ's
	// inSyncReplicas). Default 0: all of them (allAckInSyncStateSet).
	AckReplicas int
	// OnConfirm is called with the new confirm offset whenever it moves
	// (-1: the master is alone in its set and everything it writes is
	// confirmed), one call at a time and in order. It must not block.
	OnConfirm func(confirm int64)
}

func (o *MasterOptions) withDefaults() MasterOptions {
	var r MasterOptions
	if o != nil {
		r = *o
	}
	setDefault(&r.BatchSize, DefaultBatchSize)
	setDefault(&r.HeartbeatInterval, DefaultHeartbeatInterval)
	setDefault(&r.MaxGapNotInSync, DefaultMaxGapNotInSync)
	setDefault(&r.SyncTimeout, DefaultSyncTimeout)
	setDefault(&r.MaxSlaves, DefaultMaxSlaves)
	setDefault(&r.HandshakeTimeout, DefaultHandshakeTimeout)
	setDefault(&r.IdleTimeout, DefaultIdleTimeout)
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	return r
}

// SlaveOptions configure a Slave. Zero values mean the documented defaults.
type SlaveOptions struct {
	// MasterAddr is the master's HA address, host:port. Required.
	MasterAddr string
	// ReportInterval is the longest time between two reports. Default 5 s.
	ReportInterval time.Duration
	// ReconnectInterval is the pause before connecting again after a
	// connection ends or fails. Default 1 s.
	ReconnectInterval time.Duration
	// DialTimeout bounds one connection attempt. Default 3 s.
	DialTimeout time.Duration
	// IdleTimeout closes the connection when the master sends nothing for
	// this long, or when a report blocks this long. It must exceed the
	// master's HeartbeatInterval. Default 20 s.
	IdleTimeout time.Duration
	// MaxBodySize rejects a frame whose body size is larger, in bytes.
	// Default 5 MiB.
	MaxBodySize int
	// Secret is the master's MasterOptions.Secret: the slave proves it
	// knows it, and follows only a master that proves the same. Default
	// none (for a master without one).
	Secret string
	// HandshakeTimeout bounds the authentication with Secret. Default 5 s.
	HandshakeTimeout time.Duration
	// Logger receives a line whenever the cause of failing connections
	// changes (not one per retry), and in epoch mode the truncations.
	// Default slog.Default().
	Logger *slog.Logger
	// MaxRecordSize rejects a record larger than this, in bytes; it bounds
	// what a record split across frames keeps buffered. It must be at
	// least the master's largest record. A blank filler may be as large as
	// the rest of its file (a large batch leaves one so): it is checked by
	// its header and never buffered. Default 4 MiB.
	MaxRecordSize int
	// Dial connects to the master. Default: a net.Dialer with DialTimeout.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)

	// Epochs turns on epoch mode (controller mode; the master must run in
	// it too): the slave sends this history in a handshake, cuts its log
	// back to where the master says the two agree (Truncate, then the
	// history), records the epochs of what it receives, and passes the
	// master's confirm offset to OnConfirm. Nil: classic mode.
	Epochs *EpochFile
	// BrokerID is the slave's id in its group (epoch mode).
	BrokerID int64
	// MasterEpoch is the epoch of the master the controller named: a peer
	// answering with an older epoch is not followed (ErrStaleMaster).
	MasterEpoch int32
	// Truncate cuts the slave's log and the data derived from it back to
	// an offset (store.MessageStore.TruncateTo). Required in epoch mode.
	Truncate func(offset int64) error
	// OnConfirm receives the master's confirm offset, capped at what the
	// slave holds, after every frame (epoch mode). It must not block.
	OnConfirm func(confirm int64)
}

func (o *SlaveOptions) withDefaults() SlaveOptions {
	var r SlaveOptions
	if o != nil {
		r = *o
	}
	setDefault(&r.ReportInterval, DefaultReportInterval)
	setDefault(&r.ReconnectInterval, DefaultReconnectInterval)
	setDefault(&r.DialTimeout, DefaultDialTimeout)
	setDefault(&r.IdleTimeout, DefaultIdleTimeout)
	setDefault(&r.MaxBodySize, DefaultMaxBodySize)
	setDefault(&r.MaxRecordSize, DefaultMaxRecordSize)
	if r.Dial == nil {
		d := net.Dialer{Timeout: r.DialTimeout}
		r.Dial = d.DialContext
	}
	setDefault(&r.HandshakeTimeout, DefaultHandshakeTimeout)
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	return r
}

// setDefault replaces a zero or negative value, which cannot work for any
// of these settings, with its default.
func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
