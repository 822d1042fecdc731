package main

import (
	"strconv"

	"github.com/rocketstore/rocketstore/broker"
)

// applyLimitProperty sets the broker.conf keys of access control, trusted
// peers and the limits on what clients can make the broker hold. It
// reports whether it knows k.
func applyLimitProperty(o *broker.Options, k, v string) (known bool, err error) {
	switch k {
	case "aclEnable":
		o.ACLEnable, err = strconv.ParseBool(v)
	case "aclFile": // RocketMQ's rocketmq.acl.plain.file
		o.ACLFile = v
	case "clusterSecret":
		o.ClusterSecret = v
	case "haMaxSlaves":
		o.HAMaxSlaves, err = strconv.Atoi(v)
	case "maxMsgsNumBatch": // RocketMQ's cap of a query's maxNum
		o.QueryMaxNum, err = strconv.Atoi(v)
	case "cleanFileForciblyEnable":
		var on bool
		on, err = strconv.ParseBool(v)
		o.Store.DisableCleanForcibly = !on
	case "autoCreateRate":
		o.AutoCreateRate, err = strconv.Atoi(v)
	default:
		return false, nil
	}
	return true, err
}
