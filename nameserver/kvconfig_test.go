package nameserver

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rocketstore/rocketstore/remoting"
)

func kvRequest(code int16, fields ...string) *remoting.Command {
	ext := map[string]string{}
	for i := 0; i+1 < len(fields); i += 2 {
		ext[fields[i]] = fields[i+1]
	}
	return remoting.NewRequest(code, ext, nil)
}

// TestKVConfigRequests drives PUT_KV_CONFIG, GET_KV_CONFIG,
// DELETE_KV_CONFIG and GET_KVLIST_BY_NAMESPACE with RocketMQ's header
// fields and checks its answers: the value in the response header, a
// KVTable body, QUERY_NOT_FOUND for what is not there.
func TestKVConfigRequests(t *testing.T) {
	ns := startNameServer(t, nil)
	cl := newClient(t)
	call := func(code int16, fields ...string) *remoting.Command {
		t.Helper()
		return invoke(t, cl, ns.Addr(), kvRequest(code, fields...))
	}

	wantCode(t, call(remoting.RequestGetKVConfig, "namespace", "NS", "key", "k1"), remoting.ResponseQueryNotFound)
	wantCode(t, call(remoting.RequestGetKVListByNamespace, "namespace", "NS"), remoting.ResponseQueryNotFound)

	wantCode(t, call(remoting.RequestPutKVConfig, "namespace", "NS", "key", "k1", "value", "v1"), remoting.ResponseSuccess)
	wantCode(t, call(remoting.RequestPutKVConfig, "namespace", "NS", "key", "k2", "value", "v2"), remoting.ResponseSuccess)
	wantCode(t, call(remoting.RequestPutKVConfig, "namespace", "NS", "key", "k1", "value", "v1b"), remoting.ResponseSuccess)
	resp := call(remoting.RequestGetKVConfig, "namespace", "NS", "key", "k1")
	wantCode(t, resp, remoting.ResponseSuccess)
	if v, _ := resp.Lookup("value"); v != "v1b" {
		t.Fatalf("value %q, want v1b", v)
	}
	resp = call(remoting.RequestGetKVListByNamespace, "namespace", "NS")
	wantCode(t, resp, remoting.ResponseSuccess)
	if got := string(resp.Body); got != `{"table":{"k1":"v1b","k2":"v2"}}` {
		t.Fatalf("kv list %s", got)
	}

	wantCode(t, call(remoting.RequestDeleteKVConfig, "namespace", "NS", "key", "k1"), remoting.ResponseSuccess)
	wantCode(t, call(remoting.RequestDeleteKVConfig, "namespace", "NS", "key", "absent"), remoting.ResponseSuccess)
	wantCode(t, call(remoting.RequestGetKVConfig, "namespace", "NS", "key", "k1"), remoting.ResponseQueryNotFound)

	for _, tc := range []struct {
		code   int16
		fields []string
	}{
		{remoting.RequestPutKVConfig, []string{"namespace", "NS", "key", "k"}},
		{remoting.RequestGetKVConfig, []string{"namespace", "NS"}},
		{remoting.RequestDeleteKVConfig, []string{"key", "k"}},
		{remoting.RequestGetKVListByNamespace, nil},
	} {
		wantCode(t, call(tc.code, tc.fields...), remoting.ResponseSystemError)
	}
}

// TestKVConfigSurvivesRestart writes through one name server and reads
// through a new one on the same file, which is RocketMQ's
// KVConfigSerializeWrapper JSON.
func TestKVConfigSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "namesrv", "kvConfig.json")
	first := New(testOptions(t, &Options{KVConfigPath: path}))
	if err := first.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	cl := newClient(t)
	wantCode(t, invoke(t, cl, first.Addr(), kvRequest(remoting.RequestPutKVConfig, "namespace", "ORDER_TOPIC_CONFIG", "key", "TopicOrder", "value", "broker-a:4")), remoting.ResponseSuccess)
	wantCode(t, invoke(t, cl, first.Addr(), kvRequest(remoting.RequestPutKVConfig, "namespace", "NS", "key", "gone", "value", "x")), remoting.ResponseSuccess)
	wantCode(t, invoke(t, cl, first.Addr(), kvRequest(remoting.RequestDeleteKVConfig, "namespace", "NS", "key", "gone")), remoting.ResponseSuccess)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || string(data) != `{"configTable":{"NS":{},"ORDER_TOPIC_CONFIG":{"TopicOrder":"broker-a:4"}}}` {
		t.Fatalf("kvConfig.json %s (%v)", data, err)
	}

	second := startNameServer(t, &Options{KVConfigPath: path, OrderMessageEnable: true})
	resp := invoke(t, cl, second.Addr(), kvRequest(remoting.RequestGetKVConfig, "namespace", "ORDER_TOPIC_CONFIG", "key", "TopicOrder"))
	wantCode(t, resp, remoting.ResponseSuccess)
	if v, _ := resp.Lookup("value"); v != "broker-a:4" {
		t.Fatalf("value after restart %q", v)
	}
	// The order settings reach brokers when they register, and routes
	// when order messages are enabled.
	reg := register(t, cl, second, masterA, DataVersion{Timestamp: 1, Counter: 1}, topicConfig("TopicOrder", 4))
	if string(reg.Body) != `{"table":{"TopicOrder":"broker-a:4"}}` {
		t.Fatalf("register response body %s", reg.Body)
	}
	route, ok := second.Routes().TopicRoute("TopicOrder")
	if !ok {
		t.Fatal("no route")
	}
	resp = queryRoute(t, cl, second, "TopicOrder")
	wantCode(t, resp, remoting.ResponseSuccess)
	if want := `{"orderTopicConf":"broker-a:4",`; string(resp.Body[:len(want)]) != want {
		t.Fatalf("route %s (table route %+v)", resp.Body, route)
	}
}

// TestKVConfigWriteFailure makes the file unwritable: the put is refused
// and the old value stays visible.
func TestKVConfigWriteFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kv", "kvConfig.json")
	ns := startNameServer(t, &Options{KVConfigPath: path})
	cl := newClient(t)
	wantCode(t, invoke(t, cl, ns.Addr(), kvRequest(remoting.RequestPutKVConfig, "namespace", "NS", "key", "k", "value", "old")), remoting.ResponseSuccess)
	// Replace the directory with a file: every write now fails.
	if err := os.RemoveAll(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Dir(path), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	resp := invoke(t, cl, ns.Addr(), kvRequest(remoting.RequestPutKVConfig, "namespace", "NS", "key", "k", "value", "new"))
	wantCode(t, resp, remoting.ResponseSystemError)
	resp = invoke(t, cl, ns.Addr(), kvRequest(remoting.RequestGetKVConfig, "namespace", "NS", "key", "k"))
	if v, _ := resp.Lookup("value"); v != "old" {
		t.Fatalf("value after a failed put %q, want old", v)
	}
}

func TestKVConfigCorruptFileFailsStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kvConfig.json")
	if err := os.WriteFile(path, []byte(`{"configTable":`), 0o644); err != nil {
		t.Fatal(err)
	}
	ns := New(testOptions(t, &Options{KVConfigPath: path}))
	if err := ns.Start("127.0.0.1:0"); err == nil {
		ns.Close()
		t.Fatal("Start with a corrupt kvConfig.json succeeded")
	}
}
