package broker

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/acl"
	"github.com/rocketstore/rocketstore/internal/logtest"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/nameserver"
	"github.com/rocketstore/rocketstore/remoting"
)

// testACL is the plain_acl.yml of the ACL tests: a producer that may send
// to Orders only, a consumer that may read Orders as group cg only, and an
// admin.
const testACL = `accounts:
  - accessKey: producerAK
    secretKey: producerSecret
    defaultTopicPerm: DENY
    defaultGroupPerm: DENY
    topicPerms: [Orders=PUB]
  - accessKey: consumerAK
    secretKey: consumerSecret
    defaultTopicPerm: DENY
    defaultGroupPerm: DENY
    topicPerms: [Orders=SUB]
    groupPerms: [cg=SUB]
  - accessKey: adminAK
    secretKey: adminSecret
    admin: true
`

var (
	producerKeys = [2]string{"producerAK", "producerSecret"}
	consumerKeys = [2]string{"consumerAK", "consumerSecret"}
	adminKeys    = [2]string{"adminAK", "adminSecret"}
)

// aclBroker starts a broker with ACL on, the test accounts in its config
// directory, and a logger the test reads.
func aclBroker(t *testing.T, tweaks ...func(*Options)) (*Broker, *logtest.Buffer) {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config", aclFileName), []byte(testACL), 0o600); err != nil {
		t.Fatal(err)
	}
	log, buf := logtest.New()
	b := newRoleBroker(t, dir, RoleAsyncMaster, "", "", append([]func(*Options){func(o *Options) {
		o.ACLEnable, o.Logger = true, log
	}}, tweaks...)...)
	t.Cleanup(func() { b.Close() })
	return b, buf
}

// signed signs req with keys (none when keys is empty).
func signed(req *remoting.Command, keys [2]string) *remoting.Command {
	if keys[0] != "" {
		acl.Sign(req, keys[0], keys[1])
	}
	return req
}

func updateOffsetRequest(group, topic string, offset int64) *remoting.Command {
	h := remoting.UpdateConsumerOffsetRequestHeader{ConsumerGroup: group, Topic: topic, QueueID: 0, CommitOffset: offset}
	return remoting.NewRequest(remoting.RequestUpdateConsumerOffset, h.Encode(nil), nil)
}

// TestACLChecksEveryRequestByItsCode: with aclEnable, sends need PUB on
// their topic, pulls and offsets SUB on topic and group (a pull's
// commitOffset included), topic creation, offset resets and the ACL's own
// codes an admin; a wrong secret or none is refused with NO_PERMISSION and
// leaves a log line.
func TestACLChecksEveryRequestByItsCode(t *testing.T) {
	b, logs := aclBroker(t)
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	if resp := call(t, cl, b.Addr(), signed(sendRequest("Orders", 0, "first", "k"), producerKeys)); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("the producer's send: %v", resp)
	}
	if err := b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	pullOtherGroup := pullCommand("Orders", 0, 0, 0)
	pullOtherGroup.ExtFields["consumerGroup"] = "other"
	commitOther := pullCommand("Orders", 0, 0, 0)
	commitOther.ExtFields["consumerGroup"] = "other"
	commitOther.ExtFields["commitOffset"] = "1"
	commitOther.ExtFields["sysFlag"] = "5" // commit offset + subscription
	createTopic := func() *remoting.Command {
		return remoting.NewRequest(remoting.RequestUpdateAndCreateTopic,
			map[string]string{"topic": "NewTopic", "readQueueNums": "1", "writeQueueNums": "1", "perm": "6"}, nil)
	}
	resetOffset := func() *remoting.Command {
		return remoting.NewRequest(remoting.RequestInvokeBrokerToResetOffset,
			map[string]string{"topic": "Orders", "group": "cg", "timestamp": "0", "isForce": "true"}, nil)
	}
	for _, tc := range []struct {
		name string
		req  *remoting.Command
		keys [2]string
		want int16
	}{
		{"unsigned send", sendRequest("Orders", 0, "x", ""), [2]string{}, remoting.ResponseNoPermission},
		{"wrong secret", sendRequest("Orders", 0, "x", ""), [2]string{"producerAK", "notTheSecret"}, remoting.ResponseNoPermission},
		{"unknown key", sendRequest("Orders", 0, "x", ""), [2]string{"strangerAK", "strangerSecret"}, remoting.ResponseNoPermission},
		{"send to another topic", sendRequest("Other", 0, "x", ""), producerKeys, remoting.ResponseNoPermission},
		{"send by the consumer", sendRequest("Orders", 0, "x", ""), consumerKeys, remoting.ResponseNoPermission},
		{"pull", pullCommand("Orders", 0, 0, 0), consumerKeys, remoting.ResponseSuccess},
		{"pull by the producer", pullCommand("Orders", 0, 0, 0), producerKeys, remoting.ResponseNoPermission},
		{"pull as another group", pullOtherGroup, consumerKeys, remoting.ResponseNoPermission},
		{"pull committing another group's offset", commitOther, consumerKeys, remoting.ResponseNoPermission},
		{"update own offset", updateOffsetRequest("cg", "Orders", 1), consumerKeys, remoting.ResponseSuccess},
		{"update another group's offset", updateOffsetRequest("other", "Orders", 1), consumerKeys, remoting.ResponseNoPermission},
		{"create a topic", createTopic(), producerKeys, remoting.ResponseNoPermission},
		{"create a topic as admin", createTopic(), adminKeys, remoting.ResponseSuccess},
		{"reset a group's offset", resetOffset(), consumerKeys, remoting.ResponseNoPermission},
		{"read the acl's secrets", remoting.NewRequest(remoting.RequestGetBrokerClusterACLConfig, nil, nil), consumerKeys, remoting.ResponseNoPermission},
		{"read the acl as admin", remoting.NewRequest(remoting.RequestGetBrokerClusterACLConfig, nil, nil), adminKeys, remoting.ResponseSuccess},
	} {
		resp := call(t, cl, b.Addr(), signed(tc.req, tc.keys))
		if resp.Code != tc.want {
			t.Errorf("%s: code %d %q, want %d", tc.name, resp.Code, resp.Remark, tc.want)
		}
	}
	if off, ok := b.offsets.query("other", "Orders", 0); ok {
		t.Errorf("a refused pull committed group other's offset %d", off)
	}
	for _, want := range []string{"acl: no accessKey", "acl: signature mismatch", "acl: unknown accessKey", "acl: no permission", "acl: admin permission required"} {
		if len(logs.Lines(want)) == 0 {
			t.Errorf("no log line says %q", want)
		}
	}
}

// TestACLAdminCodesEditTheAccounts: an admin adds an account over the
// wire, and the new account's signed send passes.
func TestACLAdminCodesEditTheAccounts(t *testing.T) {
	b, _ := aclBroker(t)
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	newKeys := [2]string{"lateAK12", "lateSecret"}
	if resp := call(t, cl, b.Addr(), signed(sendRequest("Orders", 0, "x", ""), newKeys)); resp.Code != remoting.ResponseNoPermission {
		t.Fatalf("send by an account not yet created: %v", resp)
	}
	add := remoting.NewRequest(remoting.RequestUpdateAndCreateACLConfig, map[string]string{
		"accessKey": newKeys[0], "secretKey": newKeys[1], "defaultTopicPerm": "PUB", "defaultGroupPerm": "SUB"}, nil)
	if resp := call(t, cl, b.Addr(), signed(add, producerKeys)); resp.Code != remoting.ResponseNoPermission {
		t.Fatalf("a non-admin edited the ACL: %v", resp)
	}
	add = remoting.NewRequest(remoting.RequestUpdateAndCreateACLConfig, map[string]string{
		"accessKey": newKeys[0], "secretKey": newKeys[1], "defaultTopicPerm": "PUB", "defaultGroupPerm": "SUB"}, nil)
	if resp := call(t, cl, b.Addr(), signed(add, adminKeys)); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("the admin's edit: %v", resp)
	}
	if resp := call(t, cl, b.Addr(), signed(sendRequest("Orders", 0, "x", ""), newKeys)); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("send by the new account: %v", resp)
	}
	data, err := os.ReadFile(b.access.acl.Path())
	if err != nil || !strings.Contains(string(data), newKeys[0]) {
		t.Fatalf("the account is not in the file: %v\n%s", err, data)
	}
}

// TestClusterSignedRequestsPassWithoutAnAccount: a request signed with the
// cluster secret (a slave syncing from its master) needs no ACL account;
// one signed with another secret is refused.
func TestClusterSignedRequestsPassWithoutAnAccount(t *testing.T) {
	b, logs := aclBroker(t, func(o *Options) { o.ClusterSecret = "the-cluster-secret" })
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	peerRequest := func(secret string) *remoting.Command {
		req := remoting.NewRequest(remoting.RequestGetAllTopicConfig, nil, nil)
		if secret != "" {
			acl.SignCluster(req, secret, time.Now())
		}
		return req
	}
	signedOnce := peerRequest("the-cluster-secret")
	for _, tc := range []struct {
		name string
		req  *remoting.Command
		want int16
	}{
		{"unsigned", peerRequest(""), remoting.ResponseNoPermission},
		{"signed with the secret", signedOnce, remoting.ResponseSuccess},
		{"the same signature again (a replay)", signedOnce, remoting.ResponseNoPermission},
		{"signed with another secret", peerRequest("another-secret"), remoting.ResponseNoPermission},
	} {
		if resp := call(t, cl, b.Addr(), tc.req); resp.Code != tc.want {
			t.Fatalf("%s peer request: %v, want code %d", tc.name, resp, tc.want)
		}
	}
	if len(logs.Lines("bad cluster signature")) == 0 {
		t.Fatal("no log line for the refused peer request")
	}
}

// TestABrokerWithoutItsACLFileDoesNotStart: aclEnable without a usable
// file is a mistake reported at start, not a broker serving unchecked.
func TestABrokerWithoutItsACLFileDoesNotStart(t *testing.T) {
	dir := t.TempDir()
	_, err := New(&Options{ListenAddr: "127.0.0.1:0", DataDir: dir, ACLEnable: true})
	if err == nil || !strings.Contains(err.Error(), "aclEnable") {
		t.Fatalf("New without plain_acl.yml: %v", err)
	}
	// What New opened before it failed is closed: no lazy saver of the
	// system topics it created goes on writing into the data directory.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * derivedSaveInterval)
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the data directory of a failed New was written after it returned: %v", err)
	}
}

// TestRegistrationIsSignedWithTheClusterSecret: a name server that
// requires the cluster secret lists the broker that has it and refuses the
// one that does not (which says so in its log).
func TestRegistrationIsSignedWithTheClusterSecret(t *testing.T) {
	ns := nameserver.New(&nameserver.Options{ClusterSecret: "the-cluster-secret"})
	if err := ns.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	withNS := func(name, secret string) func(*Options) {
		return func(o *Options) { o.NameServers, o.BrokerName, o.ClusterSecret = []string{ns.Addr()}, name, secret }
	}
	trusted := newRoleBroker(t, t.TempDir(), RoleAsyncMaster, "", "", withNS("trusted", "the-cluster-secret"))
	defer trusted.Close()
	log, logs := logtest.New()
	stranger := newRoleBroker(t, t.TempDir(), RoleAsyncMaster, "", "", withNS("stranger", ""), func(o *Options) { o.Logger = log })
	defer stranger.Close()
	listed := func(addr string) bool {
		route, ok := ns.Routes().TopicRoute(AutoCreateTopicKey)
		if !ok {
			return false
		}
		for _, bd := range route.BrokerDatas {
			for _, a := range bd.BrokerAddrs {
				if a == addr {
					return true
				}
			}
		}
		return false
	}
	testkit.WaitFor(t, "the trusted broker's registration", func() bool { return listed(trusted.Addr()) })
	testkit.WaitFor(t, "the stranger's refusal in its log", func() bool { return len(logs.Lines("register with a nameserver failed")) > 0 })
	if listed(stranger.Addr()) {
		t.Fatal("the name server listed a broker without the cluster secret")
	}
}
