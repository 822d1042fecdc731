package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/admin"
	"github.com/rocketstore/rocketstore/console"
	"github.com/rocketstore/rocketstore/internal/testcluster"
)

// buildClientDriver builds compat's rocketmq-client-go v2.1.2 driver,
// without the race detector (the client races on its own), inside the
// compat module, which keeps the client out of the library's go.mod.
func buildClientDriver(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	path := filepath.Join(t.TempDir(), "driver")
	cmd := exec.Command(goTool, "build", "-o", path, "./internal/driver")
	cmd.Dir = filepath.Join("..", "..", "compat")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the client driver: %v\n%s", err, out)
	}
	return path
}

// goConsumer is a running rocketmq-client-go push consumer and the bodies
// it consumed.
type goConsumer struct {
	cmd  *exec.Cmd
	done chan struct{}

	mu     sync.Mutex
	bodies map[string]bool
}

func startGoConsumer(t *testing.T, driver, ns, topic, group string) *goConsumer {
	t.Helper()
	c := &goConsumer{cmd: exec.Command(driver, "consume", "-ns", ns, "-topic", topic, "-group", group), done: make(chan struct{}), bodies: map[string]bool{}}
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.cmd.Stderr = os.Stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) > 1 && f[0] == "GOT" {
				c.mu.Lock()
				c.bodies[f[1]] = true
				c.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.done
		c.cmd.Wait()
	})
	return c
}

func (c *goConsumer) consumed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.bodies)
}

// stop shuts the consumer down as an application does (SIGTERM: the
// client persists its offsets) and waits for it.
func (c *goConsumer) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the consumer did not stop within 30 s of SIGTERM")
	}
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("consumer exit: %v", err)
	}
}

// metricLag sums rocketmq_consumer_lag_messages of a group and topic in a
// Prometheus text exposition.
func metricLag(t *testing.T, exposition, group, topic string) int64 {
	t.Helper()
	line := regexp.MustCompile(`(?m)^rocketmq_consumer_lag_messages\{([^}]*)\} (\S+)$`)
	var sum int64
	found := false
	for _, m := range line.FindAllStringSubmatch(exposition, -1) {
		if !strings.Contains(m[1], fmt.Sprintf(`consumer_group=%q`, group)) || !strings.Contains(m[1], fmt.Sprintf(`topic=%q`, topic)) {
			continue
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			t.Fatalf("metric value %q: %v", m[2], err)
		}
		sum += int64(v)
		found = true
	}
	if !found {
		t.Fatalf("no rocketmq_consumer_lag_messages for %s on %s in:\n%.3000s", group, topic, exposition)
	}
	return sum
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%s", url, resp.StatusCode, err, b)
	}
	return string(b)
}

// A Go client consumes part of a backlog; afterwards the lag that the
// admin CLI, /metrics, the console's API and the store's own numbers give
// is the same, and is what the consumer did not read.
func TestLagAgreesAcrossCLIMetricsConsoleAndStore(t *testing.T) {
	const (
		topic, group       = "Lagging", "lag-watch"
		first, more        = 100, 150
		queues       int32 = 4
	)
	driver := buildClientDriver(t)
	cl := testcluster.Start(t)
	cl.Backlog(t, topic, first, queues, "m")
	ac := admin.New(&admin.Options{NameServers: []string{cl.NameServer}})
	defer ac.Close()
	srv, err := console.New(&console.Options{Addr: "127.0.0.1:0", Admin: ac, Gatherer: cl.Broker.MetricsRegistry(), SampleInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	// The consumer reads the first part, commits it and stops; then more
	// arrives.
	c := startGoConsumer(t, driver, cl.NameServer, topic, group)
	testcluster.WaitFor(t, 60*time.Second, "the Go consumer to read the first messages", func() bool { return c.consumed() == first })
	testcluster.WaitFor(t, 30*time.Second, "the consumer's offsets to reach the broker", func() bool {
		p, err := ac.ConsumerProgress(context.Background(), group, topic)
		return err == nil && len(p.Queues) == int(queues) && p.DiffTotal == 0
	})
	c.stop(t)
	cl.Backlog(t, topic, more, queues, "n")
	if got := c.consumed(); got != first {
		t.Fatalf("the consumer read %d messages, want %d", got, first)
	}

	// The store's numbers: what the queues hold minus what the group read.
	var stored int64
	for q := range queues {
		stored += cl.Broker.Store().GetMaxOffsetInQueue(topic, q)
	}
	want := stored - int64(c.consumed())
	if want != more {
		t.Fatalf("the store holds %d, the consumer read %d: lag %d, want %d", stored, c.consumed(), want, more)
	}

	var p admin.Progress
	mustJSON(t, &p, "consumerProgress", "-n", cl.NameServer, "-g", group, "-t", topic)
	if p.DiffTotal != want {
		t.Errorf("admin consumerProgress: lag %d, want %d", p.DiffTotal, want)
	}
	if out := mustAdmin(t, "consumerProgress", "-n", cl.NameServer, "-g", group); !strings.Contains(out, fmt.Sprintf("Consume Diff Total: %d", want)) {
		t.Errorf("admin consumerProgress table:\n%s", out)
	}
	base := "http://" + srv.Addr()
	if got := metricLag(t, httpGet(t, base+"/metrics"), group, topic); got != want {
		t.Errorf("/metrics rocketmq_consumer_lag_messages: %d, want %d", got, want)
	}
	var g struct {
		Progress admin.Progress `json:"progress"`
	}
	if err := json.Unmarshal([]byte(httpGet(t, base+"/api/group?group="+group)), &g); err != nil {
		t.Fatal(err)
	}
	if g.Progress.DiffTotal != want {
		t.Errorf("/api/group: lag %d, want %d", g.Progress.DiffTotal, want)
	}
	t.Logf("lag %d everywhere: %d stored, %d consumed by the Go client", want, stored, c.consumed())
}
