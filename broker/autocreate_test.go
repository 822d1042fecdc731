package broker

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/internal/logtest"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/remoting"
)

// TestAutoCreationIsRateLimited: sends to new topics and a heartbeat
// naming many new groups create AutoCreateRate of them; the other sends
// are answered SYSTEM_BUSY (and logged), the other groups still join
// (their configs and retry topics come later), and a send-back of an
// unknown group cannot create its retry topic beyond the limit either.
func TestAutoCreationIsRateLimited(t *testing.T) {
	log, logs := logtest.New()
	f := newOpsFixture(t, func(o *Options) { o.AutoCreateRate = 5; o.Logger = log })
	created, busy := 0, 0
	for i := range 20 {
		resp := call(t, f.cl, f.addr, sendRequest(fmt.Sprintf("New%d", i), 0, "x", ""))
		switch resp.Code {
		case remoting.ResponseSuccess:
			created++
		case remoting.ResponseSystemBusy:
			busy++
			if !strings.Contains(resp.Remark, "auto-creation rate limit") {
				t.Fatalf("remark %q", resp.Remark)
			}
		default:
			t.Fatalf("send to a new topic: %v", resp)
		}
	}
	// A loaded machine may refill a token or two while the loop runs.
	if created < 5 || created > 8 || busy+created != 20 {
		t.Fatalf("%d topics created, %d refused; want about 5 created", created, busy)
	}
	if len(logs.Lines("topic not auto-created: rate limit reached")) == 0 {
		t.Fatal("no log line for the refused creations")
	}

	time.Sleep(time.Second) // a full bucket again
	groups := make([]any, 50)
	for i := range groups {
		groups[i] = map[string]any{"groupName": fmt.Sprintf("g%d", i), "consumeType": "CONSUME_PASSIVELY",
			"messageModel": "CLUSTERING", "subscriptionDataSet": []any{}}
	}
	body, _ := json.Marshal(map[string]any{"clientID": "many-groups", "consumerDataSet": groups})
	if resp := call(t, f.cl, f.addr, remoting.NewRequest(remoting.RequestHeartBeat, nil, body)); resp.Code != remoting.ResponseSuccess {
		t.Fatalf("heartbeat of 50 groups: %v", resp)
	}
	withConfig, withRetry := 0, 0
	for i := range 50 {
		g := fmt.Sprintf("g%d", i)
		if _, ok := f.b.groups.get(g); ok {
			withConfig++
		}
		if _, ok := f.b.topics.get(retryGroupTopicPrefix + g); ok {
			withRetry++
		}
		if len(f.b.consumers.ids(g)) != 1 {
			t.Fatalf("group %s has no member", g)
		}
	}
	if withConfig > 8 || withRetry != withConfig {
		t.Fatalf("one heartbeat created %d group configs and %d retry topics; want about 5 of each", withConfig, withRetry)
	}

	for range 10 { // empty the bucket
		f.b.creations.take(time.Now())
	}
	phys := offsetOf(t, call(t, f.cl, f.addr, sendRequest("New0", 0, "back", "")))
	back := remoting.NewRequest(remoting.RequestConsumerSendMsgBack,
		map[string]string{"offset": fmt.Sprint(phys), "group": "stranger", "delayLevel": "0"}, nil)
	if resp := call(t, f.cl, f.addr, back); resp.Code != remoting.ResponseSystemBusy {
		t.Fatalf("send-back creating a retry topic above the limit: %v", resp)
	}
}

// TestDerivedConfigsAreWrittenLazily: many derived changes cost one write
// within the interval; an operator's change is written before it returns;
// close writes what is pending.
func TestDerivedConfigsAreWrittenLazily(t *testing.T) {
	var writes atomic.Int32
	log, _ := logtest.New()
	l := newLazySave("test", func() error { writes.Add(1); return nil }, log)
	l.interval = 50 * time.Millisecond
	for range 1000 {
		l.later()
	}
	testkit.WaitFor(t, "the lazy write", func() bool { return writes.Load() == 1 })
	time.Sleep(100 * time.Millisecond)
	if n := writes.Load(); n != 1 {
		t.Fatalf("1000 derived changes made %d writes", n)
	}
	if err := l.now(); err != nil || writes.Load() != 2 {
		t.Fatalf("now: %v, %d writes", err, writes.Load())
	}
	l.interval = time.Hour
	l.later()
	if err := l.close(); err != nil || writes.Load() != 3 {
		t.Fatalf("close with a change pending: %v, %d writes", err, writes.Load())
	}
}

// TestAnAutoCreatedTopicLostInACrashIsRestored: a crash may lose an
// auto-created topic's config (written lazily); the broker gives it back
// from the store's queues at start, and its messages are served.
func TestAnAutoCreatedTopicLostInACrashIsRestored(t *testing.T) {
	dir := t.TempDir()
	b := newRoleBroker(t, dir, RoleAsyncMaster, "", "")
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	call(t, cl, b.Addr(), sendRequest("Fleeting", 3, "kept", ""))
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	// What a crash before the lazy write leaves: topics.json without it.
	path := filepath.Join(dir, "config", "topics.json")
	var f topicFile
	if err := loadJSON(path, &f); err != nil {
		t.Fatal(err)
	}
	delete(f.TopicConfigTable, "Fleeting")
	if err := saveJSON(path, f); err != nil {
		t.Fatal(err)
	}
	b = newRoleBroker(t, dir, RoleAsyncMaster, "", "")
	defer b.Close()
	tc, ok := b.topics.get("Fleeting")
	if !ok || tc.WriteQueueNums < 4 || tc.Perm != DefaultPerm {
		t.Fatalf("restored config %+v, %v; want queues 0..3 at least, read-write", tc, ok)
	}
	if recs := queueBodies(t, b, cl, "Fleeting", 3); len(recs) != 1 || string(recs[0].Body) != "kept" {
		t.Fatalf("the restored topic serves %v", recs)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
