package acl

import (
	"errors"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

const testSecret = "cluster-secret-for-tests"

func registerRequest() *remoting.Command {
	return remoting.NewRequest(remoting.RequestRegisterBroker, map[string]string{
		"clusterName": "DefaultCluster", "brokerName": "broker-a", "brokerAddr": "127.0.0.1:10911", "brokerId": "0",
	}, []byte(`{"topicConfigTable":{},"dataVersion":{"timestamp":1,"counter":1}}`))
}

func TestClusterSignature(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	clock := func() time.Time { return now }
	cases := []struct {
		name    string
		edit    func(*remoting.Command) // after signing
		secret  string
		wantErr error
	}{
		{"signed", nil, testSecret, nil},
		{"wrong secret", nil, "another-secret", ErrClusterBadSignature},
		{"field changed", func(c *remoting.Command) { c.Set("brokerAddr", "10.6.6.6:10911") }, testSecret, ErrClusterBadSignature},
		{"field added", func(c *remoting.Command) { c.Set("haServerAddr", "10.6.6.6:10912") }, testSecret, ErrClusterBadSignature},
		{"body changed", func(c *remoting.Command) { c.Body = append(c.Body, ' ') }, testSecret, ErrClusterBadSignature},
		{"code changed", func(c *remoting.Command) { c.Code = remoting.RequestUnregisterBroker }, testSecret, ErrClusterBadSignature},
		{"moved between fields", func(c *remoting.Command) {
			// "brokerId":"0" + "brokerName":"broker-a" re-split must not verify.
			c.Set("brokerId", "0broker-a")
			c.Set("brokerName", "")
		}, testSecret, ErrClusterBadSignature},
		{"signature removed", func(c *remoting.Command) { delete(c.ExtFields, FieldClusterSignature) }, testSecret, ErrClusterUnsigned},
		{"signature not base64", func(c *remoting.Command) { c.Set(FieldClusterSignature, "%%%") }, testSecret, ErrClusterBadSignature},
		{"ACL signed after", func(c *remoting.Command) { Sign(c, "brokerUser", "brokerSecret") }, testSecret, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := registerRequest()
			SignCluster(cmd, tc.secret, now)
			if tc.edit != nil {
				tc.edit(cmd)
			}
			v := NewClusterVerifier(testSecret, 0, clock)
			if err := v.Verify(cmd); !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("Verify = %v, want %v", err, tc.wantErr)
			}
		})
	}
	// The ACL signature of a request signed both ways verifies too.
	cmd := registerRequest()
	SignCluster(cmd, testSecret, now)
	Sign(cmd, "brokerUser", "brokerSecret")
	if !signatureMatches(cmd, "brokerSecret") {
		t.Fatal("ACL signature over a cluster-signed request does not verify")
	}
}

func TestClusterSignatureTimeAndReplay(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	v := NewClusterVerifier(testSecret, time.Minute, func() time.Time { return now })

	cmd := registerRequest()
	SignCluster(cmd, testSecret, now.Add(-30*time.Second))
	if err := v.Verify(cmd); err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(cmd); !errors.Is(err, ErrClusterReplay) {
		t.Fatalf("replay: %v", err)
	}
	for _, skew := range []time.Duration{-2 * time.Minute, 2 * time.Minute} {
		cmd := registerRequest()
		SignCluster(cmd, testSecret, now.Add(skew))
		if err := v.Verify(cmd); !errors.Is(err, ErrClusterStale) {
			t.Fatalf("signed %v away: %v", skew, err)
		}
	}
	// Nonces leave the table once their window is over.
	for range 2000 {
		cmd := registerRequest()
		SignCluster(cmd, testSecret, now)
		if err := v.Verify(cmd); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(3 * time.Minute)
	for range 2000 {
		cmd := registerRequest()
		SignCluster(cmd, testSecret, now)
		if err := v.Verify(cmd); err != nil {
			t.Fatal(err)
		}
	}
	v.mu.Lock()
	n := len(v.seen)
	v.mu.Unlock()
	if n > 3000 {
		t.Fatalf("%d nonces remembered; expired ones are not pruned", n)
	}
}
