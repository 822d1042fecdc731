package controller

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// A child process is one controller: it binds its two ports, prints them,
// reads every peer on stdin, serves, and exits when stdin closes (or dies
// by SIGKILL, which is the point).
const childEnv = "CONTROLLER_TEST_CHILD"

func TestMain(m *testing.M) {
	if id := os.Getenv(childEnv); id != "" {
		if err := runChild(id, os.Getenv("CONTROLLER_TEST_DIR")); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runChild(id, dir string) error {
	srv := remoting.NewServer(remoting.ServerOptions{})
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("ADDRS %s %s\n", srv.Addr(), ln.Addr())
	in := bufio.NewReader(os.Stdin)
	line, err := in.ReadString('\n')
	if err != nil {
		return err
	}
	peers, err := ParsePeers(strings.TrimSpace(line))
	if err != nil {
		return err
	}
	cl := &cluster{peers: peers, dirs: []string{dir}}
	o := cl.options(0)
	o.ID, o.DataDir, o.Server, o.RaftListener = id, dir, srv, ln
	c, err := New(o)
	if err != nil {
		return err
	}
	fmt.Println("READY")
	_, _ = io.Copy(io.Discard, in) // until the parent closes stdin
	return c.Close()
}

type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	peer  Peer
}

func startChild(t *testing.T, id string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+id, "CONTROLLER_TEST_DIR="+t.TempDir())
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ch := &child{cmd: cmd, stdin: stdin, peer: Peer{ID: id}}
	t.Cleanup(func() {
		ch.stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(testWait):
			cmd.Process.Kill()
			<-done
		}
	})
	var addr, raftAddr string
	if _, err := fmt.Fscanf(stdout, "ADDRS %s %s\n", &addr, &raftAddr); err != nil {
		t.Fatalf("child %s: %v", id, err)
	}
	ch.peer.Addr, ch.peer.RaftAddr = addr, raftAddr
	go io.Copy(io.Discard, stdout) // READY and anything after
	return ch
}

func TestSIGKILLedLeaderProcessIsReplaced(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three processes")
	}
	var children []*child
	var specs, addrs []string
	for i := range 3 {
		ch := startChild(t, fmt.Sprintf("n%d", i))
		children = append(children, ch)
		specs = append(specs, fmt.Sprintf("%s=%s/%s", ch.peer.ID, ch.peer.Addr, ch.peer.RaftAddr))
		addrs = append(addrs, ch.peer.Addr)
	}
	for _, ch := range children {
		if _, err := fmt.Fprintln(ch.stdin, strings.Join(specs, ",")); err != nil {
			t.Fatal(err)
		}
	}
	cl := &cluster{t: t, peers: nil}
	for _, ch := range children {
		cl.peers = append(cl.peers, ch.peer)
	}
	bs := newGroup(t, cl, "broker-a", 100, 100, 100)
	expand(t, bs[0], 2, 3)
	admin := NewClient(ClientOptions{Controllers: addrs})
	defer admin.Close()
	md, err := admin.Metadata(testCtx(t), addrs[0])
	if err != nil || md.LeaderID == "" {
		t.Fatalf("metadata: %+v %v", md, err)
	}
	for _, ch := range children {
		if ch.peer.ID == md.LeaderID {
			if err := ch.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			t.Logf("SIGKILLed leader %s", md.LeaderID)
		}
	}
	bs[0].beating.Store(false) // and the master stops heartbeating
	waitFor(t, "a surviving controller elects a new master", func() bool {
		m2, m3 := bs[1].master(), bs[2].master()
		return m2.MasterBrokerID > 1 && m2.MasterBrokerID == m3.MasterBrokerID && m2.MasterEpoch == 2
	})
}
