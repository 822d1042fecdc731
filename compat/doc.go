// Package compat holds the compatibility tests that drive rocketstore's
// nameserver and broker with the real RocketMQ Go client,
// github.com/apache/rocketmq-client-go/v2 v2.1.2, used unchanged. It has no
// code of its own.
package compat
