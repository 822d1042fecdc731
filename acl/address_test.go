package acl

import (
	"net/netip"
	"testing"
)

func TestAddrPatterns(t *testing.T) {
	cases := []struct {
		pattern string
		match   []string
		noMatch []string
	}{
		{"", nil, []string{"127.0.0.1", "::1"}},
		{"*", []string{"1.2.3.4", "::1"}, nil},
		{"*.*.*.*", []string{"10.0.0.1"}, nil},
		{"*:*:*:*:*:*:*:*", []string{"2001:db8::1"}, nil},
		{"192.168.0.1", []string{"192.168.0.1", "::ffff:192.168.0.1"}, []string{"192.168.0.2"}},
		{"2001:db8::1", []string{"2001:0db8:0:0:0:0:0:1"}, []string{"2001:db8::2"}},
		{"192.168.0.*", []string{"192.168.0.0", "192.168.0.255"}, []string{"192.168.1.1", "10.168.0.1"}},
		{"192.168.*.*", []string{"192.168.7.9"}, []string{"192.169.0.1"}},
		{"192.168.1.1-255", []string{"192.168.1.1", "192.168.1.255"}, []string{"192.168.1.0", "192.168.2.1"}},
		{"192.168.*.1-255", []string{"192.168.9.1"}, []string{"192.168.9.0"}},
		{"10.*.1-20.*", []string{"10.99.20.3"}, []string{"10.99.21.3"}},
		{"192.168.0.{1,2,3}", []string{"192.168.0.2"}, []string{"192.168.0.4"}},
		{"192.168.1.1,2,3", []string{"192.168.1.1", "192.168.1.3"}, []string{"192.168.1.4"}},
		{"192.168.1.1,10.0.0.1", []string{"10.0.0.1"}, []string{"10.0.0.2"}},
		{"10.0.0.0/8", []string{"10.200.1.1"}, []string{"11.0.0.1"}},
		{"2001:db8::/32", []string{"2001:db8:ffff::1"}, []string{"2001:db9::1"}},
		{"2001:db8::{1,a}", []string{"2001:db8::a"}, []string{"2001:db8::b"}},
		{"2001:db8:*:*:*:*:*:*", []string{"2001:db8:1:2:3:4:5:6"}, []string{"2001:db9::1", "10.0.0.1"}},
		{"2001:db8::1-ff:*", []string{"2001:db8::20:7"}, []string{"2001:db8::100:7"}},
	}
	for _, tc := range cases {
		p, err := parseAddrPattern(tc.pattern)
		if err != nil {
			t.Errorf("pattern %q: %v", tc.pattern, err)
			continue
		}
		for _, a := range tc.match {
			if !p.match(netip.MustParseAddr(a).Unmap()) {
				t.Errorf("pattern %q does not match %s", tc.pattern, a)
			}
		}
		for _, a := range tc.noMatch {
			if p.match(netip.MustParseAddr(a).Unmap()) {
				t.Errorf("pattern %q matches %s", tc.pattern, a)
			}
		}
	}
}

func TestAddrPatternsInvalid(t *testing.T) {
	for _, pattern := range []string{
		"192.168.0", "192.168.*", "300.1.1.1", "192.168.1.5-2", "192.168.1.-2", "192.168.0.{1,x}",
		"host.example.com", "10.0.0.0/40", "1::2::*", "1:2:3:4:5:6:7:8:*", "192.168.1.1,300",
	} {
		if _, err := parseAddrPattern(pattern); err == nil {
			t.Errorf("pattern %q accepted", pattern)
		}
	}
}

func TestRemoteIP(t *testing.T) {
	cases := map[string]string{
		"127.0.0.1:10911":        "127.0.0.1",
		"[::1]:9876":             "::1",
		"[::ffff:10.0.0.1]:9876": "10.0.0.1",
		"10.0.0.2":               "10.0.0.2",
	}
	for in, want := range cases {
		got, ok := remoteIP(in)
		if !ok || got.String() != want {
			t.Errorf("remoteIP(%q) = %v, %v; want %s", in, got, ok, want)
		}
	}
	if _, ok := remoteIP("not an address"); ok {
		t.Error("remoteIP accepted garbage")
	}
}
