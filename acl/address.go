package acl

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// White addresses. RocketMQ's RemoteAddressStrategyFactory accepts, for
// whiteRemoteAddress and globalWhiteRemoteAddresses:
//
//	""                       nothing matches
//	*  *.*.*.*  *:*:*:*:*:*:*:*   everything matches
//	192.168.0.1  2001:db8::1     one address
//	192.168.0.{1,2,3}        a last part listed in braces (IPv6: 2001:db8::{1,2})
//	192.168.0.1,192.168.0.2  a list of addresses
//	192.168.0.*  192.168.*.* 192.168.1.1-255  10.*.1-20.*   a part as *, or a range
//
// Beyond RocketMQ, CIDR prefixes (10.0.0.0/8, 2001:db8::/32) and the short
// list 192.168.1.1,2,3 (later items give only the last part) are accepted.
// RocketMQ matches a range pattern on its first wildcard part only and
// ignores the parts after it; here every part is matched, so
// 192.168.*.1-255 does not match 192.168.7.0 as it would there.
// IPv4-mapped IPv6 peers (::ffff:a.b.c.d) match as the IPv4 address.

// addrPattern matches remote addresses.
type addrPattern interface {
	match(netip.Addr) bool
}

type matchNone struct{}

func (matchNone) match(netip.Addr) bool { return false }

type matchAll struct{}

func (matchAll) match(netip.Addr) bool { return true }

// addrSet is an explicit list of addresses.
type addrSet map[netip.Addr]struct{}

func (s addrSet) match(a netip.Addr) bool { _, ok := s[a]; return ok }

// prefixPattern is a CIDR prefix.
type prefixPattern struct{ p netip.Prefix }

func (p prefixPattern) match(a netip.Addr) bool { return p.p.Contains(a) }

// partRange is the inclusive range one address part may take.
type partRange struct{ lo, hi uint16 }

// rangePattern bounds every part of an address: 4 bytes for IPv4, 8
// 16-bit groups for IPv6.
type rangePattern struct {
	v6    bool
	parts []partRange
}

func (r rangePattern) match(a netip.Addr) bool {
	if a.Is4() == r.v6 {
		return false
	}
	if a.Is4() {
		b := a.As4()
		for i, p := range r.parts {
			if uint16(b[i]) < p.lo || uint16(b[i]) > p.hi {
				return false
			}
		}
		return true
	}
	b := a.As16()
	for i, p := range r.parts {
		g := uint16(b[2*i])<<8 | uint16(b[2*i+1])
		if g < p.lo || g > p.hi {
			return false
		}
	}
	return true
}

// parseAddrPattern compiles one white-address pattern.
func parseAddrPattern(s string) (addrPattern, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return matchNone{}, nil
	case s == "*" || s == "*.*.*.*" || s == "*:*:*:*:*:*:*:*":
		return matchAll{}, nil
	case strings.Contains(s, "/"):
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("white address %q: %w", s, err)
		}
		return prefixPattern{p.Masked()}, nil
	case strings.HasSuffix(s, "}"):
		return parseBraceList(s)
	case strings.Contains(s, ","):
		return parseCommaList(s)
	case strings.ContainsAny(s, "*-"):
		return parseRange(s)
	}
	a, err := parseAddr(s)
	if err != nil {
		return nil, err
	}
	return addrSet{a: {}}, nil
}

// parseAddr reads one address, unmapping IPv4-in-IPv6.
func parseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("white address %q is not an IP address", s)
	}
	return a.Unmap(), nil
}

// parseBraceList reads 192.168.0.{1,2,3}: the text before '{' prefixes
// every item.
func parseBraceList(s string) (addrPattern, error) {
	open := strings.LastIndexByte(s, '{')
	if open < 0 {
		return nil, fmt.Errorf("white address %q: '}' without '{'", s)
	}
	prefix := s[:open]
	set := addrSet{}
	for item := range strings.SplitSeq(s[open+1:len(s)-1], ",") {
		a, err := parseAddr(prefix + strings.TrimSpace(item))
		if err != nil {
			return nil, fmt.Errorf("white address %q: %w", s, err)
		}
		set[a] = struct{}{}
	}
	return set, nil
}

// parseCommaList reads a list of addresses. An IPv4 item that is a bare
// number takes the first three parts of the list's first address
// (192.168.1.1,2,3).
func parseCommaList(s string) (addrPattern, error) {
	items := strings.Split(s, ",")
	first, err := parseAddr(items[0])
	if err != nil {
		return nil, fmt.Errorf("white address %q: %w", s, err)
	}
	set := addrSet{first: {}}
	for _, item := range items[1:] {
		item = strings.TrimSpace(item)
		if first.Is4() && !strings.Contains(item, ".") {
			n, err := strconv.ParseUint(item, 10, 8)
			if err != nil {
				return nil, fmt.Errorf("white address %q: %q is not an address or a last part 0-255", s, item)
			}
			b := first.As4()
			b[3] = byte(n)
			set[netip.AddrFrom4(b)] = struct{}{}
			continue
		}
		a, err := parseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("white address %q: %w", s, err)
		}
		set[a] = struct{}{}
	}
	return set, nil
}

// parseRange reads a pattern with '*' or 'a-b' parts.
func parseRange(s string) (addrPattern, error) {
	if strings.Contains(s, ":") {
		return parseRange6(s)
	}
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return nil, fmt.Errorf("white address %q: an IPv4 pattern has 4 parts", s)
	}
	r := rangePattern{parts: make([]partRange, 4)}
	for i, p := range parts {
		pr, err := parsePart(p, 10, 255)
		if err != nil {
			return nil, fmt.Errorf("white address %q: %w", s, err)
		}
		r.parts[i] = pr
	}
	return r, nil
}

// parseRange6 reads an IPv6 pattern of 8 groups; one "::" stands for as
// many zero groups as are missing.
func parseRange6(s string) (addrPattern, error) {
	var groups []string
	if head, tail, ok := strings.Cut(s, "::"); ok {
		if strings.Contains(tail, "::") {
			return nil, fmt.Errorf("white address %q: more than one '::'", s)
		}
		h, t := splitGroups(head), splitGroups(tail)
		if len(h)+len(t) >= 8 {
			return nil, fmt.Errorf("white address %q: '::' stands for no group", s)
		}
		groups = append(h, make([]string, 8-len(h)-len(t))...)
		for i := len(h); i < 8-len(t); i++ {
			groups[i] = "0"
		}
		groups = append(groups, t...)
	} else {
		groups = splitGroups(s)
	}
	if len(groups) != 8 {
		return nil, fmt.Errorf("white address %q: an IPv6 pattern has 8 groups", s)
	}
	r := rangePattern{v6: true, parts: make([]partRange, 8)}
	for i, g := range groups {
		pr, err := parsePart(g, 16, 0xffff)
		if err != nil {
			return nil, fmt.Errorf("white address %q: %w", s, err)
		}
		r.parts[i] = pr
	}
	return r, nil
}

func splitGroups(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ":")
}

// parsePart reads one part: a number, '*' (any) or 'lo-hi'.
func parsePart(p string, base int, limit uint64) (partRange, error) {
	p = strings.TrimSpace(p)
	if p == "*" {
		return partRange{0, uint16(limit)}, nil
	}
	loText, hiText, isRange := strings.Cut(p, "-")
	if !isRange {
		hiText = loText
	}
	lo, err1 := strconv.ParseUint(strings.TrimSpace(loText), base, 16)
	hi, err2 := strconv.ParseUint(strings.TrimSpace(hiText), base, 16)
	if err1 != nil || err2 != nil || lo > limit || hi > limit || lo > hi {
		return partRange{}, fmt.Errorf("part %q is not a number, '*' or a range lo-hi within 0-%d", p, limit)
	}
	return partRange{uint16(lo), uint16(hi)}, nil
}

// remoteIP reads the address part of "host:port", "[v6]:port" or a bare
// address, unmapped; false when it is none of those.
func remoteIP(remoteAddr string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(remoteAddr); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}
