package main

import (
	"testing"

	"github.com/rocketstore/rocketstore/broker"
)

func TestSecurityAndLimitBrokerConfKeys(t *testing.T) {
	var o broker.Options
	err := applyBrokerProperties(&o, map[string]string{
		"aclEnable": "true", "aclFile": "/etc/rocketmq/plain_acl.yml", "clusterSecret": "s3cret",
		"haMaxSlaves": "4", "maxMsgsNumBatch": "32", "autoCreateRate": "10", "cleanFileForciblyEnable": "false",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !o.ACLEnable || o.ACLFile != "/etc/rocketmq/plain_acl.yml" || o.ClusterSecret != "s3cret" || o.HAMaxSlaves != 4 ||
		o.QueryMaxNum != 32 || o.AutoCreateRate != 10 || !o.Store.DisableCleanForcibly {
		t.Fatalf("options %+v", o)
	}
	for _, bad := range []map[string]string{{"aclEnable": "yes please"}, {"haMaxSlaves": "many"},
		{"maxMsgsNumBatch": "x"}, {"autoCreateRate": "fast"}, {"cleanFileForciblyEnable": "maybe"}} {
		if err := applyBrokerProperties(&broker.Options{}, bad); err == nil {
			t.Fatalf("%v was accepted", bad)
		}
	}
}
