package acl

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"maps"
	"sort"
	"strings"
	"testing"

	"github.com/rocketstore/rocketstore/remoting"
)

// signLikeGoClient signs cmd as rocketmq-client-go v2.1.2's
// ACLInterceptor (internal/remote/interceptor.go) does, restated from its
// code: the keys are AccessKey and the request's ext fields (a security
// token goes into the value map but not into the key list, so it is not
// signed), sorted with strings.Compare; their values are concatenated,
// the body appended, and the HMAC-SHA1 under the secret key is base64
// encoded. Then Signature, AccessKey and, when set, SecurityToken are
// added to the ext fields.
func signLikeGoClient(cmd *remoting.Command, ak, sk, token string) {
	m := map[string]string{"AccessKey": ak}
	order := []string{"AccessKey"}
	if token != "" {
		m["SecurityToken"] = token
	}
	for k, v := range cmd.ExtFields {
		m[k] = v
		order = append(order, k)
	}
	sort.Slice(order, func(i, j int) bool { return strings.Compare(order[i], order[j]) < 0 })
	content := ""
	for _, k := range order {
		content += m[k]
	}
	mac := hmac.New(sha1.New, []byte(sk))
	mac.Write(append([]byte(content), cmd.Body...))
	cmd.ExtFields["Signature"] = base64.StdEncoding.EncodeToString(mac.Sum(nil))
	cmd.ExtFields["AccessKey"] = ak
	if token != "" {
		cmd.ExtFields["SecurityToken"] = token
	}
}

// sendV2 is a SEND_MESSAGE_V2 as rocketmq-client-go v2.1.2 builds it.
func sendV2() *remoting.Command {
	return remoting.NewRequest(remoting.RequestSendMessageV2, map[string]string{
		"a": "ProducerGroupName", "b": "TopicTest", "c": "TBW102", "d": "4", "e": "1", "f": "0",
		"g": "1700000000000", "h": "0", "i": "UNIQ_KEY\x01AC110001000018B4AAC2\x02WAIT\x01true\x02",
		"j": "0", "k": "false", "l": "0", "m": "false",
	}, []byte("Hello RocketMQ"))
}

// TestSignatureVectors checks the signature against values computed
// outside this package: RocketMQ's AclSignerTest and rocketmq-client-go's
// interceptor_test vectors, and HMACs computed with Python's hmac module
// for whole requests.
func TestSignatureVectors(t *testing.T) {
	// RocketMQ AclSignerTest: content "RocketMQ", key "12345678". A request
	// whose only field is AccessKey=RocketMQ has exactly that content.
	cmd := remoting.NewRequest(remoting.RequestHeartBeat, map[string]string{}, nil)
	Sign(cmd, "RocketMQ", "12345678")
	if got := cmd.ExtFields[FieldSignature]; got != "IUc8rrO/0gDch8CjObLQsW2rsiA=" {
		t.Errorf("AclSignerTest vector: %s", got)
	}
	// rocketmq-client-go Test_CalculateSignature: no fields, the body only.
	cmd = remoting.NewRequest(remoting.RequestHeartBeat, map[string]string{}, []byte("Hello RocketMQ Client ACL Feature"))
	if got := signature(cmd, "adiaushdiaushd", nil); got != "tAb/54Rwwcq+pbH8Loi7FWX4QSQ=" {
		t.Errorf("client-go vector: %s", got)
	}
	// Python: hmac.new(b"12345678", sorted values + body, sha1).
	cmd = sendV2()
	Sign(cmd, "RocketMQ", "12345678")
	if got := cmd.ExtFields[FieldSignature]; got != "+IyZb6f+70daGl/xgyQHKnIdR0A=" {
		t.Errorf("SEND_MESSAGE_V2 vector: %s", got)
	}
}

func TestSignatureMatchesClients(t *testing.T) {
	cases := []struct {
		name string
		sign func(*remoting.Command)
		want bool
	}{
		{"Sign", func(c *remoting.Command) { Sign(c, "RocketMQ", "12345678") }, true},
		{"go client", func(c *remoting.Command) { signLikeGoClient(c, "RocketMQ", "12345678", "") }, true},
		{"go client with token", func(c *remoting.Command) { signLikeGoClient(c, "RocketMQ", "12345678", "tok-123") }, true},
		{"java client with token", func(c *remoting.Command) {
			c.Set(FieldSecurityToken, "tok-123") // Java signs the token
			Sign(c, "RocketMQ", "12345678")
		}, true},
		{"old broker content", func(c *remoting.Command) {
			Sign(c, "RocketMQ", "12345678")
			c.Set(uniqueKeyQueryField, "true") // added after signing
		}, true},
		{"wrong secret", func(c *remoting.Command) { Sign(c, "RocketMQ", "87654321") }, false},
		{"field changed after signing", func(c *remoting.Command) {
			Sign(c, "RocketMQ", "12345678")
			c.Set("b", "OtherTopic")
		}, false},
		{"body changed after signing", func(c *remoting.Command) {
			Sign(c, "RocketMQ", "12345678")
			c.Body = []byte("Hello RocketMQ!")
		}, false},
		{"field added after signing", func(c *remoting.Command) {
			Sign(c, "RocketMQ", "12345678")
			c.Set("z", "1")
		}, false},
		{"no signature", func(c *remoting.Command) { c.Set(FieldAccessKey, "RocketMQ") }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := sendV2()
			tc.sign(cmd)
			if got := signatureMatches(cmd, "12345678"); got != tc.want {
				t.Errorf("signatureMatches = %v, want %v (fields %v)", got, tc.want, maps.Collect(maps.All(cmd.ExtFields)))
			}
		})
	}
	// The token case computed independently (Python), as the Go client
	// sends it: the token travels but is not signed.
	cmd := sendV2()
	cmd.Set(FieldAccessKey, "RocketMQ")
	cmd.Set(FieldSecurityToken, "tok-123")
	cmd.Set(FieldSignature, "+IyZb6f+70daGl/xgyQHKnIdR0A=")
	if !signatureMatches(cmd, "12345678") {
		t.Error("go client token vector refused")
	}
	// And as a Java client sends it: the token signed too.
	cmd.Set(FieldSignature, "/eclARhLA1pAscJBd1GsDdNUDqE=")
	if !signatureMatches(cmd, "12345678") {
		t.Error("java client token vector refused")
	}
}
