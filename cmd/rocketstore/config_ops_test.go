package main

import (
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/broker"
)

func TestMetricsAndFlowControlKeys(t *testing.T) {
	var o broker.Options
	err := applyBrokerProperties(&o, map[string]string{
		"metricsEnable": "false", "brokerFastFailureEnable": "false", "waitTimeMillsInSendQueue": "300",
		"osPageCacheBusyTimeOutMills": "1500", "brokerPermission": "4",
		"topicRateLimit.Orders": "1000,1048576", "groupRateLimit.pg-batch": "50",
	})
	if err != nil {
		t.Fatal(err)
	}
	f := o.FlowControl
	if !o.DisableMetrics || !f.DisableFastFailure || f.WaitTimeInSendQueue != 300*time.Millisecond ||
		f.OSPageCacheBusyTimeout != 1500*time.Millisecond || f.BrokerPermission != 4 {
		t.Fatalf("options %+v, metrics off %v", f, o.DisableMetrics)
	}
	if f.TopicLimits["Orders"] != (broker.RateLimit{MessagesPerSecond: 1000, BytesPerSecond: 1 << 20}) ||
		f.GroupLimits["pg-batch"] != (broker.RateLimit{MessagesPerSecond: 50}) {
		t.Fatalf("limits %v %v", f.TopicLimits, f.GroupLimits)
	}
	for k, v := range map[string]string{"waitTimeMillsInSendQueue": "0", "brokerPermission": "9",
		"topicRateLimit.": "1", "topicRateLimit.X": "fast", "metricsEnable": "maybe"} {
		if err := applyBrokerProperties(&o, map[string]string{k: v}); err == nil {
			t.Errorf("%s=%s was accepted", k, v)
		}
	}
}
