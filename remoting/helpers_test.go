package remoting

import (
	"encoding/binary"
	"errors"
	"testing"
)

// be16 and be32 spell big-endian integers for hand-built frames.
func be16(v int16) []byte { return binary.BigEndian.AppendUint16(nil, uint16(v)) }
func be32(v int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }

// cat joins byte slices.
func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// withHeaderWord prefixes a header and body with the serialize-type and
// header-length word: the form Decode takes.
func withHeaderWord(st byte, header, body []byte) []byte {
	word := uint32(st)<<24 | uint32(len(header))
	return cat(binary.BigEndian.AppendUint32(nil, word), header, body)
}

// wantFrameError checks that err is a *FrameError wrapping sentinel.
func wantFrameError(t *testing.T, err, sentinel error) *FrameError {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v does not wrap %v", err, sentinel)
	}
	var fe *FrameError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FrameError", err, err)
	}
	return fe
}

// mustEncode encodes c or fails the test.
func mustEncode(t testing.TB, c *Command, st SerializeType) []byte {
	t.Helper()
	frame, err := Encode(nil, c, st)
	if err != nil {
		t.Fatalf("Encode(%v, %v): %v", c, st, err)
	}
	return frame
}
