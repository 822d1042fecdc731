package acl

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rocketmqSample is the plain_acl.yml RocketMQ ships (distribution
// conf/plain_acl.yml), comments dropped: note the unquoted numeric secret
// keys and the empty whiteRemoteAddress.
const rocketmqSample = `
globalWhiteRemoteAddresses:
  - 10.10.103.*
  - 192.168.0.*

accounts:
  - accessKey: RocketMQ
    secretKey: 12345678
    whiteRemoteAddress:
    admin: false
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms:
      - topicA=DENY
      - topicB=PUB|SUB
      - topicC=SUB
    groupPerms:
      - groupA=DENY
      - groupB=PUB|SUB
      - groupC=SUB

  - accessKey: rocketmq2
    secretKey: 12345678
    whiteRemoteAddress: 192.168.1.*
    admin: true
`

func TestLoadRocketMQSample(t *testing.T) {
	a, _ := openACL(t, rocketmqSample, nil)
	c := a.cfg.Load()
	if len(c.globalWhite) != 2 || len(c.accounts) != 2 {
		t.Fatalf("loaded %d white addresses, %d accounts", len(c.globalWhite), len(c.accounts))
	}
	u := c.accounts["RocketMQ"]
	if u == nil || u.secretKey != "12345678" || u.admin || u.defaultTopic != PermDeny || u.defaultGroup != PermSub {
		t.Fatalf("account RocketMQ: %+v", u)
	}
	want := map[string]Perm{
		"topicA": PermDeny, "topicB": PermPub | PermSub, "topicC": PermSub,
		"%RETRY%groupA": PermDeny, "%RETRY%groupB": PermPub | PermSub, "%RETRY%groupC": PermSub,
	}
	for r, p := range want {
		if u.resources[r] != p {
			t.Errorf("resource %s: %v, want %v", r, u.resources[r], p)
		}
	}
	if !c.accounts["rocketmq2"].admin {
		t.Error("rocketmq2 is not admin")
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	account := func(lines ...string) string {
		return "accounts:\n  - accessKey: RocketMQ\n    secretKey: '12345678'\n" + strings.Join(lines, "\n") + "\n"
	}
	cases := []struct {
		name, content, wantErr string
	}{
		{"not yaml", "accounts: [", "yaml"},
		{"short access key", "accounts:\n  - accessKey: abc\n    secretKey: 12345678\n", "accessKey"},
		{"short secret key", "accounts:\n  - accessKey: RocketMQ\n    secretKey: 123\n", "secretKey"},
		{"unknown perm", account("    defaultTopicPerm: ALL"), "defaultTopicPerm"},
		{"bad topic entry", account("    topicPerms: [topicA]"), "name=PERM"},
		{"bad group perm", account("    groupPerms: [g=READ]"), "groupPerms"},
		{"bad white address", account("    whiteRemoteAddress: 300.0.0.1"), "whiteRemoteAddress"},
		{"bad global white address", "globalWhiteRemoteAddresses: [10.0.0]\n", "globalWhiteRemoteAddresses"},
		{"duplicate key", account() + "  - accessKey: RocketMQ\n    secretKey: '87654321'\n", "twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeACL(t, t.TempDir(), tc.content)
			_, err := Open(path, &Options{ReloadInterval: -1})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Open error %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func TestOpenMissingFile(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "plain_acl.yml"), nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open of a missing file: %v", err)
	}
}

func TestEmptyFileDeniesEverything(t *testing.T) {
	a, _ := openACL(t, "", nil)
	if err := a.Check(sendV2(), "127.0.0.1:5000"); !errors.Is(err, ErrNoAccessKey) {
		t.Fatalf("Check with an empty file: %v", err)
	}
}
