package nameserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rocketstore/rocketstore/acl"
	"github.com/rocketstore/rocketstore/internal/logtest"
	"github.com/rocketstore/rocketstore/remoting"
)

const nameServerACL = `
accounts:
  - accessKey: adminUser
    secretKey: adminSecret
    admin: true
  - accessKey: plainUser
    secretKey: plainSecret
    defaultTopicPerm: PUB|SUB
    defaultGroupPerm: SUB
`

// TestACLOnAdminCodes: with ACLEnable, the name server's admin requests
// need an admin account's signature; the route they would change stays as
// it was when refused. Reads stay open to clients without credentials.
func TestACLOnAdminCodes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plain_acl.yml")
	if err := os.WriteFile(path, []byte(nameServerACL), 0o600); err != nil {
		t.Fatal(err)
	}
	log, logs := logtest.New()
	ns := startNameServer(t, &Options{ACLEnable: true, ACLFile: path, Logger: log})
	cl := newClient(t)
	registerAll(t, cl, ns)
	signed := func(req *remoting.Command, ak, sk string) *remoting.Command {
		acl.Sign(req, ak, sk)
		return req
	}
	deleteReq := func() *remoting.Command {
		return remoting.NewRequest(remoting.RequestDeleteTopicInNameServer, map[string]string{"topic": "TopicTest"}, nil)
	}

	resp := invoke(t, cl, ns.Addr(), deleteReq())
	wantRefused(t, resp, "no accessKey")
	wantRefused(t, invoke(t, cl, ns.Addr(), signed(deleteReq(), "plainUser", "plainSecret")), "admin permission required")
	wantRefused(t, invoke(t, cl, ns.Addr(), signed(deleteReq(), "adminUser", "wrongSecret")), "signature mismatch")
	for _, req := range []*remoting.Command{
		kvRequest(remoting.RequestPutKVConfig, "namespace", "NS", "key", "k", "value", "v"),
		kvRequest(remoting.RequestDeleteKVConfig, "namespace", "NS", "key", "k"),
		kvRequest(remoting.RequestWipeWritePermOfBroker, "brokerName", "broker-a"),
		kvRequest(remoting.RequestAddWritePermOfBroker, "brokerName", "broker-a"),
		remoting.NewRequest(remoting.RequestUpdateNameServerConfig, nil, []byte("enableTopicList=false")),
	} {
		wantCode(t, invoke(t, cl, ns.Addr(), req), remoting.ResponseNoPermission)
	}
	if got := routePerms(t, cl, ns, "TopicTest"); got["broker-a"] != 6 || got["broker-b"] != 6 {
		t.Fatalf("refused requests changed the route: %v", got)
	}
	if len(logs.Lines("acl denied request")) == 0 {
		t.Fatal("denials not logged")
	}

	wantCode(t, invoke(t, cl, ns.Addr(), signed(deleteReq(), "adminUser", "adminSecret")), remoting.ResponseSuccess)
	wantCode(t, queryRoute(t, cl, ns, "TopicTest"), remoting.ResponseTopicNotExist)
	// Reads need no credentials; a client that signs anyway is fine too.
	wantCode(t, queryRoute(t, cl, ns, "OnlyA"), remoting.ResponseSuccess)
	wantCode(t, invoke(t, cl, ns.Addr(), signed(remoting.NewRequest(remoting.RequestGetBrokerClusterInfo, map[string]string{}, nil), "plainUser", "plainSecret")), remoting.ResponseSuccess)
	// Registration is the cluster secret's business, not the ACL's.
	register(t, cl, ns, masterB, DataVersion{Timestamp: 2, Counter: 2}, topicConfig("TopicB", 1))
}

func TestACLEnableWithoutFileFailsStart(t *testing.T) {
	ns := New(testOptions(t, &Options{ACLEnable: true, ACLFile: filepath.Join(t.TempDir(), "missing.yml")}))
	err := ns.Start("127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "missing.yml") {
		ns.Close()
		t.Fatalf("Start without an ACL file: %v", err)
	}
}
