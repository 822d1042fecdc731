// Package compat holds the compatibility tests that drive rocketstore's
// nameserver and broker with the real RocketMQ Go client,
// github.com/apache/rocketmq-client-go/v2 v2.1.2, used unchanged. It has no
// code of its own.
//
// It is a module of its own (compat/go.mod, with a replace of the library
// by ../), so that the client and its dependencies stay out of the
// library's go.mod. The root go.work lists both modules: from the
// repository root, `go test -race ./... ./compat/...` (scripts/test.sh)
// runs the library's tests and these. The client runs in a separate driver
// process (internal/driver), built without the race detector.
package compat
