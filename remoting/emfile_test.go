//go:build linux

package remoting

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// emfileChildEnv makes the test binary the EMFILE server child.
const emfileChildEnv = "REMOTING_EMFILE_CHILD"

// TestAcceptSurvivesARealEMFILE runs a server in a child process whose
// RLIMIT_NOFILE leaves room for only a few connections. Clients beyond
// them make Accept fail with EMFILE; the accept loop backs off and, once
// clients leave and descriptors are free, accepts and serves the ones that
// waited in the backlog. Before, the first EMFILE ended the loop for good.
func TestAcceptSurvivesARealEMFILE(t *testing.T) {
	if os.Getenv(emfileChildEnv) != "" {
		emfileChild()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAcceptSurvivesARealEMFILE$")
	cmd.Env = append(os.Environ(), emfileChildEnv+"=1")
	stderr := &logBuffer{} // written by exec's copier while the test reads it
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe() // the child serves until it closes
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
	defer func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("child: %v\n%s", err, stderr.String())
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("child gave no address: %v\n%s", err, stderr.String())
	}
	addr := strings.TrimSpace(strings.TrimPrefix(line, "addr "))

	// More clients than the child has descriptors for; each sends a request
	// at once. The kernel completes their handshakes into the backlog.
	const clients = 12
	conns := make([]*rawConn, clients)
	for i := range conns {
		conns[i] = dialRaw(t, addr)
		conns[i].send(mustEncode(t, &Command{Code: 1, Opaque: int32(i + 1)}, JSON))
	}
	// Some are served, the rest wait: read answers with a short deadline
	// each (the served ones answer at once), closing none meanwhile.
	var served, waiting []*rawConn
	for _, rc := range conns {
		if answered(rc, 300*time.Millisecond) {
			served = append(served, rc)
		} else {
			waiting = append(waiting, rc)
		}
	}
	for _, rc := range served {
		rc.nc.Close() // gives the child a descriptor back
	}
	if len(waiting) == 0 || len(waiting) == clients {
		t.Fatalf("%d of %d clients waiting: the limit did not bite as planned\n%s", len(waiting), clients, stderr.String())
	}
	for _, rc := range waiting {
		if !answered(rc, 10*time.Second) {
			t.Fatalf("a client that waited through EMFILE was never served\n%s", stderr.String())
		}
		rc.nc.Close()
	}
	eventually(t, "the child to log the accept failure", func() bool {
		return strings.Contains(stderr.String(), "accept failed; retrying") // stderr is written by the child only
	})
	if !strings.Contains(stderr.String(), "too many open files") {
		t.Fatalf("the logged accept failure is not EMFILE:\n%s", stderr.String())
	}
}

// answered reports whether rc's request was answered within wait.
func answered(rc *rawConn, wait time.Duration) bool {
	if err := rc.nc.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return false
	}
	frame, err := ReadFrame(rc.r, 0, nil)
	if err != nil {
		return false
	}
	_, _, err = Decode(frame)
	return err == nil
}

// emfileChild serves echo with few file descriptors to spare, until stdin
// closes.
func emfileChild() {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	pool := NewPool(1, 64)
	s := NewServer(ServerOptions{Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	s.Handle(1, pool, echoHandler)
	if err := s.Listen("127.0.0.1:0"); err != nil {
		fail(err)
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		fail(err)
	}
	// Room for three connections over what is open now (the directory
	// listing's own descriptor is closed again).
	limit := uint64(len(fds) - 1 + 3)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		fail(err)
	}
	fmt.Printf("addr %s\n", s.Addr())
	io.Copy(io.Discard, os.Stdin)
	if err := s.Close(); err != nil {
		fail(err)
	}
	pool.Close()
}
