package main

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rocketstore/rocketstore/broker"
	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/consumequeue"
	"github.com/rocketstore/rocketstore/store"
)

// loadProperties reads a RocketMQ-style key=value file ('#' comments).
func loadProperties(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	props := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "!") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: %q is not key=value", path, n, line)
		}
		props[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return props, sc.Err()
}

// applyBrokerProperties sets broker options from RocketMQ's broker.conf
// keys. A key it does not know is ignored, as RocketMQ ignores it, with a
// warning, so that a typo does not pass silently; a known key with a bad
// value is an error.
func applyBrokerProperties(o *broker.Options, props map[string]string) error {
	var ack ackKeys
	defer func() { ack.settle(o) }()
	for k, v := range props {
		if ok, err := controllerModeKey(o, &ack, k, v); ok {
			if err != nil {
				return fmt.Errorf("broker setting %s=%q: %v", k, v, err)
			}
			continue
		}
		var err error
		if ok, err := applyOpsProperty(o, k, v); ok {
			if err != nil {
				return fmt.Errorf("broker setting %s=%q: %v", k, v, err)
			}
			continue
		}
		switch k {
		case "brokerName":
			o.BrokerName = v
		case "brokerClusterName":
			o.ClusterName = v
		case "brokerId":
			o.BrokerID, err = strconv.ParseInt(v, 10, 64)
		case "namesrvAddr":
			o.NameServers = splitAddrs(v)
		case "listenAddr":
			o.ListenAddr = v
		case "brokerIP1":
			_, port := splitHostPort(o.ListenAddr)
			o.ListenAddr = net.JoinHostPort(v, port)
		case "listenPort":
			host, _ := splitHostPort(o.ListenAddr)
			o.ListenAddr = net.JoinHostPort(host, v)
		case "storePathRootDir":
			o.DataDir = v
		case "autoCreateTopicEnable":
			var on bool
			on, err = strconv.ParseBool(v)
			o.DisableAutoCreateTopic = !on
		case "enablePropertyFilter":
			o.EnablePropertyFilter, err = strconv.ParseBool(v)
		case "defaultTopicQueueNums":
			o.DefaultTopicQueueNums, err = strconv.Atoi(v)
		case "flushDiskType":
			switch v {
			case "ASYNC_FLUSH":
				o.Store.CommitLog.FlushMode = commitlog.AsyncFlush
			case "SYNC_FLUSH":
				o.Store.CommitLog.FlushMode = commitlog.SyncFlush
			default:
				err = fmt.Errorf("want ASYNC_FLUSH or SYNC_FLUSH")
			}
		case "mapedFileSizeCommitLog", "mappedFileSizeCommitLog":
			o.Store.CommitLog.FileSize, err = strconv.Atoi(v)
		case "maxMessageSize":
			o.Store.CommitLog.MaxMessageSize, err = strconv.Atoi(v)
		case "transientStorePoolEnable":
			o.Store.CommitLog.TransientStorePool, err = strconv.ParseBool(v)
		case "warmMapedFileEnable":
			o.Store.CommitLog.Prewarm, err = strconv.ParseBool(v)
		case "fileReservedTime":
			var h int
			h, err = strconv.Atoi(v)
			o.Store.FileReservedTime = time.Duration(h) * time.Hour
		case "deleteWhen":
			o.Store.DeleteWhen = v
		case "diskMaxUsedSpaceRatio":
			o.Store.DiskMaxUsedSpaceRatio, err = strconv.Atoi(v)
		case "diskSpaceCleanForciblyRatio": // a system property in RocketMQ
			o.Store.DiskSpaceCleanForciblyRatio, err = strconv.Atoi(v)
		case "diskSpaceWarningLevelRatio": // a system property in RocketMQ
			o.Store.DiskSpaceWarningLevelRatio, err = strconv.Atoi(v)
		case "maxHashSlotNum":
			o.Store.IndexSlotCount, err = strconv.Atoi(v)
		case "maxIndexNum":
			o.Store.IndexMaxEntries, err = strconv.Atoi(v)
		case "mappedFileSizeConsumeQueue", "mapedFileSizeConsumeQueue":
			var size int
			if size, err = strconv.Atoi(v); err == nil && size%consumequeue.UnitSize != 0 {
				err = fmt.Errorf("not a multiple of the %d-byte unit", consumequeue.UnitSize)
			}
			o.Store.ConsumeQueueUnitsPerFile = size / consumequeue.UnitSize
		case "messageIndexEnable":
			var on bool
			on, err = strconv.ParseBool(v)
			o.Store.DisableIndex = !on
		case "brokerRole":
			o.Role = broker.Role(v)
		case "syncFlushTimeout": // bounds the waits for a sync flush and for replication
			o.SyncReplicationTimeout, err = parseMillis(v)
			o.Store.CommitLog.SyncFlushTimeout = o.SyncReplicationTimeout
		case "haListenPort":
			host, _ := splitHostPort(o.ListenAddr)
			o.HAListenAddr = net.JoinHostPort(host, v)
		case "haMasterAddress":
			o.MasterHAAddr = v
		case "masterAddr":
			o.MasterAddr = v
		case "timerMaxDelaySec":
			var sec int64
			sec, err = strconv.ParseInt(v, 10, 64)
			o.Timer.MaxDelay = time.Duration(sec) * time.Second
		case "timerPrecisionMs":
			var ms int64
			ms, err = strconv.ParseInt(v, 10, 64)
			o.Timer.Precision = time.Duration(ms) * time.Millisecond
		case "timerWheelEnable":
			var on bool
			on, err = strconv.ParseBool(v)
			o.Timer.Disabled = !on
		case "messageDelayLevel":
			_, err = store.ParseDelayLevels(v)
			o.Store.DelayLevels = v
		case "traceOn":
			var on bool
			on, err = strconv.ParseBool(v)
			o.DisableTraceOn = !on
		case "traceTopicEnable":
			o.TraceTopicEnable, err = strconv.ParseBool(v)
		case "msgTraceTopicName":
			o.MsgTraceTopicName = v
		case "transactionTimeOut":
			o.TransactionTimeout, err = parseMillis(v)
		case "transactionCheckMax":
			o.TransactionCheckMax, err = strconv.Atoi(v)
		case "transactionCheckInterval":
			o.TransactionCheckInterval, err = parseMillis(v)
		default:
			var known bool
			if known, err = applyLimitProperty(o, k, v); !known {
				slog.Warn("broker.conf: unknown key ignored", "key", k, "value", v)
			}
		}
		if err != nil {
			return fmt.Errorf("broker setting %s=%q: %v", k, v, err)
		}
	}
	return nil
}

// parseMillis reads a RocketMQ duration setting: a positive number of
// milliseconds.
func parseMillis(v string) (time.Duration, error) {
	ms, err := strconv.ParseInt(v, 10, 64)
	if err == nil && ms <= 0 {
		err = fmt.Errorf("want a positive number of milliseconds")
	}
	return time.Duration(ms) * time.Millisecond, err
}

// splitHostPort splits a listen address, defaulting to 127.0.0.1:10911.
func splitHostPort(addr string) (host, port string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		host = "127.0.0.1"
	}
	if err != nil || port == "" {
		port = "10911"
	}
	return host, port
}

// splitAddrs splits RocketMQ's "host:port;host:port" lists.
func splitAddrs(s string) []string {
	var out []string
	for a := range strings.SplitSeq(s, ";") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}
