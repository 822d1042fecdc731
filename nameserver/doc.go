// Package nameserver is RocketMQ's name server: the registry that brokers
// report to and clients ask for routes, with its KV config.
//
// # What it owns
//
// A RouteTable holds four tables, kept consistent under one lock because
// each refers to the others:
//
//	brokers   brokerName  -> cluster, broker addresses by broker id (0 = master)
//	clusters  clusterName -> broker names
//	topics    topic       -> queue data per broker name (read/write queue
//	                         counts, perm, topic sys flag)
//	live      brokerAddr  -> last registration time, data version, HA
//	                         address, the connection it came over and its host
//
// A broker registers every 30 s (REGISTER_BROKER). Its topic configuration
// replaces the one recorded for its broker name only when the registration's
// data version differs from the last one seen from that address, so that the
// periodic re-registration of an unchanged broker costs a map lookup; every
// registration refreshes liveness. A broker leaves the tables when it
// unregisters, when its connection closes (RocketMQ's
// BrokerHousekeepingService) or when it has been silent for BrokerExpiry;
// a broker name with no address left takes its topic queue data and cluster
// membership with it.
//
// The KV config (PUT_KV_CONFIG, ...) is namespaced key/value pairs in
// KVConfigPath (RocketMQ's kvConfig.json), written atomically before a
// change is acknowledged.
//
// # Who may change routes
//
// RocketMQ's name server believes whoever registers: anyone could register
// under a live broker's name with their own address, and producers would
// deliver to them. Here:
//
//   - With Options.ClusterSecret, the broker requests that change routes
//     (REGISTER_BROKER, UNREGISTER_BROKER, QUERY_DATA_VERSION,
//     REGISTER_TOPIC_IN_NAMESRV) must carry a valid cluster signature
//     (acl.SignCluster: HMAC-SHA256 over code, header and body, with a
//     timestamp and a nonce against replays). Unsigned or badly signed ones
//     get NO_PERMISSION. Signed ones are trusted: a signed registration may
//     move a broker id to a new address — a master switch — unless its
//     DataVersion.StateVersion is older than the live registration's
//     (RocketMQ 5's rule; a controller raises it at every switch), which
//     refuses a stale master coming back.
//   - Without a secret, requests are untrusted and a live registration
//     belongs to the host that made it: a registration or unregistration
//     that would change a live broker id's address, or a live address, is
//     refused (NO_PERMISSION, with a *ConflictError remark) unless it comes
//     over the same connection or another connection from the same host (a
//     broker that reconnected); QUERY_DATA_VERSION from another host is
//     answered but does not keep the broker alive. Another
//     host gets the broker id or address once the live registration
//     unregisters, expires (BrokerExpiry without registration) or its
//     connection closes. A broker that moves hosts without a secret waits
//     for that, at most BrokerExpiry.
//   - With Options.ACLEnable, the admin requests (DELETE_TOPIC_IN_NAMESRV,
//     PUT/DELETE_KV_CONFIG, WIPE/ADD_WRITE_PERM_OF_BROKER,
//     UPDATE_NAMESRV_CONFIG) must be signed by an admin account of the
//     plain_acl.yml file (see package acl) or come from a white-listed
//     address. Reads stay open, so clients without credentials still get
//     routes.
//
// Every refused request gets an error code with a remark and a log line
// (one per request code, answer and peer every 10 s).
//
// # Wire formats
//
// NameServer serves the tables over the remoting protocol. Response bodies
// are compact JSON in the field order RocketMQ writes. Compactness matters:
// rocketmq-client-go v2 reads a route's brokerAddrs by splitting the raw
// JSON text on ',' and ':', so a space after either would corrupt the broker
// ids it reads. Broker ids are written as quoted keys ({"0":"host:port"}),
// which that client and Java's fastjson both accept.
//
// # Logging
//
// Options.Logger receives: a broker registered (Info; re-registrations at
// Debug), its topic configuration changed (Info), unregistered (Info),
// expired (Warn), dropped with its closed connection (Warn); admin changes
// with who made them (Info); refused requests (Warn, rate-limited).
//
// # Concurrency
//
// RouteTable is safe for concurrent use; it never calls out while holding
// its lock. The KV config is read without a lock and written by one writer
// at a time. NameServer's handlers run on remoting worker pools; its expiry
// scanner and the ACL file watcher are goroutines that Close stops and
// waits for.
package nameserver
