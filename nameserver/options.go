package nameserver

import (
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// Defaults, equal to RocketMQ 4.x's name server where the concept is the
// same.
const (
	// DefaultBrokerExpiry is how long a broker may stay silent before it is
	// dropped (RouteInfoManager's BROKER_CHANNEL_EXPIRED_TIME): four missed
	// 30 s registrations.
	DefaultBrokerExpiry = 120 * time.Second
	// DefaultScanInterval is how often silent brokers are looked for
	// (NamesrvController's scanNotActiveBroker period).
	DefaultScanInterval = 10 * time.Second
	// DefaultAddr is the address RocketMQ's name server listens on.
	DefaultAddr = "127.0.0.1:9876"
)

// Options configure a NameServer. Zero values mean defaults.
type Options struct {
	// BrokerExpiry is how long after its last registration a broker is
	// dropped. A broker may ask for another value with the
	// heartbeatTimeoutMillis registration field. Default
	// DefaultBrokerExpiry.
	BrokerExpiry time.Duration
	// ScanInterval is the period of the expiry scan. Default
	// DefaultScanInterval.
	ScanInterval time.Duration
	// Now is the clock used for registration times and expiry (not for the
	// scan period, which is real time). Default time.Now.
	Now func() time.Time
	// Logger receives registrations, expiries, dropped broker connections,
	// admin changes and refused requests (one line per cause every 10 s).
	// Default slog.Default().
	Logger *slog.Logger

	// KVConfigPath is the file the KV config (PUT_KV_CONFIG, ...) persists
	// to (RocketMQ's kvConfigPath). Empty keeps it in memory only, so that
	// an embedded name server writes nothing outside its caller's
	// directories; `rocketstore namesrv` defaults it to RocketMQ's
	// ~/namesrv/kvConfig.json and `rocketstore serve` to the data
	// directory.
	KVConfigPath string
	// OrderMessageEnable fills a route's orderTopicConf from the KV config
	// namespace ORDER_TOPIC_CONFIG (RocketMQ's orderMessageEnable).
	// Default false.
	OrderMessageEnable bool
	// DisableAllTopicList refuses GET_ALL_TOPIC_LIST_FROM_NAMESERVER
	// (RocketMQ's enableAllTopicList=false). Default: answered.
	DisableAllTopicList bool
	// DisableTopicList refuses GET_TOPICS_BY_CLUSTER and the unit topic
	// lists (RocketMQ's enableTopicList=false). Default: answered.
	DisableTopicList bool

	// ACLEnable checks the name server's admin requests (topic deletion,
	// KV config writes, write permission changes, config updates) against
	// ACLFile: they must be signed by an admin account or come from a
	// white-listed address. Reads stay open. Default false.
	ACLEnable bool
	// ACLFile is the plain_acl.yml read when ACLEnable is set. Default
	// $ROCKETMQ_HOME/conf/plain_acl.yml (conf/plain_acl.yml when
	// ROCKETMQ_HOME is unset), as RocketMQ.
	ACLFile string
	// ClusterSecret, when set, is required to sign (acl.SignCluster) the
	// requests brokers send to change routes: REGISTER_BROKER,
	// UNREGISTER_BROKER, QUERY_DATA_VERSION and REGISTER_TOPIC_IN_NAMESRV.
	// Unsigned ones are refused. Without it, a live registration can only
	// be changed from the host that made it (see the package doc).
	ClusterSecret string
	// ClusterMaxSkew is how far a cluster signature's timestamp may be from
	// this clock. Default acl.DefaultClusterMaxSkew.
	ClusterMaxSkew time.Duration
}

// withDefaults returns a copy of o (nil allowed) with zero fields set to
// their defaults.
func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.BrokerExpiry <= 0 {
		out.BrokerExpiry = DefaultBrokerExpiry
	}
	if out.ScanInterval <= 0 {
		out.ScanInterval = DefaultScanInterval
	}
	if out.Now == nil {
		out.Now = time.Now
	}
	if out.Logger == nil {
		out.Logger = slog.Default()
	}
	if out.ACLFile == "" {
		out.ACLFile = filepath.Join(os.Getenv("ROCKETMQ_HOME"), "conf", "plain_acl.yml")
	}
	return out
}
