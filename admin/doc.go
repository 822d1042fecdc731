// Package admin is the client side of RocketMQ's admin protocol: what
// mqadmin and rocketmq-dashboard ask name servers and brokers, sent over the
// project's remoting client. `rocketstore admin` and the web console
// (package console) are built on it, so both work against any RocketMQ
// name server and broker they can reach, not only rocketstore's.
//
// # What it asks whom
//
// Name servers: clusters and brokers (GET_BROKER_CLUSTER_INFO), topic
// routes and lists, topic deletion, write-permission wipe and restore. They
// hold the same data, so a request goes to one and moves on to the next
// only when one cannot be reached; wipe/add write perm and topic deletion go
// to all, as mqadmin's do.
//
// Brokers: runtime statistics, configuration, topics (create, delete,
// stats), consumer groups (configuration, progress and lag, connections),
// producer connections, offset resets, and messages by offset id, unique id
// or key, and traces (RocketMQ's trace records in RMQ_SYS_TRACE_TOPIC).
// Calls that span a topic or a group find their brokers in a route: the
// topic's, or the group's retry topic (%RETRY%group), as mqadmin does, and
// ask every master there.
//
// # Wire shapes
//
// Response bodies are RocketMQ's classes as fastjson writes them, decoded
// into structs with RocketMQ's member names (types.go). fastjson writes map
// keys that are objects or numbers without quotes ({{"topic":...}:{...}},
// {0:"addr"}); the body is normalised into JSON before decoding
// (javajson.go), and MessageQueue reads such a key back as a text key.
//
// # Errors
//
// A server's refusal is a *ResponseError naming the server, the request
// and the response code in RocketMQ's words with a hint for the operator;
// a request that got no answer is a *CallError. IsCode tests for a code.
// Other errors wrap ErrNoNameServer, ErrNotFound, ErrInvalidArgument or
// ErrClosed.
//
// # Concurrency
//
// A Client is safe for concurrent use; it keeps one connection per server
// (remoting.Client) and starts no goroutine of its own. Close closes the
// connections.
package admin
