// Package e2e drives the web console in headless Chromium against a broker
// and name server started in the test. It is a module of its own so that
// chromedp stays out of the library's go.mod.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rocketstore/rocketstore/admin"
	"github.com/rocketstore/rocketstore/console"
	"github.com/rocketstore/rocketstore/internal/testcluster"
)

// chromiumPath finds Debian's chromium: $CHROMIUM, else chromium on PATH.
// Its absence fails the test: the console's browser test must run.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed: install it with `apt-get install -y chromium` (Debian; .ci/run does), or set CHROMIUM to its path")
	return ""
}

// artifactsDir is where screenshots go: $ARTIFACTS_DIR, else
// testdata/artifacts (ignored by git).
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join("testdata", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser starts headless Chromium with a fresh profile and no network
// beyond the test's own servers.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// The first call starts the browser, whose life is its context's: no
	// timeout here, one per step below.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// stepTimeout bounds one step of the test in the browser.
const stepTimeout = time.Minute

// run runs browser actions, failing the test with the step that failed.
func run(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// text returns an element's visible text.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// screenshot saves the page as name.png among the artifacts.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(artifactsDir(t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

// waitText waits until the element's text is want: the pages refresh
// from the API, so a value may take a refresh to appear.
func waitText(sel, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		var got string
		for {
			var err error
			got, err = chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible)(ctx, target)
			if err == nil && strings.TrimSpace(got) == want {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s: text %q, want %q (%v)", sel, got, want, err)
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

func TestConsoleInChromium(t *testing.T) {
	ctx := browser(t)
	cl := testcluster.Start(t)

	// A backlog on Orders: 40 messages over 4 queues, of which the group
	// billing committed 4 per queue; one live member.
	var keyed testcluster.Sent
	for i := range 40 {
		s := cl.Send(t, "Orders", int32(i%4), fmt.Sprintf(`{"order":%d,"amount":%d.50}`, i, 10+i), "TagA", fmt.Sprintf("order-%d", i))
		if i == 17 {
			keyed = s
		}
	}
	cl.WaitRoute(t, "Orders")
	cl.WaitDispatched(t)
	for q := range int32(4) {
		cl.Commit(t, "billing", "Orders", q, 4)
	}
	cl.Heartbeat(t, "billing", "billing-client-1", "Orders")
	const lagBefore = 40 - 4*4

	ac := admin.New(&admin.Options{NameServers: []string{cl.NameServer}})
	defer ac.Close()
	srv, err := console.New(&console.Options{Addr: "127.0.0.1:0", Admin: ac, Gatherer: cl.Broker.MetricsRegistry(), SampleInterval: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	base := "http://" + srv.Addr() + "/"

	// Cluster: the broker with its address and role, and the chart drawn
	// from the sampler's points.
	run(t, ctx, "cluster page",
		chromedp.Navigate(base+"#/cluster"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#brokers tr[data-broker=%q]`, cl.BrokerAddr))),
		chromedp.WaitVisible(chromedp.CSS(`#chart-in`)),
	)
	brokerRow := text(t, ctx, fmt.Sprintf(`#brokers tr[data-broker=%q]`, cl.BrokerAddr))
	for _, want := range []string{cl.ClusterName, cl.BrokerName, "master", "40"} {
		if !strings.Contains(brokerRow, want) {
			t.Errorf("broker row %q lacks %q", brokerRow, want)
		}
	}
	screenshot(t, ctx, "cluster")

	// Topics: Orders holds 40 messages; its page lists billing's lag.
	run(t, ctx, "topics page",
		chromedp.Navigate(base+"#/topics"),
		waitText(`#topics tr[data-topic="Orders"] td.messages`, "40"),
	)
	screenshot(t, ctx, "topics")
	run(t, ctx, "topic page",
		chromedp.Click(chromedp.CSS(`#topics tr[data-topic="Orders"]`)),
		waitText(`#topic-name`, "Orders"),
		waitText(`#topic-messages`, "40"),
		chromedp.WaitVisible(chromedp.CSS(`#topic-groups tbody tr`)),
	)

	// Groups: billing, one member, its lag; the group page per queue.
	run(t, ctx, "groups page",
		chromedp.Navigate(base+"#/groups"),
		waitText(`#groups tr[data-group="billing"] td.lag`, fmt.Sprint(lagBefore)),
		chromedp.Click(chromedp.CSS(`#groups tr[data-group="billing"]`)),
		waitText(`#group-name`, "billing"),
		waitText(`#group-lag-total`, fmt.Sprint(lagBefore)),
		waitText(`#group-member-count`, "1"),
		chromedp.WaitVisible(chromedp.CSS(`#group-members tbody tr`)),
	)
	members := text(t, ctx, `#group-members`)
	if !strings.Contains(members, "billing-client-1") {
		t.Errorf("members table %q lacks the client", members)
	}
	screenshot(t, ctx, "group")

	// Reset billing on Orders to the end from the console: the lag the
	// page shows and the broker reports both go to 0.
	run(t, ctx, "reset offset",
		chromedp.SetValue(chromedp.CSS(`#reset-topic`), "Orders"),
		chromedp.SetValue(chromedp.CSS(`#reset-to`), "latest"),
		chromedp.Click(chromedp.CSS(`#reset-submit`)),
		waitText(`#group-lag-total`, "0"),
		chromedp.WaitVisible(chromedp.CSS(`#reset-result.good`)),
	)
	p, err := ac.ConsumerProgress(context.Background(), "billing", "Orders")
	if err != nil || p.DiffTotal != 0 {
		t.Fatalf("the broker's lag after the console's reset: %+v, %v", p, err)
	}
	screenshot(t, ctx, "group-after-reset")

	// Messages: look up by key, open the message, see its properties and
	// body.
	run(t, ctx, "lookup by key",
		chromedp.Navigate(base+"#/messages"),
		chromedp.WaitVisible(chromedp.CSS(`#q-topic`)),
		chromedp.SendKeys(chromedp.CSS(`#q-topic`), "Orders"),
		chromedp.SendKeys(chromedp.CSS(`#q-key`), "order-17"),
		chromedp.Click(chromedp.CSS(`#q-search-key`)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#q-results tr[data-msgid=%q]`, keyed.MsgID))),
	)
	screenshot(t, ctx, "messages")
	run(t, ctx, "message page",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#q-results tr[data-msgid=%q]`, keyed.MsgID))),
		waitText(`#msg-id`, keyed.MsgID),
		waitText(`#msg-body`, `{"order":17,"amount":27.50}`),
	)
	props := text(t, ctx, `#msg-props`)
	for _, want := range []string{"KEYS", "order-17", "UNIQ_KEY", keyed.MsgID, "TAGS", "TagA"} {
		if !strings.Contains(props, want) {
			t.Errorf("properties %q lack %q", props, want)
		}
	}
	screenshot(t, ctx, "message")
}
