package acl

import (
	"testing"

	"github.com/rocketstore/rocketstore/remoting"
)

// BenchmarkCheck measures what ACL adds to each request on a broker: the
// signature (HMAC-SHA1 over the header values and the body) and the
// permission lookup.
func BenchmarkCheck(b *testing.B) {
	a, _ := openACL(b, checkConfig, nil)
	for _, bc := range []struct {
		name string
		cmd  *remoting.Command
	}{
		{"send-1KiB", withBody(req(remoting.RequestSendMessageV2, "a", "pg", "b", "topicB", "c", "TBW102", "d", "4", "e", "1",
			"f", "0", "g", "1700000000000", "h", "0", "i", "UNIQ_KEY\x01AC11000100002A9F0000000000000000\x02", "j", "0", "k", "false", "l", "0", "m", "false"),
			string(make([]byte, 1024)))},
		{"pull", req(remoting.RequestPullMessage, "consumerGroup", "groupB", "topic", "topicC", "queueId", "1", "queueOffset", "100",
			"maxMsgNums", "32", "sysFlag", "3", "commitOffset", "99", "suspendTimeoutMillis", "20000", "subscription", "*", "subVersion", "1")},
	} {
		Sign(bc.cmd, user[0], user[1])
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.cmd.Body)))
			b.ReportAllocs()
			for b.Loop() {
				if err := a.Check(bc.cmd, clientAddr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
