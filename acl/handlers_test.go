package acl

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/rocketstore/rocketstore/remoting"
)

var testBroker = BrokerIdentity{ClusterName: "DefaultCluster", BrokerName: "broker-a", BrokerAddr: "127.0.0.1:10911"}

// call runs the handler of code with the given header fields.
func call(t *testing.T, a *Authorizer, code int16, fields ...string) *remoting.Command {
	t.Helper()
	h := a.Handlers(testBroker)[code]
	if h == nil {
		t.Fatalf("no handler for code %d", code)
	}
	return h(nil, req(code, fields...))
}

func wantResponse(t *testing.T, resp *remoting.Command, code int16) {
	t.Helper()
	if resp.Code != code {
		t.Fatalf("response code %d (remark %q), want %d", resp.Code, resp.Remark, code)
	}
}

// TestACLAdminRequests drives the five ACL admin codes with the header
// fields mqadmin sends and checks RocketMQ's response shapes.
func TestACLAdminRequests(t *testing.T) {
	a, _ := openACL(t, oneAccount, nil)

	// UPDATE_AND_CREATE_ACL_CONFIG: lists are comma-separated.
	resp := call(t, a, remoting.RequestUpdateAndCreateACLConfig,
		"accessKey", "mqadminUser", "secretKey", "mqadminSecret", "admin", "false",
		"defaultTopicPerm", "DENY", "defaultGroupPerm", "SUB",
		"topicPerms", "topicA=PUB,topicB=PUB|SUB", "groupPerms", "groupA=DENY", "whiteRemoteAddress", "")
	wantResponse(t, resp, remoting.ResponseSuccess)
	acct := a.cfg.Load().accounts["mqadminUser"]
	if acct == nil || acct.resources["topicB"] != PermPub|PermSub || acct.resources["%RETRY%groupA"] != PermDeny {
		t.Fatalf("account after UPDATE_AND_CREATE_ACL_CONFIG: %+v", acct)
	}
	resp = call(t, a, remoting.RequestUpdateAndCreateACLConfig, "accessKey", "mqadminUser", "secretKey", "short")
	wantResponse(t, resp, remoting.ResponseUpdateAndCreateACLConfigFailed)
	resp = call(t, a, remoting.RequestUpdateAndCreateACLConfig, "accessKey", "mqadminUser", "secretKey", "mqadminSecret", "admin", "maybe")
	wantResponse(t, resp, remoting.ResponseUpdateAndCreateACLConfigFailed)

	// UPDATE_GLOBAL_WHITE_ADDRS_CONFIG: braces keep their commas.
	resp = call(t, a, remoting.RequestUpdateGlobalWhiteAddrsConfig,
		"globalWhiteAddrs", "10.0.0.{1,2},192.168.*.*", "aclFileFullPath", a.Path())
	wantResponse(t, resp, remoting.ResponseSuccess)
	if got := a.Config().GlobalWhiteRemoteAddresses; !slices.Equal(got, []string{"10.0.0.{1,2}", "192.168.*.*"}) {
		t.Fatalf("white list %q", got)
	}
	resp = call(t, a, remoting.RequestUpdateGlobalWhiteAddrsConfig, "globalWhiteAddrs", "", "aclFileFullPath", "/etc/other.yml")
	wantResponse(t, resp, remoting.ResponseUpdateGlobalWhiteAddrsConfigFailed)

	// GET_BROKER_CLUSTER_ACL_INFO: the version as DataVersion JSON.
	resp = call(t, a, remoting.RequestGetBrokerClusterACLInfo)
	wantResponse(t, resp, remoting.ResponseSuccess)
	var v DataVersion
	if err := json.Unmarshal([]byte(resp.ExtFields["version"]), &v); err != nil || v.Counter != 2 {
		t.Fatalf("version %q: %v", resp.ExtFields["version"], err)
	}
	var all map[string]DataVersion
	if err := json.Unmarshal([]byte(resp.ExtFields["allAclFileVersion"]), &all); err != nil || all[a.Path()] != v {
		t.Fatalf("allAclFileVersion %q: %v", resp.ExtFields["allAclFileVersion"], err)
	}
	if resp.ExtFields["brokerName"] != "broker-a" || resp.ExtFields["clusterName"] != "DefaultCluster" || resp.ExtFields["brokerAddr"] != "127.0.0.1:10911" {
		t.Fatalf("broker identity %v", resp.ExtFields)
	}

	// GET_BROKER_CLUSTER_ACL_CONFIG: GetBrokerClusterAclConfigResponseBody.
	resp = call(t, a, remoting.RequestGetBrokerClusterACLConfig)
	wantResponse(t, resp, remoting.ResponseSuccess)
	var body struct {
		GlobalWhiteAddrs   []string `json:"globalWhiteAddrs"`
		PlainAccessConfigs []struct {
			AccessKey  string   `json:"accessKey"`
			SecretKey  string   `json:"secretKey"`
			Admin      bool     `json:"admin"`
			TopicPerms []string `json:"topicPerms"`
		} `json:"plainAccessConfigs"`
	}
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		t.Fatalf("body %s: %v", resp.Body, err)
	}
	if len(body.GlobalWhiteAddrs) != 2 || len(body.PlainAccessConfigs) != 2 || body.PlainAccessConfigs[1].SecretKey != "mqadminSecret" ||
		len(body.PlainAccessConfigs[1].TopicPerms) != 2 {
		t.Fatalf("body %s", resp.Body)
	}

	// DELETE_ACL_CONFIG.
	wantResponse(t, call(t, a, remoting.RequestDeleteACLConfig, "accessKey", "mqadminUser"), remoting.ResponseSuccess)
	wantResponse(t, call(t, a, remoting.RequestDeleteACLConfig, "accessKey", "mqadminUser"), remoting.ResponseDeleteACLConfigFailed)
	wantResponse(t, call(t, a, remoting.RequestDeleteACLConfig), remoting.ResponseDeleteACLConfigFailed)
}

func TestSplitList(t *testing.T) {
	cases := map[string][]string{
		"":                          {},
		"a":                         {"a"},
		" a , b ,,c":                {"a", "b", "c"},
		"10.0.0.{1,2},10.0.1.*":     {"10.0.0.{1,2}", "10.0.1.*"},
		"topicA=PUB,topicB=SUB|PUB": {"topicA=PUB", "topicB=SUB|PUB"},
	}
	for in, want := range cases {
		if got := splitList(in); !slices.Equal(got, want) {
			t.Errorf("splitList(%q) = %q, want %q", in, got, want)
		}
	}
}
