package remoting

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
)

// salvageHeader reads the opaque and flag of a frame (given without its
// length prefix) whose header does not decode, so that the peer can be told
// why instead of losing the connection and every call on it. It reads as
// far as it can: a binary header's fixed part, a JSON header's members up to
// the first error. ok is false when no opaque could be read or the
// serialize type is unknown.
func salvageHeader(frame []byte) (opaque, flag int32, st SerializeType, ok bool) {
	if len(frame) < 4 {
		return 0, 0, 0, false
	}
	word := binary.BigEndian.Uint32(frame)
	st = SerializeType(word >> 24)
	h := frame[4:]
	h = h[:min(int(word&maxHeaderLength), len(h))]
	switch st {
	case RocketMQ:
		if len(h) < 13 { // code 2, language 1, version 2, opaque 4, flag 4
			return 0, 0, st, false
		}
		return int32(binary.BigEndian.Uint32(h[5:])), int32(binary.BigEndian.Uint32(h[9:])), st, true
	case JSON:
		opaque, flag, ok = salvageJSON(h)
		return opaque, flag, st, ok
	}
	return 0, 0, st, false
}

// salvageJSON reads the top-level opaque and flag members of a JSON header
// up to its first error. Member names match without regard to case and a
// number given as a string counts, as in Java's fastjson; the last of
// duplicates wins, as in encoding/json.
func salvageJSON(h []byte) (opaque, flag int32, ok bool) {
	d := json.NewDecoder(bytes.NewReader(h))
	d.UseNumber()
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return 0, 0, false
	}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			break
		}
		key, _ := t.(string)
		var value json.RawMessage
		if err := d.Decode(&value); err != nil {
			break
		}
		var target *int32
		switch {
		case strings.EqualFold(key, "opaque"):
			target = &opaque
		case strings.EqualFold(key, "flag"):
			target = &flag
		default:
			continue
		}
		var n json.Number
		if json.Unmarshal(value, &n) != nil {
			continue
		}
		v, err := n.Int64()
		if err != nil || int64(int32(v)) != v {
			continue
		}
		*target = int32(v)
		if target == &opaque {
			ok = true
		}
	}
	return opaque, flag, ok
}
