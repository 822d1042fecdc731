package compat

import (
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/broker"
)

// countLines counts the lines starting with prefix.
func countLines(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// startConsumerOn starts a consumer of topic once the nameserver routes the
// topic to the cluster's broker (the client looks it up once as it starts)
// and waits until it is ready.
func (c *cluster) startConsumerOn(t *testing.T, topic string, args ...string) *driver {
	t.Helper()
	c.waitForRoute(t, topic, c.broker.Addr())
	d := startDriver(t, append([]string{"consume", "-ns", c.ns.Addr(), "-topic", topic}, args...)...)
	d.waitUntil(t, 30*time.Second, "consumer ready", hasLine("READY"))
	return d
}

// exactlyOnce fails unless each of want was received once and nothing with
// prefix never arrived.
func exactlyOnce(t *testing.T, lines []string, want []string, never string) {
	t.Helper()
	counts := bodies(lines)
	for _, b := range want {
		if counts[b] != 1 {
			t.Errorf("%s received %d times", b, counts[b])
		}
	}
	for b := range counts {
		if strings.HasPrefix(b, never) {
			t.Errorf("%s was delivered", b)
		}
	}
}

func TestTransactionCommitIsDeliveredOnceAndRollbackNever(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	ns := c.ns.Addr()
	runDriver(t, "txn", "-ns", ns, "-topic", "Tx", "-group", "pg-commit", "-n", "5", "-prefix", "commit", "-state", "commit")
	runDriver(t, "txn", "-ns", ns, "-topic", "Tx", "-group", "pg-rollback", "-n", "5", "-prefix", "rollback", "-state", "rollback")
	cons := c.startConsumerOn(t, "Tx", "-group", "cg-tx")
	cons.waitUntil(t, 60*time.Second, "the 5 committed messages", hasAtLeast(5))
	time.Sleep(time.Second) // a duplicate or a rolled-back message would show by now
	exactlyOnce(t, cons.snapshot(), []string{"commit-0", "commit-1", "commit-2", "commit-3", "commit-4"}, "rollback-")
}

func TestTransactionUnknownStateIsCheckedBack(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	ns := c.ns.Addr()
	commit := startDriver(t, "txn", "-ns", ns, "-topic", "TxCheck", "-group", "pg-check-commit", "-n", "3",
		"-prefix", "later", "-state", "unknown", "-check", "commit", "-wait")
	rollback := startDriver(t, "txn", "-ns", ns, "-topic", "TxCheck", "-group", "pg-check-rollback", "-n", "3",
		"-prefix", "never", "-state", "unknown", "-check", "rollback", "-wait")
	commit.waitUntil(t, 30*time.Second, "the sends", func(l []string) bool { return countLines(l, "TXSENT") == 3 })
	rollback.waitUntil(t, 30*time.Second, "the sends", func(l []string) bool { return countLines(l, "TXSENT") == 3 })
	cons := c.startConsumerOn(t, "TxCheck", "-group", "cg-tx-check")
	// Checks start after transactionTimeOut (3 s here); a producer is known
	// from its heartbeats, sent 1 s after it starts and every 30 s.
	cons.waitUntil(t, 90*time.Second, "the 3 messages committed on check", hasAtLeast(3))
	rollback.waitUntil(t, 90*time.Second, "the checks of the rolled-back ones", func(l []string) bool { return countLines(l, "CHECK never-") >= 3 })
	time.Sleep(time.Second)
	exactlyOnce(t, cons.snapshot(), []string{"later-0", "later-1", "later-2"}, "never-")
	if n := countLines(commit.snapshot(), "CHECK later-"); n < 3 {
		t.Fatalf("the committing producer saw %d checks", n)
	}
}

func TestTransactionCheckBackAfterABrokerRestart(t *testing.T) {
	t.Parallel()
	// A fixed address, so that the producer reconnects to the restarted
	// broker.
	c := startClusterWith(t, broker.Options{ListenAddr: fixedAddr(t), HAListenAddr: fixedAddr(t), DataDir: t.TempDir()})
	ns := c.ns.Addr()
	runDriver(t, "txn", "-ns", ns, "-topic", "TxRestart", "-group", "pg-before", "-n", "2", "-prefix", "before", "-state", "commit")
	open := startDriver(t, "txn", "-ns", ns, "-topic", "TxRestart", "-group", "pg-open", "-n", "2",
		"-prefix", "open", "-state", "unknown", "-check", "commit", "-wait")
	open.waitUntil(t, 30*time.Second, "the sends", func(l []string) bool { return countLines(l, "TXSENT") == 2 })
	c.broker.Close() // before transactionTimeOut (3 s): nothing was checked yet
	if n := countLines(open.snapshot(), "CHECK"); n != 0 {
		t.Fatalf("%d checks before the restart: the test did not restart in time", n)
	}
	c.startBroker(t)
	cons := c.startConsumerOn(t, "TxRestart", "-group", "cg-tx-restart")
	// The producer reconnects with its next heartbeat, up to 30 s later.
	cons.waitUntil(t, 120*time.Second, "the messages committed before and on check after the restart", hasAtLeast(4))
	time.Sleep(time.Second)
	exactlyOnce(t, cons.snapshot(), []string{"before-0", "before-1", "open-0", "open-1"}, "-")
}
