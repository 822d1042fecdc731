// Package nameserver is RocketMQ's name server: the registry that brokers
// report to and clients ask for routes.
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
//	                         address, the connection it came over
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
// # Wire formats
//
// NameServer serves the tables over the remoting protocol. Response bodies
// are compact JSON in the field order RocketMQ writes. Compactness matters:
// rocketmq-client-go v2 reads a route's brokerAddrs by splitting the raw
// JSON text on ',' and ':', so a space after either would corrupt the broker
// ids it reads. Broker ids are written as quoted keys ({"0":"host:port"}),
// which that client and Java's fastjson both accept.
//
// # Concurrency
//
// RouteTable is safe for concurrent use; it never calls out while holding
// its lock. NameServer's handlers run on remoting worker pools; its expiry
// scanner is one goroutine that Close stops and waits for.
package nameserver
