package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rocketstore/rocketstore/broker"
)

// applyOpsProperty sets the broker.conf keys of metrics and flow control;
// it reports whether k is one of them. The flow-control keys can also
// change while the broker runs (UPDATE_BROKER_CONFIG).
func applyOpsProperty(o *broker.Options, k, v string) (bool, error) {
	f := &o.FlowControl
	var err error
	switch {
	case k == "metricsEnable":
		var on bool
		on, err = strconv.ParseBool(v)
		o.DisableMetrics = !on
	case k == "brokerFastFailureEnable":
		var on bool
		on, err = strconv.ParseBool(v)
		f.DisableFastFailure = !on
	case k == "waitTimeMillsInSendQueue":
		f.WaitTimeInSendQueue, err = positiveMillis(v)
	case k == "osPageCacheBusyTimeOutMills":
		f.OSPageCacheBusyTimeout, err = positiveMillis(v)
	case k == "brokerPermission":
		f.BrokerPermission, err = strconv.Atoi(v)
		if err == nil && (f.BrokerPermission < 0 || f.BrokerPermission > 7) {
			err = fmt.Errorf("want a permission 0..7 (6 read-write, 4 read-only)")
		}
	case strings.HasPrefix(k, "topicRateLimit."), strings.HasPrefix(k, "groupRateLimit."):
		kind, name, _ := strings.Cut(k, ".")
		if name == "" {
			return true, fmt.Errorf("the key needs a topic or group name after the dot")
		}
		var r broker.RateLimit
		if r, err = broker.ParseRateLimit(v); err != nil {
			return true, err
		}
		m := &f.TopicLimits
		if kind == "groupRateLimit" {
			m = &f.GroupLimits
		}
		if *m == nil {
			*m = map[string]broker.RateLimit{}
		}
		(*m)[name] = r
	default:
		return false, nil
	}
	return true, err
}

// positiveMillis reads a positive number of milliseconds.
func positiveMillis(v string) (time.Duration, error) {
	ms, err := strconv.ParseInt(v, 10, 64)
	if err == nil && ms <= 0 {
		err = fmt.Errorf("want a positive number of milliseconds")
	}
	return time.Duration(ms) * time.Millisecond, err
}
