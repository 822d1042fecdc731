package acl

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rocketstore/rocketstore/remoting"
)

// checkConfig has one account of each kind the table below needs.
const checkConfig = `
globalWhiteRemoteAddresses: [10.10.103.*]
accounts:
  - accessKey: userUser
    secretKey: userSecret
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms: [topicA=DENY, topicB=PUB|SUB, topicC=SUB, topicP=PUB]
    groupPerms: [groupA=DENY, groupB=PUB|SUB, groupS=SUB]
  - accessKey: pubByDefault
    secretKey: pubSecret
    defaultTopicPerm: PUB
    defaultGroupPerm: DENY
  - accessKey: adminUser
    secretKey: adminSecret
    admin: true
    defaultTopicPerm: DENY
    defaultGroupPerm: DENY
  - accessKey: trustedHost
    secretKey: trustedSecret
    whiteRemoteAddress: 192.168.1.*
`

// The credentials of checkConfig's accounts.
var (
	user      = [2]string{"userUser", "userSecret"}
	pubUser   = [2]string{"pubByDefault", "pubSecret"}
	adminUser = [2]string{"adminUser", "adminSecret"}
	trusted   = [2]string{"trustedHost", "trustedSecret"}
)

const clientAddr = "172.16.0.9:53000"

func req(code int16, fields ...string) *remoting.Command {
	ext := map[string]string{}
	for i := 0; i+1 < len(fields); i += 2 {
		ext[fields[i]] = fields[i+1]
	}
	return remoting.NewRequest(code, ext, nil)
}

func withBody(cmd *remoting.Command, body string) *remoting.Command {
	cmd.Body = []byte(body)
	return cmd
}

func heartbeat(group string, topics ...string) string {
	subs := make([]string, len(topics))
	for i, t := range topics {
		subs[i] = fmt.Sprintf(`{"topic":%q,"subString":"*"}`, t)
	}
	return fmt.Sprintf(`{"clientID":"c1","producerDataSet":[],"consumerDataSet":[{"groupName":%q,"subscriptionDataSet":[%s]}]}`,
		group, strings.Join(subs, ","))
}

// TestCheckByCodeAndPerm covers each class of request code against each
// kind of permission an account can hold: listed, defaulted, denied, via
// a group, admin-only, and the white-address and signature paths.
func TestCheckByCodeAndPerm(t *testing.T) {
	a, _ := openACL(t, checkConfig, nil)
	cases := []struct {
		name    string
		cmd     *remoting.Command
		creds   [2]string // empty: unsigned
		addr    string    // default clientAddr
		wantErr error     // nil: allowed
	}{
		// Sends: PUB on the topic.
		{"send v2 listed PUB|SUB", req(remoting.RequestSendMessageV2, "a", "pg", "b", "topicB"), user, "", nil},
		{"send v2 listed PUB", req(remoting.RequestSendMessageV2, "a", "pg", "b", "topicP"), user, "", nil},
		{"send v2 listed SUB only", req(remoting.RequestSendMessageV2, "a", "pg", "b", "topicC"), user, "", ErrNoPermission},
		{"send v2 listed DENY", req(remoting.RequestSendMessageV2, "a", "pg", "b", "topicA"), user, "", ErrNoPermission},
		{"send v2 default DENY", req(remoting.RequestSendMessageV2, "a", "pg", "b", "other"), user, "", ErrNoPermission},
		{"send v2 default PUB", req(remoting.RequestSendMessageV2, "a", "pg", "b", "other"), pubUser, "", nil},
		{"send v1", req(remoting.RequestSendMessage, "producerGroup", "pg", "topic", "topicC"), user, "", ErrNoPermission},
		{"send batch", req(remoting.RequestSendBatchMessage, "a", "pg", "b", "topicB"), user, "", nil},
		{"send reply v2", req(remoting.RequestSendReplyMessageV2, "a", "pg", "b", "topicA"), user, "", ErrNoPermission},
		// A retry topic is its group's.
		{"send to retry topic of SUB group", req(remoting.RequestSendMessageV2, "a", "groupS", "b", "%RETRY%groupS"), user, "", nil},
		{"send to retry topic of DENY group", req(remoting.RequestSendMessageV2, "a", "groupA", "b", "%RETRY%groupA"), user, "", ErrNoPermission},
		{"send trace topic needs only a signature", req(remoting.RequestSendMessageV2, "a", "pg", "b", "RMQ_SYS_TRACE_TOPIC"), user, "", nil},
		// Pulls: SUB on the topic and the group.
		{"pull SUB topic, PUB|SUB group", req(remoting.RequestPullMessage, "consumerGroup", "groupB", "topic", "topicC"), user, "", nil},
		{"pull default group SUB", req(remoting.RequestPullMessage, "consumerGroup", "anyGroup", "topic", "topicB"), user, "", nil},
		{"pull DENY group", req(remoting.RequestPullMessage, "consumerGroup", "groupA", "topic", "topicC"), user, "", ErrNoPermission},
		{"pull PUB-only topic", req(remoting.RequestPullMessage, "consumerGroup", "groupB", "topic", "topicP"), user, "", ErrNoPermission},
		{"pull default group DENY", req(remoting.RequestPullMessage, "consumerGroup", "g", "topic", "t"), pubUser, "", ErrNoPermission},
		{"query message", req(remoting.RequestQueryMessage, "topic", "topicA"), user, "", ErrNoPermission},
		// Offsets: the caller's groups only.
		{"commit offset", req(remoting.RequestUpdateConsumerOffset, "consumerGroup", "groupB", "topic", "topicB"), user, "", nil},
		{"commit offset of DENY group", req(remoting.RequestUpdateConsumerOffset, "consumerGroup", "groupA", "topic", "topicB"), user, "", ErrNoPermission},
		{"query offset of DENY group", req(remoting.RequestQueryConsumerOffset, "consumerGroup", "groupA", "topic", "topicB"), user, "", ErrNoPermission},
		{"send back of DENY group", req(remoting.RequestConsumerSendMsgBack, "group", "groupA", "originTopic", "topicB"), user, "", ErrNoPermission},
		{"consumer list of DENY group", req(remoting.RequestGetConsumerListByGroup, "consumerGroup", "groupA"), user, "", ErrNoPermission},
		{"unregister from DENY group", req(remoting.RequestUnregisterClient, "clientID", "c", "consumerGroup", "groupA"), user, "", ErrNoPermission},
		{"lock for DENY group", withBody(req(remoting.RequestLockBatchMQ), `{"consumerGroup":"groupA","clientId":"c","mqSet":[]}`), user, "", ErrNoPermission},
		{"unlock for own group", withBody(req(remoting.RequestUnlockBatchMQ), `{"consumerGroup":"groupB","clientId":"c","mqSet":[]}`), user, "", nil},
		// Heartbeats: every consumer group and subscribed topic.
		{"heartbeat", withBody(req(remoting.RequestHeartBeat), heartbeat("groupB", "topicB", "topicC")), user, "", nil},
		{"heartbeat DENY group", withBody(req(remoting.RequestHeartBeat), heartbeat("groupA", "topicB")), user, "", ErrNoPermission},
		{"heartbeat DENY topic", withBody(req(remoting.RequestHeartBeat), heartbeat("groupB", "topicA")), user, "", ErrNoPermission},
		{"heartbeat unreadable", withBody(req(remoting.RequestHeartBeat), `{"consumerDataSet":7}`), user, "", ErrUnreadable},
		// Admin codes.
		{"create topic by user", req(remoting.RequestUpdateAndCreateTopic, "topic", "topicB"), user, "", ErrAdminRequired},
		{"create topic by admin", req(remoting.RequestUpdateAndCreateTopic, "topic", "x"), adminUser, "", nil},
		{"reset offset by user", req(remoting.RequestInvokeBrokerToResetOffset, "group", "groupB", "topic", "topicB"), user, "", ErrAdminRequired},
		{"delete topic in name server by user", req(remoting.RequestDeleteTopicInNameServer, "topic", "topicB"), user, "", ErrAdminRequired},
		{"wipe write perm by admin", req(remoting.RequestWipeWritePermOfBroker, "brokerName", "b"), adminUser, "", nil},
		{"admin owns every resource", req(remoting.RequestPullMessage, "consumerGroup", "g", "topic", "t"), adminUser, "", nil},
		// Codes with no resource: any valid account.
		{"route query", req(remoting.RequestGetRouteInfoByTopic, "topic", "topicA"), user, "", nil},
		// Identity.
		{"unsigned", req(remoting.RequestSendMessageV2, "a", "pg", "b", "topicB"), [2]string{}, "", ErrNoAccessKey},
		{"global white address, unsigned", req(remoting.RequestUpdateAndCreateTopic, "topic", "x"), [2]string{}, "10.10.103.7:1234", nil},
		{"nil ext fields", &remoting.Command{Code: remoting.RequestHeartBeat}, [2]string{}, "", ErrNoAccessKey},
		{"nil ext fields, global white address", &remoting.Command{Code: remoting.RequestHeartBeat}, [2]string{}, "10.10.103.1:1", nil},
		{"no remote address", req(remoting.RequestSendMessageV2, "b", "topicB"), [2]string{}, "pipe", ErrNoAccessKey},
		{"unknown key", req(remoting.RequestSendMessageV2, "b", "topicB"), [2]string{"nobodyKnown", "whatever1"}, "", ErrUnknownAccessKey},
		{"wrong secret", req(remoting.RequestSendMessageV2, "b", "topicB"), [2]string{"userUser", "notTheSecret"}, "", ErrBadSignature},
		{"account white address skips signature", req(remoting.RequestUpdateAndCreateTopic, "topic", "x", FieldAccessKey, "trustedHost"), [2]string{}, "192.168.1.20:40000", nil},
		{"account white address elsewhere", req(remoting.RequestSendMessageV2, "b", "t", FieldAccessKey, "trustedHost"), [2]string{}, clientAddr, ErrBadSignature},
		{"signed from anywhere", req(remoting.RequestSendMessageV2, "b", "t"), trusted, clientAddr, ErrNoPermission},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.creds[0] != "" {
				Sign(tc.cmd, tc.creds[0], tc.creds[1])
			}
			addr := tc.addr
			if addr == "" {
				addr = clientAddr
			}
			err := a.Check(tc.cmd, addr)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Check = %v, want %v", err, tc.wantErr)
			}
			if err == nil {
				return
			}
			var de *DeniedError
			if !errors.As(err, &de) || de.Code != tc.cmd.Code || de.RemoteAddr != addr {
				t.Fatalf("error %#v is not a complete *DeniedError", err)
			}
			resp := DenyResponse(tc.cmd, err)
			if resp.Code != remoting.ResponseNoPermission || resp.Remark != err.Error() || resp.Opaque != tc.cmd.Opaque {
				t.Fatalf("deny response %v", resp)
			}
		})
	}
}

func TestDeniedErrorNamesResource(t *testing.T) {
	a, _ := openACL(t, checkConfig, nil)
	cmd := req(remoting.RequestPullMessage, "consumerGroup", "groupA", "topic", "topicC")
	Sign(cmd, user[0], user[1])
	err := a.Check(cmd, clientAddr)
	var de *DeniedError
	if !errors.As(err, &de) || de.Resource != "group:groupA" || de.AccessKey != "userUser" {
		t.Fatalf("error %v", err)
	}
	if !strings.Contains(err.Error(), "group:groupA") || !strings.Contains(err.Error(), "needs SUB, has DENY") {
		t.Fatalf("remark %q does not say what is missing", err.Error())
	}
}

// TestAuthorizeGivenRequirement lets the caller state the need.
func TestAuthorizeGivenRequirement(t *testing.T) {
	a, _ := openACL(t, checkConfig, nil)
	cmd := req(remoting.RequestGetRouteInfoByTopic, "topic", "topicB")
	Sign(cmd, user[0], user[1])
	if err := a.Authorize(cmd, clientAddr, Requirement{Needs: []Need{TopicNeed("topicP", PermPub)}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Authorize(cmd, clientAddr, Requirement{Needs: []Need{GroupNeed("groupA", PermSub)}}); !errors.Is(err, ErrNoPermission) {
		t.Fatalf("group need: %v", err)
	}
	if err := a.Authorize(cmd, clientAddr, Requirement{Admin: true}); !errors.Is(err, ErrAdminRequired) {
		t.Fatalf("admin need: %v", err)
	}
}

// TestDenialsAreLoggedOncePerCause floods the checker with one bad
// request and expects one log line, and one for another cause.
func TestDenialsAreLoggedOncePerCause(t *testing.T) {
	a, logs := openACL(t, checkConfig, nil)
	for range 1000 {
		cmd := req(remoting.RequestSendMessageV2, "b", "topicB")
		Sign(cmd, "userUser", "wrongSecret")
		if err := a.Check(cmd, clientAddr); !errors.Is(err, ErrBadSignature) {
			t.Fatal(err)
		}
	}
	if n := len(logs.Lines("acl denied request")); n != 1 {
		t.Fatalf("%d log lines for 1000 identical denials:\n%s", n, logs)
	}
	if err := a.Check(req(remoting.RequestSendMessageV2, "b", "topicB"), clientAddr); !errors.Is(err, ErrNoAccessKey) {
		t.Fatal(err)
	}
	if n := len(logs.Lines("acl denied request")); n != 2 {
		t.Fatalf("%d log lines after a second cause:\n%s", n, logs)
	}
}
