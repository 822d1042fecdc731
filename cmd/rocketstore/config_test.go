package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/broker"
	"github.com/rocketstore/rocketstore/commitlog"
)

func TestBrokerConfFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broker.conf")
	conf := `# a RocketMQ broker.conf
brokerClusterName = ClusterX
brokerName=broker-b
brokerId=0
namesrvAddr=127.0.0.1:9876;127.0.0.2:9876
listenPort=10921
storePathRootDir=/var/lib/rocketstore
flushDiskType=SYNC_FLUSH
autoCreateTopicEnable=false
fileReservedTime=48
deleteWhen=03
brokerRole=SYNC_MASTER
haListenPort=10922
maxHashSlotNum=500000
maxIndexNum=2000000
mappedFileSizeConsumeQueue=600000
diskMaxUsedSpaceRatio=80
diskSpaceCleanForciblyRatio=88
diskSpaceWarningLevelRatio=95
messageDelayLevel=1s 5s 2m
traceTopicEnable=true
msgTraceTopicName=MyTraces
traceOn=false
transactionTimeOut=3000
transactionCheckMax=5
transactionCheckInterval=30000
`
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	props, err := loadProperties(path)
	if err != nil {
		t.Fatal(err)
	}
	o := broker.Options{ListenAddr: "127.0.0.1:10911"}
	if err := applyBrokerProperties(&o, props); err != nil {
		t.Fatal(err)
	}
	if o.ClusterName != "ClusterX" || o.BrokerName != "broker-b" || o.ListenAddr != "127.0.0.1:10921" ||
		!slices.Equal(o.NameServers, []string{"127.0.0.1:9876", "127.0.0.2:9876"}) || o.DataDir != "/var/lib/rocketstore" ||
		o.Store.CommitLog.FlushMode != commitlog.SyncFlush || !o.DisableAutoCreateTopic ||
		o.Store.FileReservedTime != 48*time.Hour || o.Store.DeleteWhen != "03" ||
		o.Role != broker.RoleSyncMaster || o.HAListenAddr != "127.0.0.1:10922" {
		t.Fatalf("options %+v", o)
	}
	if st := o.Store; st.IndexSlotCount != 500_000 || st.IndexMaxEntries != 2_000_000 || st.ConsumeQueueUnitsPerFile != 30_000 ||
		st.DiskMaxUsedSpaceRatio != 80 || st.DiskSpaceCleanForciblyRatio != 88 || st.DiskSpaceWarningLevelRatio != 95 {
		t.Fatalf("store options %+v", st)
	}
	if err := o.Store.Validate(); err != nil {
		t.Fatalf("the store options the file gives: %v", err)
	}
	if o.Store.DelayLevels != "1s 5s 2m" || !o.TraceTopicEnable || o.MsgTraceTopicName != "MyTraces" || !o.DisableTraceOn ||
		o.TransactionTimeout != 3*time.Second || o.TransactionCheckMax != 5 || o.TransactionCheckInterval != 30*time.Second {
		t.Fatalf("message kind options %+v", o)
	}
	for _, bad := range []map[string]string{{"brokerId": "x"}, {"flushDiskType": "SOMETIMES"}, {"mappedFileSizeConsumeQueue": "1001"},
		{"messageDelayLevel": "1s 5x"}, {"transactionTimeOut": "0"}, {"transactionCheckMax": "many"}, {"traceTopicEnable": "maybe"}} {
		if err := applyBrokerProperties(&broker.Options{}, bad); err == nil {
			t.Fatalf("%v was accepted", bad)
		}
	}
	if err := os.WriteFile(path, []byte("no equals sign\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadProperties(path); err == nil {
		t.Fatal("a line without '=' was accepted")
	}
}

func TestTimerBrokerConfKeys(t *testing.T) {
	var o broker.Options
	if err := applyBrokerProperties(&o, map[string]string{"timerMaxDelaySec": "86400", "timerPrecisionMs": "100", "timerWheelEnable": "false"}); err != nil {
		t.Fatal(err)
	}
	if o.Timer.MaxDelay != 24*time.Hour || o.Timer.Precision != 100*time.Millisecond || !o.Timer.Disabled {
		t.Fatalf("timer options %+v", o.Timer)
	}
	for _, bad := range []map[string]string{{"timerMaxDelaySec": "3d"}, {"timerPrecisionMs": "fast"}, {"timerWheelEnable": "maybe"}} {
		if err := applyBrokerProperties(&broker.Options{}, bad); err == nil {
			t.Fatalf("%v was accepted", bad)
		}
	}
}

// TestUnknownBrokerConfKeysAreIgnoredWithAWarning: RocketMQ ignores keys it
// does not know; so does rocketstore, and it says which.
func TestUnknownBrokerConfKeysAreIgnoredWithAWarning(t *testing.T) {
	var logged bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logged, nil)))
	defer slog.SetDefault(old)
	o := broker.Options{}
	if err := applyBrokerProperties(&o, map[string]string{"brokerName": "b1", "noSuchKey": "1"}); err != nil {
		t.Fatal(err)
	}
	if o.BrokerName != "b1" || !strings.Contains(logged.String(), "unknown key ignored") || !strings.Contains(logged.String(), "key=noSuchKey") {
		t.Fatalf("options %+v, log %q", o, logged.String())
	}
}
