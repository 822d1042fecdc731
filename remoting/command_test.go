package remoting

import (
	"strings"
	"testing"
)

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		name               string
		mark               func(*Command)
		wantResp, wantOneW bool
		wantFlag           int32
	}{
		{"request", func(*Command) {}, false, false, 0},
		{"response", (*Command).MarkResponse, true, false, 1},
		{"oneway", (*Command).MarkOneway, false, true, 2},
		{"both", func(c *Command) { c.MarkOneway(); c.MarkResponse() }, true, true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Command{Flag: 0}
			tc.mark(c)
			if c.IsResponse() != tc.wantResp || c.IsOneway() != tc.wantOneW || c.Flag != tc.wantFlag {
				t.Fatalf("flag %d: response %v oneway %v", c.Flag, c.IsResponse(), c.IsOneway())
			}
		})
	}
}

func TestNewRequestAndResponse(t *testing.T) {
	ext := map[string]string{"topic": "T"}
	a := NewRequest(RequestGetMaxOffset, ext, []byte("b"))
	b := NewRequest(RequestGetMaxOffset, nil, nil)
	if a.Opaque == b.Opaque {
		t.Fatalf("two requests share opaque %d", a.Opaque)
	}
	if a.Code != 30 || a.IsResponse() || a.Language != LanguageGo || a.Version != DefaultVersion ||
		a.ExtFields["topic"] != "T" || string(a.Body) != "b" {
		t.Fatalf("NewRequest = %v", a)
	}
	r := NewResponse(a, ResponseSystemError, "disk full")
	if r.Opaque != a.Opaque || !r.IsResponse() || r.IsOneway() || r.Code != 1 || r.Remark != "disk full" {
		t.Fatalf("NewResponse = %v", r)
	}
	if s := r.String(); !strings.Contains(s, "response code=1") || !strings.Contains(s, `"disk full"`) {
		t.Fatalf("String() = %s", s)
	}
}

func TestLanguageCodes(t *testing.T) {
	// Ordinals from apache/rocketmq LanguageCode.java.
	for name, code := range map[string]byte{
		"JAVA": 0, "CPP": 1, "DOTNET": 2, "PYTHON": 3, "DELPHI": 4, "ERLANG": 5, "RUBY": 6,
		"OTHER": 7, "HTTP": 8, "GO": 9, "PHP": 10, "OMS": 11, "RUST": 12, "NODE_JS": 13,
	} {
		if got := LanguageCode(name); got != code {
			t.Errorf("LanguageCode(%s) = %d, want %d", name, got, code)
		}
		if got := LanguageName(code); got != name {
			t.Errorf("LanguageName(%d) = %s, want %s", code, got, name)
		}
	}
	if LanguageCode("COBOL") != 7 || LanguageCode("") != 7 || LanguageName(200) != LanguageOther {
		t.Error("unknown languages should map to OTHER")
	}
}

func TestSerializeTypeString(t *testing.T) {
	for st, want := range map[SerializeType]string{JSON: "JSON", RocketMQ: "ROCKETMQ", 9: "SerializeType(9)"} {
		if got := st.String(); got != want {
			t.Errorf("%d.String() = %s, want %s", byte(st), got, want)
		}
	}
}

// TestCodes spot-checks codes against the protocol reference, one per
// group, since a wrong value would silently talk past real clients.
func TestCodes(t *testing.T) {
	for _, tc := range []struct {
		got, want int16
		name      string
	}{
		{RequestSendMessage, 10, "SEND_MESSAGE"},
		{RequestPullMessage, 11, "PULL_MESSAGE"},
		{RequestGetAllTopicConfig, 21, "GET_ALL_TOPIC_CONFIG"},
		{RequestGetBrokerRuntimeInfo, 28, "GET_BROKER_RUNTIME_INFO"},
		{RequestSearchOffsetByTimestamp, 29, "SEARCH_OFFSET_BY_TIMESTAMP"},
		{RequestViewMessageByID, 33, "VIEW_MESSAGE_BY_ID"},
		{RequestUnlockBatchMQ, 42, "UNLOCK_BATCH_MQ"},
		{RequestGetKVConfig, 101, "GET_KV_CONFIG"},
		{RequestRegisterBroker, 103, "REGISTER_BROKER"},
		{RequestUnregisterBroker, 104, "UNREGISTER_BROKER"},
		{RequestGetRouteInfoByTopic, 105, "GET_ROUTEINFO_BY_TOPIC"},
		{RequestGetTopicStatsInfo, 202, "GET_TOPIC_STATS_INFO"},
		{RequestGetConsumerConnectionList, 203, "GET_CONSUMER_CONNECTION_LIST"},
		{RequestGetAllTopicListFromNameServer, 206, "GET_ALL_TOPIC_LIST_FROM_NAMESERVER"},
		{RequestDeleteTopicInNameServer, 216, "DELETE_TOPIC_IN_NAMESRV"},
		{RequestConsumeMessageDirectly, 309, "CONSUME_MESSAGE_DIRECTLY"},
		{RequestSendMessageV2, 310, "SEND_MESSAGE_V2"},
		{RequestSendBatchMessage, 320, "SEND_BATCH_MESSAGE"},
		{ResponseSuccess, 0, "SUCCESS"},
		{ResponseTransactionFailed, 4, "TRANSACTION_FAILED"},
		{ResponseFlushDiskTimeout, 10, "FLUSH_DISK_TIMEOUT"},
		{ResponseInvalidParameter, 29, "INVALID_PARAMETER"},
		{ResponseTransactionStateUnknown, 202, "TRANSACTION_STATE_UNKNOW"},
		{ResponseConsumerNotOnline, 206, "CONSUMER_NOT_ONLINE"},
		{ResponseNoMessage, 208, "NO_MESSAGE"},
		{ResponseFlowControl, 215, "FLOW_CONTROL"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}
