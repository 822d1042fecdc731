package broker

import (
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/rocketstore/rocketstore/store"
	"github.com/rocketstore/rocketstore/timer"
)

// Defaults, equal to RocketMQ's BrokerConfig where the concept is the same.
const (
	DefaultListenAddr            = "127.0.0.1:10911"
	DefaultBrokerName            = "broker-a"
	DefaultClusterName           = "DefaultCluster"
	DefaultTopicQueueNums        = 8                    // defaultTopicQueueNums
	DefaultRegisterInterval      = 30 * time.Second     // registerNameServerPeriod
	DefaultSuspendMax            = 15 * time.Second     // longPollingEnable's hold limit
	DefaultConsumerExpiry        = 120 * time.Second    // channelExpiredTimeout
	DefaultOffsetPersistInterval = 5 * time.Second      // flushConsumerOffsetInterval
	AutoCreateTopicKey           = "TBW102"             // the template topic of auto-created topics
	PermRead                     = 4                    // PermName.PERM_READ
	PermWrite                    = 2                    // PermName.PERM_WRITE
	PermInherit                  = 1                    // PermName.PERM_INHERIT
	DefaultPerm                  = PermRead | PermWrite // a new topic's perm
	autoCreatePerm               = DefaultPerm | PermInherit

	DefaultTraceTopic               = "RMQ_SYS_TRACE_TOPIC" // msgTraceTopicName
	DefaultTransactionTimeout       = 6 * time.Second       // transactionTimeOut
	DefaultTransactionCheckMax      = 15                    // transactionCheckMax
	DefaultTransactionCheckInterval = 60 * time.Second      // transactionCheckInterval
	DefaultRebalanceLockMaxLiveTime = 60 * time.Second      // rocketmq.broker.rebalance.lockMaxLiveTime
)

// Options configure a Broker. Zero values mean defaults.
type Options struct {
	// ListenAddr is where clients connect. Default 127.0.0.1:10911.
	ListenAddr string
	// NameServers are the nameserver addresses the broker registers with.
	NameServers []string
	// BrokerName, ClusterName and BrokerID identify the broker in routes
	// (BrokerID 0 is a master).
	BrokerName, ClusterName string
	BrokerID                int64
	// DataDir holds the store and the broker's config files. Default ./data.
	DataDir string
	// Store configures the message store; its StoreHost defaults to the
	// listen address.
	Store store.Options
	// AutoCreateTopic creates a topic on its first send (through the
	// TBW102 template), as autoCreateTopicEnable does. Default on; set
	// DisableAutoCreateTopic to turn it off.
	DisableAutoCreateTopic bool
	// DefaultTopicQueueNums is the queue count of auto-created topics.
	// Default 8.
	DefaultTopicQueueNums int
	// RegisterInterval is how often the broker registers again. Default 30 s.
	RegisterInterval time.Duration
	// SuspendMax bounds how long a pull waits for messages. Default 15 s.
	SuspendMax time.Duration
	// ConsumerExpiry drops a consumer that sent no heartbeat for this long.
	// Default 120 s.
	ConsumerExpiry time.Duration
	// OffsetPersistInterval is how often consumer offsets are written to
	// disk. Default 5 s.
	OffsetPersistInterval time.Duration

	// DisableMetrics turns the Prometheus instruments off
	// (MetricsRegistry is then nil). Default on.
	DisableMetrics bool
	// FlowControl configures how sends are refused under overload.
	FlowControl FlowControlOptions

	// Role is RoleAsyncMaster (default), RoleSyncMaster or RoleSlave. In
	// controller mode it is how the broker acts when elected master:
	// SYNC_MASTER unless ASYNC_MASTER is set.
	Role Role
	// Controller turns on controller mode (enableControllerMode): the
	// broker's role and master come from the controllers.
	Controller ControllerOptions
	// HAListenAddr is where a master accepts slaves. Default: the listen
	// port plus one (10912), as RocketMQ's haListenPort.
	HAListenAddr string
	// MasterHAAddr is the master's HA address a slave follows, and
	// MasterAddr its broker address (for topic configs and consumer
	// offsets). Required for a slave.
	MasterHAAddr, MasterAddr string
	// SyncReplicationTimeout bounds a SYNC_MASTER's wait for a slave.
	// Default 5 s (syncFlushTimeout).
	SyncReplicationTimeout time.Duration
	// SlaveSyncInterval is how often a slave copies the master's topic
	// configs and consumer offsets. Default 10 s.
	SlaveSyncInterval time.Duration

	// EnablePropertyFilter lets consumers subscribe with SQL92 expressions
	// over message properties (broker.conf enablePropertyFilter). Default
	// off, as in RocketMQ: such subscriptions are refused.
	EnablePropertyFilter bool
	// Timer configures timer messages (TIMER_DELIVER_MS, TIMER_DELAY_SEC,
	// TIMER_DELAY_MS): timerMaxDelaySec, timerPrecisionMs and
	// timerWheelEnable (Disabled). The timer runs on masters only; its FS
	// and Logger default to the store's and the broker's.
	Timer timer.Options

	// TransactionTimeout is how old a half (prepared) message must be
	// before its producer is asked for its state (transactionTimeOut).
	// Default 6 s.
	TransactionTimeout time.Duration
	// TransactionCheckMax is how many times a producer is asked before the
	// half message is given up and moved to TRANS_CHECK_MAX_TIME_TOPIC
	// (transactionCheckMax). Default 15.
	TransactionCheckMax int
	// TransactionCheckInterval is how often half messages are checked
	// (transactionCheckInterval). Default 60 s.
	TransactionCheckInterval time.Duration

	// RebalanceLockMaxLiveTime is how long an orderly consumer's lock on a
	// queue lasts without being renewed (RocketMQ's
	// rocketmq.broker.rebalance.lockMaxLiveTime). Default 60 s.
	RebalanceLockMaxLiveTime time.Duration

	// TraceTopicEnable creates the trace topic (MsgTraceTopicName, one
	// queue) at start, so that clients with tracing on can store their
	// traces here (traceTopicEnable). Default off, as RocketMQ's.
	TraceTopicEnable bool
	// MsgTraceTopicName names the trace topic. Default RMQ_SYS_TRACE_TOPIC.
	MsgTraceTopicName string
	// DisableTraceOn answers TRACE_ON=false to sends, which tells producers
	// not to send traces of them (RocketMQ's traceOn=false). Default: true
	// is answered, as RocketMQ's traceOn defaults to true.
	DisableTraceOn bool

	// ACLEnable checks every request against the accounts of ACLFile
	// (RocketMQ's aclEnable, plain_acl.yml): sends need PUB on their
	// topic, pulls and offsets SUB on their topic and group, topic, group,
	// offset-reset and config changes an admin account; a refused request
	// is answered NO_PERMISSION and logged. The ACL admin codes
	// (UPDATE_AND_CREATE_ACL_CONFIG, ...) are served. Default off.
	ACLEnable bool
	// ACLFile is the plain_acl.yml read when ACLEnable is set. Default
	// <DataDir>/config/plain_acl.yml, beside the broker's other config.
	ACLFile string
	// ClusterSecret is the secret the deployment's brokers and name servers
	// share (trusted peers): the broker signs its registrations and its
	// requests to its master with it (acl.SignCluster), accepts requests
	// signed with it without an ACL account, and authenticates the HA
	// connections of its slaves (or, on a slave, its master) with it.
	// Default none: registrations go unsigned and any HA peer is accepted.
	ClusterSecret string
	// HAMaxSlaves bounds the slaves a master serves at once; a connection
	// above it is refused and logged (haMaxSlaves). Default 16.
	HAMaxSlaves int

	// AutoCreateRate bounds the auto-creations a second: topics created by
	// a first send, subscription groups by a first heartbeat, retry topics
	// by a first send-back of an unknown group. One above it is refused
	// (SYSTEM_BUSY for a send; a heartbeat's group waits for a later one),
	// and logged. Default 100.
	AutoCreateRate int
	// QueryMaxNum caps a QUERY_MESSAGE's maxNum, as RocketMQ's
	// maxMsgsNumBatch does. Default 64.
	QueryMaxNum int
	// QueryMaxBytes bounds the records one QUERY_MESSAGE answers (the first
	// always goes), so that a response stays readable. Default 8 MiB.
	QueryMaxBytes int
	// MaxSuspendedPullsPerConn bounds the pulls one connection may have
	// suspended (long polling) at once; a pull above it is answered at once
	// with PULL_NOT_FOUND, and logged. Default 1024.
	MaxSuspendedPullsPerConn int

	// Logger receives the broker's log lines (refused and dropped
	// requests, background errors), and the store's unless Store.Logger is
	// set. Default slog.Default().
	Logger *slog.Logger
}

// Role is a broker's replication role (RocketMQ's BrokerRole).
type Role string

// The roles.
const (
	RoleAsyncMaster Role = "ASYNC_MASTER" // answers after the local write
	RoleSyncMaster  Role = "SYNC_MASTER"  // answers once a slave has the message
	RoleSlave       Role = "SLAVE"        // follows a master; takes no writes
)

func (o *Options) withDefaults() (Options, error) {
	var r Options
	if o != nil {
		r = *o
	}
	if r.ListenAddr == "" {
		r.ListenAddr = DefaultListenAddr
	}
	if r.BrokerName == "" {
		r.BrokerName = DefaultBrokerName
	}
	if r.ClusterName == "" {
		r.ClusterName = DefaultClusterName
	}
	if r.DataDir == "" {
		r.DataDir = "data"
	}
	if r.DefaultTopicQueueNums <= 0 {
		r.DefaultTopicQueueNums = DefaultTopicQueueNums
	}
	if r.RegisterInterval <= 0 {
		r.RegisterInterval = DefaultRegisterInterval
	}
	if r.SuspendMax <= 0 {
		r.SuspendMax = DefaultSuspendMax
	}
	if r.ConsumerExpiry <= 0 {
		r.ConsumerExpiry = DefaultConsumerExpiry
	}
	if r.OffsetPersistInterval <= 0 {
		r.OffsetPersistInterval = DefaultOffsetPersistInterval
	}
	switch r.Role {
	case "":
		r.Role = RoleAsyncMaster
		if r.Controller.Enable {
			r.Role = RoleSyncMaster
		}
	case RoleAsyncMaster, RoleSyncMaster:
	case RoleSlave:
		if r.Controller.Enable {
			r.Role = RoleSyncMaster // the controller decides who is slave
			break
		}
		if r.MasterHAAddr == "" || r.MasterAddr == "" {
			return r, fmt.Errorf("broker: a slave needs MasterHAAddr and MasterAddr")
		}
		if r.BrokerID <= 0 {
			r.BrokerID = 1
		}
	default:
		return r, fmt.Errorf("broker: unknown role %q (want ASYNC_MASTER, SYNC_MASTER or SLAVE)", r.Role)
	}
	if r.HAListenAddr == "" {
		if ap, err := netip.ParseAddrPort(r.ListenAddr); err == nil && ap.Port() != 0 {
			r.HAListenAddr = netip.AddrPortFrom(ap.Addr(), ap.Port()+1).String()
		} else if err == nil {
			r.HAListenAddr = netip.AddrPortFrom(ap.Addr(), 0).String()
		}
	}
	if r.SyncReplicationTimeout <= 0 {
		r.SyncReplicationTimeout = 5 * time.Second
	}
	if r.SlaveSyncInterval <= 0 {
		r.SlaveSyncInterval = 10 * time.Second
	}
	if r.TransactionTimeout <= 0 {
		r.TransactionTimeout = DefaultTransactionTimeout
	}
	if r.TransactionCheckMax <= 0 {
		r.TransactionCheckMax = DefaultTransactionCheckMax
	}
	if r.TransactionCheckInterval <= 0 {
		r.TransactionCheckInterval = DefaultTransactionCheckInterval
	}
	if r.RebalanceLockMaxLiveTime <= 0 {
		r.RebalanceLockMaxLiveTime = DefaultRebalanceLockMaxLiveTime
	}
	if r.MsgTraceTopicName == "" {
		r.MsgTraceTopicName = DefaultTraceTopic
	}
	if err := store.ValidateTopic(r.MsgTraceTopicName); err != nil {
		return r, fmt.Errorf("broker: msgTraceTopicName: %w", err)
	}
	r.limitDefaults()
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	if err := r.Controller.withDefaults(); err != nil {
		return r, err
	}
	if r.Controller.Enable {
		// Consumers must not see what a failover could take back.
		r.Store.HoldUnconfirmed = true
	}
	if r.Store.Logger == nil {
		r.Store.Logger = r.Logger
	}
	if err := r.Timer.Validate(); err != nil {
		return r, err
	}
	if !r.Store.CommitLog.StoreHost.IsValid() {
		if ap, err := netip.ParseAddrPort(r.ListenAddr); err == nil {
			r.Store.CommitLog.StoreHost = ap
		}
	}
	return r, nil
}
