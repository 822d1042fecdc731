package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/controller"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/nameserver"
	"github.com/rocketstore/rocketstore/remoting"
)

// child is one rocketstore process: this test binary running main with
// args (see TestMain).
type child struct {
	name, args string
	cmd        *exec.Cmd
	done       chan struct{}

	mu    sync.Mutex
	lines []string
}

// startChild runs `rocketstore args` and waits for a line starting with
// ready on its standard output.
func startChild(t testing.TB, name, args, ready string) *child {
	t.Helper()
	c := &child{name: name, args: args, done: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], "-test.run=^$")
	c.cmd.Env = append(os.Environ(), "ROCKETSTORE_TEST_MAIN="+args)
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.cmd.Stderr = c.cmd.Stdout
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	up := make(chan struct{})
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		seen := false
		for sc.Scan() {
			c.mu.Lock()
			c.lines = append(c.lines, sc.Text())
			c.mu.Unlock()
			if !seen && strings.HasPrefix(sc.Text(), ready) {
				seen = true
				close(up)
			}
		}
	}()
	select {
	case <-up:
	case <-c.done:
		c.cmd.Wait()
		t.Fatalf("%s exited before it was ready:\n%s", name, c.output())
	case <-time.After(60 * time.Second):
		c.kill()
		t.Fatalf("%s did not start:\n%s", name, c.output())
	}
	return c
}

// kill ends the process with SIGKILL and waits for it.
func (c *child) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
	c.cmd.Wait()
}

// stop ends the process with SIGTERM (a clean shutdown) and waits.
func (c *child) stop() {
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Signal(syscall.SIGKILL)
		<-c.done
	}
	c.cmd.Wait()
}

func (c *child) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.lines, "\n")
}

// grep is the output lines that contain s.
func (c *child) grep(s string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, l := range c.lines {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

// procCluster is a nameserver (in this process), three controller
// processes and three broker processes of group broker-a in controller
// mode, on 127.0.0.1.
type procCluster struct {
	t      testing.TB
	ns     *nameserver.NameServer
	peers  string
	ctrlID []string
	ctrlA  []string // remoting addresses
	ctrls  []*child
	brkA   []string // broker addresses
	brks   []*child
	args   []string // each broker's args
	client *remoting.Client
	ctrl   *controller.Client
}

func newProcCluster(t testing.TB, brokerConf string) *procCluster {
	t.Helper()
	base := t.TempDir()
	pc := &procCluster{t: t, client: remoting.NewClient(remoting.ClientOptions{})}
	pc.ns = nameserver.New(&nameserver.Options{KVConfigPath: filepath.Join(base, "kv.json")})
	if err := pc.ns.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pc.close)
	t.Cleanup(func() { // runs before close: the processes' last lines
		if t.Failed() {
			for _, c := range append(slices.Clone(pc.ctrls), pc.brks...) {
				if c != nil {
					out := strings.Split(c.output(), "\n")
					t.Logf("--- %s, last lines:\n%s", c.name, strings.Join(out[max(0, len(out)-40):], "\n"))
				}
			}
		}
	})
	var peers []string
	for i := range 3 {
		id, addr, raft := fmt.Sprintf("n%d", i), testkit.LowPortAddr(t), testkit.LowPortAddr(t)
		pc.ctrlID, pc.ctrlA = append(pc.ctrlID, id), append(pc.ctrlA, addr)
		peers = append(peers, id+"="+addr+"/"+raft)
	}
	pc.peers = strings.Join(peers, ",")
	pc.ctrl = controller.NewClient(controller.ClientOptions{Controllers: pc.ctrlA, AttemptTimeout: time.Second})
	pc.ctrls = make([]*child, 3)
	for i := range 3 {
		pc.startController(i, filepath.Join(base, "controller"+pc.ctrlID[i]))
	}
	pc.brks = make([]*child, 3)
	for i := range 3 {
		listen, ha := testkit.LowPortAddr(t), testkit.LowPortAddr(t)
		_, haPort, _ := net.SplitHostPort(ha)
		dir := filepath.Join(base, fmt.Sprintf("broker%d", i))
		conf := filepath.Join(base, fmt.Sprintf("broker%d.conf", i))
		body := fmt.Sprintf("enableControllerMode=true\ncontrollerAddr=%s\nhaListenPort=%s\n%s",
			strings.Join(pc.ctrlA, ";"), haPort, brokerConf)
		if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		pc.brkA = append(pc.brkA, listen)
		pc.args = append(pc.args, fmt.Sprintf("broker -listen %s -namesrv %s -data %s -name broker-a -cluster ProcCluster -config %s",
			listen, pc.ns.Addr(), dir, conf))
		pc.startBroker(i)
	}
	return pc
}

func (pc *procCluster) startController(i int, dir string) {
	pc.t.Helper()
	pc.ctrls[i] = startChild(pc.t, "controller "+pc.ctrlID[i],
		fmt.Sprintf("controller -id %s -peers %s -data %s -scan-interval 100ms -broker-timeout 2s", pc.ctrlID[i], pc.peers, dir),
		"rocketstore: controller")
}

// restartController starts controller i again on its data.
func (pc *procCluster) restartController(i int) {
	pc.t.Helper()
	args := pc.ctrls[i].args
	pc.ctrls[i] = startChild(pc.t, "controller "+pc.ctrlID[i], args, "rocketstore: controller")
}

func (pc *procCluster) startBroker(i int) {
	pc.t.Helper()
	pc.brks[i] = startChild(pc.t, fmt.Sprintf("broker %d", i), pc.args[i], "rocketstore: broker")
}

func (pc *procCluster) close() {
	for _, b := range pc.brks {
		if b != nil {
			b.kill()
		}
	}
	for _, c := range pc.ctrls {
		if c != nil {
			c.kill()
		}
	}
	pc.ns.Close()
	pc.client.Close()
	if pc.ctrl != nil {
		pc.ctrl.Close()
	}
}

// master is the address the nameserver routes broker-a's writes to.
func (pc *procCluster) master() string {
	ci := pc.ns.Routes().ClusterInfo()
	if bd, ok := ci.BrokerAddrTable["broker-a"]; ok {
		return bd.BrokerAddrs[0]
	}
	return ""
}

func (pc *procCluster) brokerIndex(addr string) int {
	for i, a := range pc.brkA {
		if a == addr {
			return i
		}
	}
	return -1
}

// leader is the index of the controller that leads, -1 when none answers.
func (pc *procCluster) leader() int {
	for i, a := range pc.ctrlA {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		md, err := pc.ctrl.Metadata(ctx, a)
		cancel()
		if err == nil && md.IsLeader {
			return i
		}
	}
	return -1
}

// syncStateSetSize is how many replicas the controller counts in sync for
// broker-a, -1 when it cannot say.
func (pc *procCluster) syncStateSetSize() int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	mi, err := pc.ctrl.GetReplicaInfo(ctx, "broker-a")
	if err != nil {
		return -1
	}
	return len(mi.SyncStateSet.SyncStateSet)
}

// send sends one message to addr and returns the answer's code, -1 when the
// request failed.
func (pc *procCluster) send(addr, topic string, queue int32, body string) int16 {
	h := remoting.SendMessageRequestHeader{
		ProducerGroup: "pg", Topic: topic, DefaultTopic: "TBW102", DefaultTopicQueueNums: 4,
		QueueID: queue, BornTimestamp: time.Now().UnixMilli(), MaxReconsumeTimes: -1,
		Properties: string(message.EncodeProperties(map[string]string{message.PropertyKeys: body[:min(len(body), 64)]})),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := pc.client.InvokeSync(ctx, addr, remoting.NewRequest(remoting.RequestSendMessageV2, h.EncodeV2(nil), []byte(body)))
	if err != nil {
		return -1
	}
	return resp.Code
}

// pullAll reads every message of topic from the broker at addr, as a
// consumer sees them.
func (pc *procCluster) pullAll(addr, topic string, queues int32) (map[string]bool, error) {
	got := map[string]bool{}
	for q := range queues {
		for offset := int64(0); ; {
			h := remoting.PullMessageRequestHeader{ConsumerGroup: "verify", Topic: topic, QueueID: q, QueueOffset: offset,
				MaxMsgNums: 32, SubVersion: 1, ExpressionType: "TAG", Subscription: "*", SysFlag: 0x4} // the pull carries its subscription
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			resp, err := pc.client.InvokeSync(ctx, addr, remoting.NewRequest(remoting.RequestPullMessage, h.Encode(nil), nil))
			cancel()
			if err != nil {
				return nil, err
			}
			if resp.Code != remoting.ResponseSuccess {
				break // no new message, or the queue's end
			}
			var rh remoting.PullMessageResponseHeader
			if err := rh.Decode(resp.ExtFields); err != nil {
				return nil, err
			}
			body := resp.Body
			for len(body) > 0 {
				r, err := message.Decode(body, true)
				if err != nil {
					return nil, fmt.Errorf("queue %d at %d: %w", q, offset, err)
				}
				got[string(r.Body)] = true
				body = body[r.StoreSize:]
			}
			if rh.NextBeginOffset <= offset {
				break
			}
			offset = rh.NextBeginOffset
		}
	}
	return got, nil
}

// await polls cond until it holds, failing after within.
func await(t testing.TB, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// invoke sends req to addr and fails the test unless it succeeds.
func (pc *procCluster) invoke(t testing.TB, addr string, req *remoting.Command) *remoting.Command {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := pc.client.InvokeSync(ctx, addr, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Code != remoting.ResponseSuccess {
		t.Fatalf("%s: code %d: %s", addr, resp.Code, resp.Remark)
	}
	return resp
}

func decodeJSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
}
