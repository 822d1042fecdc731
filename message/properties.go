package message

import (
	"bytes"
	"fmt"
	"slices"
)

const (
	nameValueSeparator = 0x01
	propertySeparator  = 0x02
)

// Properties is a message's property list in its encoded form,
// name 0x01 value 0x02 name 0x01 value 0x02 ..., as stored in a record. The
// methods read it in place. Readers tolerate a last pair without its 0x02
// (some clients omit it); Validate reports it.
type Properties []byte

// EncodeProperties encodes m with its names sorted, so equal maps encode to
// equal bytes.
func EncodeProperties(m map[string]string) Properties {
	names := make([]string, 0, len(m))
	n := 0
	for k, v := range m {
		names = append(names, k)
		n += len(k) + len(v) + 2
	}
	slices.Sort(names)
	p := make(Properties, 0, n)
	for _, k := range names {
		p = appendPair(p, k, m[k])
	}
	return p
}

func appendPair(p Properties, name, value string) Properties {
	p = append(p, name...)
	p = append(p, nameValueSeparator)
	p = append(p, value...)
	return append(p, propertySeparator)
}

// Each calls fn for every pair in order until fn returns false. A pair
// without a name/value separator is skipped.
func (p Properties) Each(fn func(name, value []byte) bool) {
	rest := []byte(p)
	for len(rest) > 0 {
		var pair []byte
		if i := bytes.IndexByte(rest, propertySeparator); i >= 0 {
			pair, rest = rest[:i], rest[i+1:]
		} else {
			pair, rest = rest, nil
		}
		sep := bytes.IndexByte(pair, nameValueSeparator)
		if sep < 0 {
			continue
		}
		if !fn(pair[:sep], pair[sep+1:]) {
			return
		}
	}
}

// Lookup returns the value of name without allocating.
func (p Properties) Lookup(name string) (value []byte, ok bool) {
	p.Each(func(n, v []byte) bool {
		if string(n) == name {
			value, ok = v, true
			return false
		}
		return true
	})
	return value, ok
}

// Get returns the value of name, or "" when it is absent.
func (p Properties) Get(name string) string {
	v, _ := p.Lookup(name)
	return string(v)
}

// Set returns the encoding with name set to value: replaced in place of an
// existing pair, or appended. p itself is not modified.
func (p Properties) Set(name, value string) Properties {
	out := make(Properties, 0, len(p)+len(name)+len(value)+2)
	replaced := false
	p.Each(func(n, v []byte) bool {
		if string(n) == name {
			if !replaced {
				out = appendPair(out, name, value)
				replaced = true
			}
			return true
		}
		out = appendPair(out, string(n), string(v))
		return true
	})
	if !replaced {
		out = appendPair(out, name, value)
	}
	return out
}

// Delete returns the encoding without name. p itself is not modified.
func (p Properties) Delete(name string) Properties {
	out := make(Properties, 0, len(p))
	p.Each(func(n, v []byte) bool {
		if string(n) != name {
			out = appendPair(out, string(n), string(v))
		}
		return true
	})
	return out
}

// Map decodes every pair; a later pair wins over an earlier one of the same
// name.
func (p Properties) Map() map[string]string {
	m := make(map[string]string)
	p.Each(func(n, v []byte) bool {
		m[string(n)] = string(v)
		return true
	})
	return m
}

// Validate checks the length limit, that every pair is name 0x01 value
// 0x02 with a non-empty name, and that no byte is NUL. EncodedSize applies
// it to every message a commit log stores, and a commit log's recovery to
// every record it keeps: the body CRC does not cover the properties, and
// the zeros a torn write leaves are refused here, whether they end the
// properties (no 0x02 last) or lie within them (a NUL).
func (p Properties) Validate() error {
	if len(p) > MaxPropertiesLength {
		return fmt.Errorf("%w: %d bytes, max %d", ErrPropertiesTooLong, len(p), MaxPropertiesLength)
	}
	if at := bytes.IndexByte(p, 0); at >= 0 {
		return fmt.Errorf("%w: NUL at byte %d", ErrMalformedProperties, at)
	}
	rest := []byte(p)
	for len(rest) > 0 {
		end := bytes.IndexByte(rest, propertySeparator)
		if end < 0 {
			return fmt.Errorf("%w: last pair lacks its 0x02 terminator", ErrMalformedProperties)
		}
		pair := rest[:end]
		sep := bytes.IndexByte(pair, nameValueSeparator)
		switch {
		case sep < 0:
			return fmt.Errorf("%w: pair %q lacks its 0x01 separator", ErrMalformedProperties, pair)
		case sep == 0:
			return fmt.Errorf("%w: empty name", ErrMalformedProperties)
		case bytes.IndexByte(pair[sep+1:], nameValueSeparator) >= 0:
			return fmt.Errorf("%w: value of %q holds 0x01", ErrMalformedProperties, pair[:sep])
		}
		rest = rest[end+1:]
	}
	return nil
}
