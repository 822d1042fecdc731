package acl

import (
	"fmt"
	"strings"
)

// Perm is a permission on a topic or a group, with RocketMQ's bit values
// (Permission.java): DENY 1, ANY 2, PUB 4, SUB 8.
type Perm uint8

const (
	// PermDeny forbids everything; it wins over any other bit.
	PermDeny Perm = 1 << 0
	// PermAny, as a need, is met by PUB or SUB.
	PermAny Perm = 1 << 1
	// PermPub allows sending to a topic.
	PermPub Perm = 1 << 2
	// PermSub allows consuming from a topic, or acting as a group.
	PermSub Perm = 1 << 3
)

// The spellings of a Perm in plain_acl.yml and admin requests.
const (
	permNameDeny   = "DENY"
	permNamePub    = "PUB"
	permNameSub    = "SUB"
	permNamePubSub = "PUB|SUB"
	permNameSubPub = "SUB|PUB"
)

// ParsePerm reads a permission as plain_acl.yml writes it: DENY, PUB, SUB,
// PUB|SUB or SUB|PUB, surrounding spaces ignored. RocketMQ reads anything
// else as DENY; here it is an error, so that a typo in the file is reported
// instead of silently denying.
func ParsePerm(s string) (Perm, error) {
	switch strings.TrimSpace(s) {
	case permNameDeny:
		return PermDeny, nil
	case permNamePub:
		return PermPub, nil
	case permNameSub:
		return PermSub, nil
	case permNamePubSub, permNameSubPub:
		return PermPub | PermSub, nil
	}
	return 0, fmt.Errorf("permission %q is not one of DENY, PUB, SUB, PUB|SUB", s)
}

// String writes p as plain_acl.yml does.
func (p Perm) String() string {
	switch {
	case p&PermDeny != 0:
		return permNameDeny
	case p&(PermPub|PermSub) == PermPub|PermSub:
		return permNamePubSub
	case p&PermPub != 0:
		return permNamePub
	case p&PermSub != 0:
		return permNameSub
	case p&PermAny != 0:
		return "ANY"
	}
	return fmt.Sprintf("Perm(%d)", uint8(p))
}

// Allows reports whether an account owning p may do what needed asks, by
// RocketMQ's rule: DENY owns nothing; ANY is met by PUB or SUB; otherwise
// one shared bit is enough.
func (p Perm) Allows(needed Perm) bool {
	if p&PermDeny != 0 {
		return false
	}
	if needed&PermAny != 0 {
		return p&(PermPub|PermSub) != 0
	}
	return needed&p != 0
}

// RetryTopicPrefix starts a group's retry topic; the ACL names a group's
// resource by its retry topic, as RocketMQ does.
const RetryTopicPrefix = "%RETRY%"

// GroupResource is the resource name of a consumer group: its retry topic.
func GroupResource(group string) string { return RetryTopicPrefix + group }

// isGroupResource reports whether a resource names a group.
func isGroupResource(resource string) bool { return strings.HasPrefix(resource, RetryTopicPrefix) }

// describeResource names a resource for a remark: "topic:T" or "group:G".
func describeResource(resource string) string {
	if isGroupResource(resource) {
		return "group:" + strings.TrimPrefix(resource, RetryTopicPrefix)
	}
	return "topic:" + resource
}
