package remoting

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// appendJSONHeader appends c's header as a JSON object. It is written by
// hand rather than with encoding/json because it runs for every response
// and reflection would cost several allocations per frame. The member
// order is the Go client's; remark and extFields are omitted when empty,
// as the Java broker's serializer omits nulls.
func appendJSONHeader(dst []byte, c *Command) []byte {
	dst = append(dst, `{"code":`...)
	dst = strconv.AppendInt(dst, int64(c.WideCode()), 10)
	dst = append(dst, `,"language":`...)
	dst = appendJSONString(dst, c.Language)
	dst = append(dst, `,"version":`...)
	dst = strconv.AppendInt(dst, int64(c.Version), 10)
	dst = append(dst, `,"opaque":`...)
	dst = strconv.AppendInt(dst, int64(c.Opaque), 10)
	dst = append(dst, `,"flag":`...)
	dst = strconv.AppendInt(dst, int64(c.Flag), 10)
	if c.Remark != "" {
		dst = append(dst, `,"remark":`...)
		dst = appendJSONString(dst, c.Remark)
	}
	if len(c.ExtFields) > 0 {
		dst = append(dst, `,"extFields":{`...)
		var scratch [16]string
		for i, k := range sortedKeys(c.ExtFields, scratch[:0]) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			dst = appendJSONString(dst, c.ExtFields[k])
		}
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does, so that what a peer decodes is what this
// package's own decoder would return. U+2028 and U+2029 are escaped too:
// they are valid JSON but end a line in JavaScript.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0 // s[start:i] is pending and needs no escaping
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, `\n`...)
			case '\r':
				dst = append(dst, `\r`...)
			case '\t':
				dst = append(dst, `\t`...)
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// jsonHeader is the JSON form of a header. The integer types make
// encoding/json refuse strings, fractions and out-of-range numbers; members
// not listed (the Java broker's "serializeTypeCurrentRPC") are ignored.
// Code is an int32 as in Java: RocketMQ 5's POP_MESSAGE is 200050, and such
// a request must decode to be refused politely.
type jsonHeader struct {
	Code      int32         `json:"code"`
	Language  string        `json:"language"`
	Version   int16         `json:"version"`
	Opaque    int32         `json:"opaque"`
	Flag      int32         `json:"flag"`
	Remark    string        `json:"remark"`
	ExtFields lenientFields `json:"extFields"`
}

// lenientFields is extFields read the way the Java broker reads it: fastjson
// turns a number or boolean given for a String field into its text, and a
// null into a missing value. So do we: 0 → "0", 1.5 → "1.5", 1e3 → "1e3"
// (the number's text as sent), true → "true", and a null member is left
// out, which is what Java's header decoding makes of it too. Objects and
// arrays are not header values; they make the header malformed.
type lenientFields map[string]string

// UnmarshalJSON is the reference semantics FuzzJSONHeaderFastPath holds the
// fast parser to.
func (f *lenientFields) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*f = nil
		return nil
	}
	m := make(lenientFields, len(raw))
	for k, v := range raw {
		switch v[0] {
		case '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return err
			}
			m[k] = s
		case 'n': // null: absent
		case '{', '[':
			return fmt.Errorf("extFields member %q is an %s, not a string, number or boolean", k, jsonKind(v[0]))
		default: // a number, true or false: its text
			m[k] = string(v)
		}
	}
	*f = m
	return nil
}

// jsonKind names the JSON value that starts with c, for error messages.
func jsonKind(c byte) string {
	if c == '[' {
		return "array"
	}
	return "object"
}

// decodeJSONHeader decodes a JSON header: the common shapes by a strict
// parser of its own, anything else by encoding/json, which remains the
// reference — headers arrive from many client versions and languages, and
// the fast parser only ever answers where it agrees with it.
func decodeJSONHeader(h []byte) (*Command, error) {
	// encoding/json accepts a bare null as "leave everything zero", which
	// would turn garbage into a command with code 0 (SUCCESS). A header
	// must be an object.
	i := 0
	for i < len(h) && (h[i] == ' ' || h[i] == '\t' || h[i] == '\n' || h[i] == '\r') {
		i++
	}
	if i == len(h) || h[i] != '{' {
		return nil, frameErr(ErrMalformed, headerOffset+i, "JSON header is not an object")
	}
	jh, ok := parseJSONHeaderFast(h)
	if !ok {
		jh = jsonHeader{}
		if err := json.Unmarshal(h, &jh); err != nil {
			return nil, frameErr(ErrMalformed, headerOffset+jsonErrorOffset(err), "invalid JSON header: %v", err)
		}
	}
	c := &Command{
		Code:     int16(jh.Code),
		Language: jh.Language,
		Version:  jh.Version,
		Opaque:   jh.Opaque,
		Flag:     jh.Flag,
		Remark:   jh.Remark,
	}
	if jh.Code < math.MinInt16 || jh.Code > math.MaxInt16 {
		c.Code, c.wideCode = CodeOutOfRange, jh.Code
	}
	// An empty object and an absent or null member mean the same thing;
	// nil for all three keeps decoded commands comparable.
	if len(jh.ExtFields) > 0 {
		c.ExtFields = jh.ExtFields
	}
	return c, nil
}

// jsonErrorOffset returns where in the header encoding/json found the
// problem, or 0 when it does not say.
func jsonErrorOffset(err error) int {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return int(syntax.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return int(typ.Offset)
	}
	return 0
}
