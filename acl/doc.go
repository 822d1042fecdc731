// Package acl is RocketMQ's plain access control: accounts with keys and
// permissions read from plain_acl.yml, request signatures checked as
// RocketMQ brokers check them, and the admin requests that edit the file.
// It also signs requests, for rocketstore's own clients, and provides the
// cluster secret that authenticates brokers to name servers.
//
// # Using it (broker, name server)
//
//	a, err := acl.Open(path, &acl.Options{Logger: log}) // load, then watch the file
//	defer a.Close()
//	// check every request before its handler runs:
//	server.Handle(code, pool, a.Guard(handler))
//	// or, where the handler needs to decide itself:
//	if err := a.Check(req, conn.RemoteAddr()); err != nil {
//		return acl.DenyResponse(req, err) // NO_PERMISSION, remark says why
//	}
//	// register the ACL admin codes (guarded like the rest):
//	for code, h := range a.Handlers(acl.BrokerIdentity{...}) { server.Handle(code, adminPool, a.Guard(h)) }
//
// Check derives what a request needs from its code (see requirementOf:
// PUB on the topic for sends, SUB on the topic and the group for pulls and
// offsets, SUB on the groups of a heartbeat, admin rights for the codes of
// DefaultAdminCodes); Authorize takes the requirement from the caller.
// Errors are *DeniedError wrapping ErrNoAccessKey, ErrUnknownAccessKey,
// ErrBadSignature, ErrAdminRequired, ErrNoPermission or ErrUnreadable;
// Check logs each denial (one line per cause every 10 s). A name server
// calls Check only for its admin codes, so that clients without
// credentials still read routes.
//
// Clients sign with Sign(cmd, accessKey, secretKey) after building the
// request; brokers sign registrations with SignCluster(cmd, secret, now)
// and name servers verify them with a ClusterVerifier.
//
// # Decision order (RocketMQ's PlainPermissionManager.validate)
//
//  1. The peer matches a globalWhiteRemoteAddresses pattern: allowed.
//  2. No AccessKey, or no account has it: denied.
//  3. The peer matches the account's whiteRemoteAddress: allowed, without
//     signature or permission checks (RocketMQ's rule; leave the pattern
//     empty to always require signatures).
//  4. Signature mismatch: denied.
//  5. A send to RMQ_SYS_TRACE_TOPIC, or an admin account: allowed.
//  6. An admin code from a non-admin account: denied.
//  7. Every resource needed: the account's topicPerms / groupPerms entry
//     for it, else defaultTopicPerm / defaultGroupPerm, must allow the
//     need (DENY allows nothing; PUB|SUB allows both). Groups are named by
//     their retry topic, %RETRY%<group>, so a retry topic's permission is
//     its group's.
//
// # Signature
//
// Signature = Base64(HMAC-SHA1(secretKey, content)) where content is the
// values of all ext fields except Signature, ordered by key (byte order),
// concatenated without separators, followed by the body — Java's
// AclUtils.combineRequestContent and rocketmq-client-go v2.1.2's
// ACLInterceptor. The check also accepts the content without
// SecurityToken (what rocketmq-client-go v2.1.2 signs when it sends a
// token) and without _UNIQUE_KEY_QUERY (RocketMQ brokers up to 4.9.3).
// Like RocketMQ's, this signature covers neither the request code nor a
// time, so a captured request can be replayed: run the remoting port
// behind TLS where that matters.
//
// # File
//
//	globalWhiteRemoteAddresses:
//	  - 10.10.103.*
//	accounts:
//	  - accessKey: RocketMQ
//	    secretKey: 12345678
//	    whiteRemoteAddress:
//	    admin: false
//	    defaultTopicPerm: DENY
//	    defaultGroupPerm: SUB
//	    topicPerms: [topicA=DENY, topicB=PUB|SUB]
//	    groupPerms: [groupA=DENY, groupB=PUB|SUB]
//	dataVersion:
//	  - counter: 1
//	    timestamp: 1700000000000
//
// Keys must be longer than 6 characters. Unlike RocketMQ, a file with an
// unknown permission name or a duplicate access key does not load (a
// typo is reported instead of silently denying). Address patterns are
// described in address.go. One file is used (RocketMQ 5 also merges every
// *.yml under conf/acl).
//
// # Concurrency
//
// Checks read an immutable snapshot through an atomic pointer and take no
// lock. The file watcher (one goroutine, stopped by Close) and the admin
// edits serialize on one mutex; each builds a new snapshot, and an edit
// replaces the file atomically (temporary file, fsync, rename, directory
// fsync) before the new snapshot serves checks.
package acl
