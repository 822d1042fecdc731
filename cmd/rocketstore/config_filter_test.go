package main

import (
	"testing"

	"github.com/rocketstore/rocketstore/broker"
)

func TestEnablePropertyFilterKey(t *testing.T) {
	var o broker.Options
	if err := applyBrokerProperties(&o, map[string]string{"enablePropertyFilter": "true"}); err != nil || !o.EnablePropertyFilter {
		t.Fatalf("enablePropertyFilter=true: %v, option %v", err, o.EnablePropertyFilter)
	}
	if err := applyBrokerProperties(&o, map[string]string{"enablePropertyFilter": "sometimes"}); err == nil {
		t.Fatal("enablePropertyFilter=sometimes was accepted")
	}
}
