package remoting

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// maxJSONDepth bounds nesting, so that a hostile body cannot exhaust the
// stack of the recursive scanner. RocketMQ's deepest body nests a handful of
// levels.
const maxJSONDepth = 256

// NormalizeFastJSON returns body as compact standard JSON, with non-string
// object keys turned into strings holding the key's compact text, so that
// encoding/json can decode it: {{"brokerName":"b","queueId":0,"topic":"T"}:5}
// becomes {"{\"brokerName\":\"b\",\"queueId\":0,\"topic\":\"T\"}":5} (read
// such a key with ParseQueueKey) and {0:"a"} becomes {"0":"a"}. Standard
// JSON passes through unchanged apart from whitespace. It scans once, and
// bounds nesting so that a hostile body cannot exhaust the stack.
func NormalizeFastJSON(body []byte) ([]byte, error) {
	s := jsonScanner{in: body, out: make([]byte, 0, len(body))}
	s.skipSpace()
	if err := s.value(0); err != nil {
		return nil, err
	}
	s.skipSpace()
	if s.pos != len(s.in) {
		return nil, s.fail("trailing bytes")
	}
	return s.out, nil
}

type jsonScanner struct {
	in  []byte
	pos int
	out []byte
}

func (s *jsonScanner) fail(what string) error {
	return fmt.Errorf("%w: %s at byte %d", ErrFastJSON, what, s.pos)
}

func (s *jsonScanner) skipSpace() {
	for s.pos < len(s.in) {
		switch s.in[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// value copies one JSON value (with fastjson's keys allowed inside) to out.
func (s *jsonScanner) value(depth int) error {
	if depth > maxJSONDepth {
		return s.fail("nesting too deep")
	}
	if s.pos >= len(s.in) {
		return s.fail("unexpected end")
	}
	switch c := s.in[s.pos]; {
	case c == '{':
		return s.object(depth)
	case c == '[':
		return s.array(depth)
	case c == '"':
		return s.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(s.in[s.pos:], []byte(lit)) {
				s.out = append(s.out, lit...)
				s.pos += len(lit)
				return nil
			}
		}
		return s.fail(fmt.Sprintf("unexpected %q", c))
	}
}

func (s *jsonScanner) object(depth int) error {
	s.pos++ // '{'
	s.out = append(s.out, '{')
	s.skipSpace()
	if s.pos < len(s.in) && s.in[s.pos] == '}' {
		s.pos++
		s.out = append(s.out, '}')
		return nil
	}
	for {
		s.skipSpace()
		if err := s.key(depth); err != nil {
			return err
		}
		s.skipSpace()
		if s.pos >= len(s.in) || s.in[s.pos] != ':' {
			return s.fail("missing ':' after key")
		}
		s.pos++
		s.out = append(s.out, ':')
		s.skipSpace()
		if err := s.value(depth + 1); err != nil {
			return err
		}
		s.skipSpace()
		if s.pos >= len(s.in) {
			return s.fail("unterminated object")
		}
		switch s.in[s.pos] {
		case ',':
			s.pos++
			s.out = append(s.out, ',')
		case '}':
			s.pos++
			s.out = append(s.out, '}')
			return nil
		default:
			return s.fail("expected ',' or '}' in object")
		}
	}
}

// key copies a string key as it is, and writes any other key (an object,
// an array, a number, a literal) as a string of its compact text.
func (s *jsonScanner) key(depth int) error {
	if s.pos < len(s.in) && s.in[s.pos] == '"' {
		return s.str()
	}
	outer := s.out
	s.out = nil
	err := s.value(depth + 1)
	raw := s.out
	s.out = outer
	if err != nil {
		return err
	}
	s.out = strconv.AppendQuote(s.out, string(raw))
	return nil
}

func (s *jsonScanner) array(depth int) error {
	s.pos++ // '['
	s.out = append(s.out, '[')
	s.skipSpace()
	if s.pos < len(s.in) && s.in[s.pos] == ']' {
		s.pos++
		s.out = append(s.out, ']')
		return nil
	}
	for {
		s.skipSpace()
		if err := s.value(depth + 1); err != nil {
			return err
		}
		s.skipSpace()
		if s.pos >= len(s.in) {
			return s.fail("unterminated array")
		}
		switch s.in[s.pos] {
		case ',':
			s.pos++
			s.out = append(s.out, ',')
		case ']':
			s.pos++
			s.out = append(s.out, ']')
			return nil
		default:
			return s.fail("expected ',' or ']' in array")
		}
	}
}

// str copies a string literal; encoding/json validates its escapes later.
func (s *jsonScanner) str() error {
	start := s.pos
	s.pos++ // opening quote
	for s.pos < len(s.in) {
		switch s.in[s.pos] {
		case '\\':
			s.pos += 2
		case '"':
			s.pos++
			s.out = append(s.out, s.in[start:s.pos]...)
			return nil
		default:
			s.pos++
		}
	}
	s.pos = len(s.in)
	return s.fail("unterminated string")
}

func (s *jsonScanner) number() error {
	start := s.pos
	for s.pos < len(s.in) {
		c := s.in[s.pos]
		if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			s.pos++
			continue
		}
		break
	}
	num := s.in[start:s.pos]
	if !json.Valid(num) {
		return s.fail(fmt.Sprintf("bad number %q", num))
	}
	s.out = append(s.out, num...)
	return nil
}
