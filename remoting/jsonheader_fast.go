package remoting

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseJSONHeaderFast decodes the headers clients actually send — an object
// of the seven known members with plain integers, strings and a flat
// extFields object whose values are strings, numbers, booleans or null —
// without reflection: encoding/json took about 40% of the broker's CPU per
// sent message. It gives up (ok false) on anything else: a duplicate or
// differently-cased member, an unknown member whose value is not a string,
// a null top-level member, a top-level number with a fraction or out of its
// type's range, a surrogate escape, invalid UTF-8, or a syntax error;
// decodeJSONHeader then asks encoding/json (with lenientFields), whose answer
// stays the reference. Where this parser succeeds it returns exactly what
// encoding/json would (FuzzJSONHeaderFastPath checks that).
func parseJSONHeaderFast(h []byte) (jh jsonHeader, ok bool) {
	p := fastParser{b: h}
	p.ws()
	var seen uint8
	ok = object(&p, p.plainKey, func(key []byte) bool {
		bit, ok := p.member(key, &jh)
		dup := seen&bit != 0
		seen |= bit
		return ok && !dup
	})
	return jh, ok && p.end()
}

// fastParser walks a JSON header; every method reports failure rather than
// guessing.
type fastParser struct {
	b []byte
	i int
}

func (p *fastParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *fastParser) consume(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// end reports whether only whitespace follows.
func (p *fastParser) end() bool {
	p.ws()
	return p.i == len(p.b)
}

// plainKey reads a member name without escapes (the seven known names have
// none) and returns it aliasing the input.
func (p *fastParser) plainKey() ([]byte, bool) {
	if !p.consume('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return p.b[start : p.i-1], true
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// member reads the value of the member key into jh and returns the
// member's bit, for duplicate detection.
func (p *fastParser) member(key []byte, jh *jsonHeader) (uint8, bool) {
	var ok bool
	switch string(key) {
	case "code":
		return 1 << 0, readInt(p, &jh.Code, 32)
	case "language":
		jh.Language, ok = p.str()
		return 1 << 1, ok
	case "version":
		return 1 << 2, readInt(p, &jh.Version, 16)
	case "opaque":
		return 1 << 3, readInt(p, &jh.Opaque, 32)
	case "flag":
		return 1 << 4, readInt(p, &jh.Flag, 32)
	case "remark":
		jh.Remark, ok = p.str()
		return 1 << 5, ok
	case "extFields":
		jh.ExtFields, ok = p.fields()
		return 1 << 6, ok
	}
	// encoding/json ignores other members, but matches names without
	// regard to case: "Code" would set the code.
	for _, known := range jsonHeaderMembers {
		if strings.EqualFold(string(key), known) {
			return 0, false
		}
	}
	_, ok = p.str() // the Java client's serializeTypeCurrentRPC
	return 0, ok
}

var jsonHeaderMembers = [...]string{"code", "language", "version", "opaque", "flag", "remark", "extFields"}

// readInt reads an integer of the given bits into dst.
func readInt[T int16 | int32](p *fastParser, dst *T, bits int) bool {
	v, ok := p.integer(bits)
	*dst = T(v)
	return ok
}

// integer reads a JSON integer (no fraction or exponent) that fits in a
// signed integer of the given bits.
func (p *fastParser) integer(bits int) (int64, bool) {
	start := p.i
	p.consume('-')
	digits := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	n := p.i - digits
	if n == 0 || (n > 1 && p.b[digits] == '0') {
		return 0, false // no digits, or a leading zero JSON forbids
	}
	if p.i < len(p.b) && (p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		return 0, false
	}
	v, err := strconv.ParseInt(string(p.b[start:p.i]), 10, bits)
	return v, err == nil
}

// fields reads a flat object of scalar members the way lenientFields does:
// strings as they are, numbers and booleans as their text, null as absent
// (a later null undoes an earlier value of the same key, as in
// encoding/json, where the last duplicate wins).
func (p *fastParser) fields() (lenientFields, bool) {
	m := make(lenientFields, 16)
	ok := object(p, p.str, func(key string) bool {
		if p.i == len(p.b) {
			return false
		}
		var (
			v  string
			ok bool
		)
		switch c := p.b[p.i]; {
		case c == '"':
			v, ok = p.str()
		case c == 't':
			v, ok = p.literal("true")
		case c == 'f':
			v, ok = p.literal("false")
		case c == 'n':
			delete(m, key)
			_, ok = p.literal("null")
			return ok
		default:
			v, ok = p.number()
		}
		m[key] = v
		return ok
	})
	return m, ok
}

// literal reads the word lit (true, false, null) and returns it.
func (p *fastParser) literal(lit string) (string, bool) {
	if len(p.b)-p.i < len(lit) || string(p.b[p.i:p.i+len(lit)]) != lit {
		return "", false
	}
	p.i += len(lit)
	return lit, true
}

// number reads a JSON number of any form and returns its text: an optional
// minus, an integer part without a leading zero, an optional fraction and
// an optional exponent.
func (p *fastParser) number() (string, bool) {
	start := p.i
	p.consume('-')
	intStart := p.i
	if !p.digits() || (p.b[intStart] == '0' && p.i-intStart > 1) {
		return "", false
	}
	if p.consume('.') && !p.digits() {
		return "", false
	}
	if p.consume('e') || p.consume('E') {
		if !p.consume('+') {
			p.consume('-')
		}
		if !p.digits() {
			return "", false
		}
	}
	return string(p.b[start:p.i]), true
}

// digits reads one or more decimal digits.
func (p *fastParser) digits() bool {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}

// object reads an object with p, calling key for each member name and value
// to read the member's value (the parser then stands on it).
func object[K any](p *fastParser, key func() (K, bool), value func(key K) bool) bool {
	if !p.consume('{') {
		return false
	}
	p.ws()
	if p.consume('}') {
		return true
	}
	for {
		p.ws()
		k, ok := key()
		if !ok {
			return false
		}
		p.ws()
		if !p.consume(':') {
			return false
		}
		p.ws()
		if !value(k) {
			return false
		}
		p.ws()
		if p.consume('}') {
			return true
		}
		if !p.consume(',') {
			return false
		}
	}
}

// str reads a JSON string and returns its value.
func (p *fastParser) str() (string, bool) {
	if !p.consume('"') {
		return "", false
	}
	start := p.i
	plain, ascii := true, true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			raw := p.b[start:p.i]
			p.i++
			if !ascii && !utf8.Valid(raw) {
				return "", false // encoding/json would substitute U+FFFD
			}
			if plain {
				return string(raw), true
			}
			return unescape(raw)
		case c == '\\':
			plain = false
			p.i++ // the escaped byte cannot end the string
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		p.i++
	}
	return "", false
}

// unescape decodes the escapes of a string's raw bytes.
func unescape(raw []byte) (string, bool) {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i == len(raw) {
			return "", false
		}
		switch raw[i] {
		case '"', '\\', '/':
			out = append(out, raw[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+4 >= len(raw) {
				return "", false
			}
			r, err := strconv.ParseUint(string(raw[i+1:i+5]), 16, 32)
			if err != nil || (r >= 0xD800 && r <= 0xDFFF) {
				return "", false // surrogates (pairs or lone) are left to encoding/json
			}
			out = utf8.AppendRune(out, rune(r))
			i += 4
		default:
			return "", false
		}
	}
	return string(out), true
}
