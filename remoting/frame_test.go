package remoting

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// small is the command of the hand-computed vectors.
func small() *Command {
	return &Command{
		Code: 10, Language: LanguageGo, Version: 317, Opaque: 7, Flag: 0,
		Remark: "hi", ExtFields: map[string]string{"k": "v"}, Body: []byte("xy"),
	}
}

func TestEncodeVectors(t *testing.T) {
	// JSON: the header text is written out by hand; the frame around it is
	// assembled from the layout, lengths counted by hand: 97 header bytes
	// (11 code, 16 language, 14 version, 11 opaque, 9 flag, 14 remark,
	// 22 extFields and the closing brace).
	jsonHeader := `{"code":10,"language":"GO","version":317,"opaque":7,"flag":0,"remark":"hi","extFields":{"k":"v"}}`
	if len(jsonHeader) != 97 {
		t.Fatalf("hand count of the JSON header is off: %d", len(jsonHeader))
	}
	wantJSON := cat(
		[]byte{0, 0, 0, 4 + 97 + 2}, // length: header word + header + body
		[]byte{0, 0, 0, 97},         // JSON, header length 97
		[]byte(jsonHeader),
		[]byte("xy"),
	)
	// Binary: 21 fixed bytes + 2 of remark + 8 of extFields = 31 = 0x1f.
	wantBinary := []byte{
		0, 0, 0, 0x25, // length 37 = 4 + 31 + 2
		1, 0, 0, 0x1f, // ROCKETMQ, header length 31
		0x00, 0x0a, // code 10
		0x09,       // language GO
		0x01, 0x3d, // version 317
		0, 0, 0, 7, // opaque
		0, 0, 0, 0, // flag
		0, 0, 0, 2, 'h', 'i', // remark
		0, 0, 0, 8, // extFields length: 2 + 1 + 4 + 1
		0, 1, 'k', 0, 0, 0, 1, 'v',
		'x', 'y', // body
	}
	for _, tc := range []struct {
		st   SerializeType
		want []byte
	}{{JSON, wantJSON}, {RocketMQ, wantBinary}} {
		t.Run(tc.st.String(), func(t *testing.T) {
			got := mustEncode(t, small(), tc.st)
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("Encode\n got %q\nwant %q", got, tc.want)
			}
			c, st, err := Decode(tc.want[4:])
			if err != nil || st != tc.st {
				t.Fatalf("Decode: %v, %v", st, err)
			}
			if !reflect.DeepEqual(c, small()) {
				t.Fatalf("Decode = %+v, want %+v", c, small())
			}
		})
	}
}

func TestEncodeAppendsAndKeepsDstOnError(t *testing.T) {
	prefix := []byte("already here")
	out := mustEncode(t, small(), RocketMQ)
	got, err := Encode(append([]byte(nil), prefix...), small(), RocketMQ)
	if err != nil || !bytes.Equal(got, cat(prefix, out)) {
		t.Fatalf("Encode did not append: %q, %v", got, err)
	}

	longKey := &Command{ExtFields: map[string]string{strings.Repeat("k", 1<<15): "v"}}
	huge := &Command{Remark: strings.Repeat("r", 1<<24)}
	for _, tc := range []struct {
		name string
		c    *Command
		st   SerializeType
		want error
	}{
		{"unknown serialize type", small(), SerializeType(2), ErrUnknownSerializeType},
		{"key over int16", longKey, RocketMQ, ErrFieldTooLong},
		{"header over 24 bits, binary", huge, RocketMQ, ErrFrameTooLarge},
		{"header over 24 bits, JSON", huge, JSON, ErrFrameTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Encode(prefix, tc.c, tc.st)
			wantFrameError(t, err, tc.want)
			if !bytes.Equal(got, prefix) {
				t.Fatalf("dst changed on error: %d bytes", len(got))
			}
		})
	}
	// The largest key Java can read still encodes.
	ok := &Command{ExtFields: map[string]string{strings.Repeat("k", 1<<15-1): "v"}}
	if _, err := Encode(nil, ok, RocketMQ); err != nil {
		t.Fatalf("32767-byte key: %v", err)
	}
}

// binaryHeader builds a binary header by hand: the 13 fixed bytes of
// small(), then the given remark and extFields sections verbatim.
func binaryHeader(sections ...[]byte) []byte {
	fixed := []byte{0x00, 0x0a, 0x09, 0x01, 0x3d, 0, 0, 0, 7, 0, 0, 0, 0}
	return cat(append([][]byte{fixed}, sections...)...)
}

func TestDecodeMalformed(t *testing.T) {
	jsonFrame := func(h string) []byte { return withHeaderWord(0, []byte(h), nil) }
	binFrame := func(sections ...[]byte) []byte { return withHeaderWord(1, binaryHeader(sections...), nil) }
	noRemark := be32(0)
	for _, tc := range []struct {
		name       string
		frame      []byte
		want       error
		wantOffset int // wire offset of the bad field; -1 to skip
	}{
		{"empty", nil, ErrMalformed, 4},
		{"three bytes", []byte{0, 0, 0}, ErrMalformed, 4},
		{"header length overruns", cat([]byte{0, 0, 0, 10}, []byte("{}")), ErrMalformed, 5},
		{"unknown serialize type", withHeaderWord(2, []byte("{}"), nil), ErrUnknownSerializeType, 4},
		{"serialize type 0xff", withHeaderWord(0xff, nil, nil), ErrUnknownSerializeType, 4},

		{"JSON empty header", jsonFrame(""), ErrMalformed, 8},
		{"JSON null", jsonFrame("null"), ErrMalformed, 8},
		{"JSON array", jsonFrame("[]"), ErrMalformed, 8},
		{"JSON string", jsonFrame(` "x"`), ErrMalformed, 9},
		{"JSON truncated", jsonFrame(`{"code":`), ErrMalformed, -1},
		{"JSON trailing data", jsonFrame(`{"code":1} {}`), ErrMalformed, -1},
		{"JSON code as string", jsonFrame(`{"code":"10"}`), ErrMalformed, -1},
		{"JSON code with fraction", jsonFrame(`{"code":1.5}`), ErrMalformed, -1},
		{"JSON code with exponent", jsonFrame(`{"code":1e2}`), ErrMalformed, -1},
		{"JSON code over int32", jsonFrame(`{"code":2147483648}`), ErrMalformed, -1},
		{"JSON opaque over int32", jsonFrame(`{"opaque":2147483648}`), ErrMalformed, -1},
		{"JSON extFields object value", jsonFrame(`{"extFields":{"queueId":{}}}`), ErrMalformed, -1},
		{"JSON extFields array value", jsonFrame(`{"extFields":{"queueId":[0]}}`), ErrMalformed, -1},
		{"JSON extFields array", jsonFrame(`{"extFields":[]}`), ErrMalformed, -1},
		{"JSON invalid token", jsonFrame(`{code:1}`), ErrMalformed, -1},

		{"binary shorter than fixed part", withHeaderWord(1, make([]byte, 20), nil), ErrMalformed, 8},
		{"binary remark length missing", withHeaderWord(1, binaryHeader()[:13], nil), ErrMalformed, -1},
		{"binary negative remark length", binFrame(be32(-1), be32(0)), ErrMalformed, 21},
		{"binary remark overruns", binFrame(be32(7), []byte("hi"), be32(0)), ErrMalformed, 21},
		{"binary extFields length missing", binFrame(be32(4), []byte("abcd")), ErrMalformed, 29},
		{"binary negative extFields length", binFrame(noRemark, be32(-8)), ErrMalformed, 25},
		{"binary extFields overruns", binFrame(noRemark, be32(9), be16(1), []byte("k"), be32(1), []byte("v")), ErrMalformed, 25},
		{"binary huge extFields length", binFrame(noRemark, be32(0x7fffffff)), ErrMalformed, 25},
		{"binary negative key length", binFrame(noRemark, be32(8), be16(-1), []byte("k"), be32(1), []byte("v")), ErrMalformed, 29},
		{"binary key overruns", binFrame(noRemark, be32(8), be16(7), []byte("k"), be32(1), []byte("v")), ErrMalformed, 29},
		{"binary negative value length", binFrame(noRemark, be32(8), be16(1), []byte("k"), be32(-1), []byte("v")), ErrMalformed, 32},
		{"binary value overruns", binFrame(noRemark, be32(8), be16(1), []byte("k"), be32(2), []byte("v")), ErrMalformed, 32},
		{"binary partial entry", binFrame(noRemark, be32(3), be16(1), []byte("k")), ErrMalformed, 32},
		{"binary one stray byte", binFrame(noRemark, be32(1), []byte{0}), ErrMalformed, 29},
		{"binary trailing bytes", binFrame(noRemark, be32(0), []byte{0}), ErrMalformed, 29},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := Decode(tc.frame)
			if c != nil {
				t.Fatalf("Decode returned a command with error %v", err)
			}
			fe := wantFrameError(t, err, tc.want)
			if tc.wantOffset >= 0 && fe.Offset != tc.wantOffset {
				t.Fatalf("offset %d, want %d (%v)", fe.Offset, tc.wantOffset, err)
			}
		})
	}
}

func TestDecodeEmptySectionsAreNil(t *testing.T) {
	for _, frame := range [][]byte{
		withHeaderWord(0, []byte(`{"code":1,"extFields":{}}`), nil),
		withHeaderWord(0, []byte(`{"code":1,"remark":null,"extFields":null}`), nil),
		withHeaderWord(1, []byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, nil),
	} {
		c, _, err := Decode(frame)
		if err != nil {
			t.Fatal(err)
		}
		if c.ExtFields != nil || c.Body != nil || c.Code != 1 {
			t.Fatalf("Decode(%q) = %+v, want code 1 with nil ExtFields and Body", frame, c)
		}
	}
}

func TestDecodeBodyAliasesFrameWithCappedCapacity(t *testing.T) {
	frame := mustEncode(t, small(), RocketMQ)[4:]
	c, _, err := Decode(frame)
	if err != nil {
		t.Fatal(err)
	}
	if &c.Body[0] != &frame[len(frame)-2] {
		t.Fatal("Body is a copy; it should alias the frame")
	}
	if cap(c.Body) != len(c.Body) {
		t.Fatalf("Body capacity %d lets appends overwrite the buffer", cap(c.Body))
	}
}

// errReader fails every read with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestReadFrame(t *testing.T) {
	valid := mustEncode(t, small(), JSON)
	errBoom := errors.New("boom")
	from := func(parts ...[]byte) func() io.Reader {
		return func() io.Reader { return bytes.NewReader(cat(parts...)) }
	}
	for _, tc := range []struct {
		name    string
		r       func() io.Reader
		max     int
		want    []byte // the frame without its prefix, on success
		wantErr error
	}{
		{"valid", from(valid), 0, valid[4:], nil},
		{"exactly the maximum", from(valid), len(valid), valid[4:], nil},
		{"minimal frame", from(be32(4), []byte{0, 0, 0, 0}), 0, []byte{0, 0, 0, 0}, nil},
		{"clean end of stream", from(), 0, nil, io.EOF},
		{"partial prefix", from([]byte{0, 0}), 0, nil, io.ErrUnexpectedEOF},
		{"truncated frame", from(valid[:20]), 0, nil, io.ErrUnexpectedEOF},
		{"truncated right after prefix", from(valid[:4]), 0, nil, io.ErrUnexpectedEOF},
		{"negative length", from(be32(-1)), 0, nil, ErrMalformed},
		{"zero length", from(be32(0)), 0, nil, ErrMalformed},
		{"length 3", from(be32(3), []byte{0, 0, 0}), 0, nil, ErrMalformed},
		{"one over the maximum", from(valid), len(valid) - 1, nil, ErrFrameTooLarge},
		{"over the default maximum", from(be32(DefaultMaxFrameSize - 3)), 0, nil, ErrFrameTooLarge},
		{"at the default maximum, then truncated", from(be32(DefaultMaxFrameSize - 4)), 0, nil, io.ErrUnexpectedEOF},
		{"reader error in prefix", func() io.Reader { return errReader{errBoom} }, 0, nil, errBoom},
		{"reader error in frame", func() io.Reader {
			return io.MultiReader(bytes.NewReader(valid[:6]), errReader{errBoom})
		}, 0, nil, errBoom},
	} {
		// Once without a buffer, once with one the frame fits in.
		for _, buf := range [][]byte{nil, make([]byte, 0, 4096)} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := ReadFrame(tc.r(), tc.max, buf)
				if tc.wantErr != nil {
					if !errors.Is(err, tc.wantErr) {
						t.Fatalf("error %v, want %v", err, tc.wantErr)
					}
					if tc.wantErr == ErrMalformed || tc.wantErr == ErrFrameTooLarge {
						wantFrameError(t, err, tc.wantErr)
					}
					return
				}
				if err != nil || !bytes.Equal(got, tc.want) {
					t.Fatalf("ReadFrame = %q, %v; want %q", got, err, tc.want)
				}
			})
		}
	}
}

func TestReadFrameStreamAndBufferReuse(t *testing.T) {
	a, b := small(), small()
	b.Opaque, b.Body = 8, bytes.Repeat([]byte("z"), 100<<10) // larger than readChunk
	stream := cat(mustEncode(t, a, JSON), mustEncode(t, b, RocketMQ), mustEncode(t, a, RocketMQ))
	r := bytes.NewReader(stream)
	buf := make([]byte, 0, 1024)
	for i, want := range []*Command{a, b, a} {
		frame, err := ReadFrame(r, 0, buf)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if len(frame) <= cap(buf) && &frame[0] != &buf[:1][0] {
			t.Fatalf("frame %d of %d bytes did not reuse the buffer", i, len(frame))
		}
		got, _, err := Decode(frame)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("frame %d: %v, %v", i, got, err)
		}
	}
	if _, err := ReadFrame(r, 0, buf); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}

// TestReadFrameAllocatesByArrival checks that a peer announcing a maximal
// frame and sending a few bytes cannot make ReadFrame allocate the lot.
func TestReadFrameAllocatesByArrival(t *testing.T) {
	lie := cat(be32(DefaultMaxFrameSize-4), []byte("only ten b"))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		if _, err := ReadFrame(bytes.NewReader(lie), 0, nil); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("error %v, want io.ErrUnexpectedEOF", err)
		}
	}
	runtime.ReadMemStats(&after)
	if perCall := (after.TotalAlloc - before.TotalAlloc) / 10; perCall > 2*readChunk {
		t.Fatalf("ReadFrame allocated %d bytes per call for a 10-byte frame", perCall)
	}
}
