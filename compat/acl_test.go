package compat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/broker"
)

// compatACL gives one account PUB and SUB on topic Secure and SUB on group
// cg-acl, and nothing else.
const compatACL = `accounts:
  - accessKey: rocketmq2
    secretKey: 12345678
    defaultTopicPerm: DENY
    defaultGroupPerm: DENY
    topicPerms: [Secure=PUB|SUB]
    groupPerms: [cg-acl=SUB]
`

// TestACLWithTheRealClientsCredentials: rocketmq-client-go's
// primitive.Credentials sign every request as the broker checks them: the
// right keys send and consume; a wrong secret is refused with
// NO_PERMISSION and nothing is stored.
func TestACLWithTheRealClientsCredentials(t *testing.T) {
	t.Parallel()
	aclFile := filepath.Join(t.TempDir(), "plain_acl.yml")
	if err := os.WriteFile(aclFile, []byte(compatACL), 0o600); err != nil {
		t.Fatal(err)
	}
	c := startCluster(t, t.TempDir(), func(o *broker.Options) { o.ACLEnable, o.ACLFile = true, aclFile })
	ns := c.ns.Addr()
	runDriver(t, "send", "-ns", ns, "-topic", "Secure", "-n", "10", "-prefix", "ok", "-ak", "rocketmq2", "-sk", "12345678")
	lines := runDriver(t, "send", "-ns", ns, "-topic", "Secure", "-n", "1", "-prefix", "forged",
		"-ak", "rocketmq2", "-sk", "not-the-secret", "-expect-error")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "SENDERR") || !strings.Contains(lines[0], "CODE: 16") {
		t.Fatalf("send with a wrong secret: %q, want SENDERR with CODE: 16 (NO_PERMISSION)", lines)
	}
	lines = runDriver(t, "send", "-ns", ns, "-topic", "Secure", "-n", "1", "-prefix", "anonymous", "-expect-error")
	if len(lines) != 1 || !strings.Contains(lines[0], "CODE: 16") {
		t.Fatalf("send without credentials: %q, want CODE: 16", lines)
	}
	cons := startDriver(t, "consume", "-ns", ns, "-topic", "Secure", "-group", "cg-acl", "-ak", "rocketmq2", "-sk", "12345678")
	cons.waitUntil(t, 60*time.Second, "the 10 messages sent with the right keys", hasAtLeast(10))
	time.Sleep(500 * time.Millisecond) // a forged message would show by now
	counts := bodies(cons.snapshot())
	noDuplicates(t, counts)
	if len(counts) != 10 {
		t.Fatalf("consumed %v, want ok-0..ok-9 only", counts)
	}
	for b := range counts {
		if !strings.HasPrefix(b, "ok-") {
			t.Fatalf("consumed %s, which was sent without the right keys", b)
		}
	}
}
