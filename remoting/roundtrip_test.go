package remoting

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// jsonSafeRunes are the characters random strings are drawn from when they
// must survive JSON: the escapes, controls, multi-byte UTF-8 and the two
// line separators JavaScript cares about.
var jsonSafeRunes = []rune("aZ09 _-.:%\"\\/\n\r\t\x00\x01\x1f\x7féß中文😀\u2028\u2029{}[],")

// randomString returns a string of up to n characters. With anyBytes the
// string is arbitrary bytes (invalid UTF-8 included), which only the
// binary header carries faithfully.
func randomString(rng *rand.Rand, n int, anyBytes bool) string {
	l := rng.IntN(n + 1)
	var sb strings.Builder
	for range l {
		if anyBytes {
			sb.WriteByte(byte(rng.UintN(256)))
		} else {
			sb.WriteRune(jsonSafeRunes[rng.IntN(len(jsonSafeRunes))])
		}
	}
	return sb.String()
}

// randomCommand returns a command in the normal form Decode produces: nil
// ExtFields and Body when empty, a language the header can carry.
func randomCommand(rng *rand.Rand, st SerializeType) *Command {
	anyBytes := st == RocketMQ
	c := &Command{
		Code:    int16(rng.Uint32()),
		Version: int16(rng.Uint32()),
		Opaque:  int32(rng.Uint32()),
		Flag:    int32(rng.Uint32()),
		Remark:  randomString(rng, 40, anyBytes),
	}
	if st == RocketMQ {
		c.Language = languageNames[rng.IntN(len(languageNames))]
	} else {
		c.Language = randomString(rng, 8, false) // JSON carries any name
	}
	for range rng.IntN(10) {
		if c.ExtFields == nil {
			c.ExtFields = map[string]string{}
		}
		c.ExtFields[randomString(rng, 12, anyBytes)] = randomString(rng, 60, anyBytes)
	}
	if n := rng.IntN(300); n > 0 && rng.IntN(4) > 0 {
		c.Body = make([]byte, n)
		for i := range c.Body {
			c.Body[i] = byte(rng.Uint32())
		}
	}
	return c
}

// TestRoundTripProperty encodes random commands and checks that decoding
// gives them back, in both serialize types.
func TestRoundTripProperty(t *testing.T) {
	for _, st := range []SerializeType{JSON, RocketMQ} {
		t.Run(st.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(st), 42))
			var buf []byte
			for i := range 3000 {
				want := randomCommand(rng, st)
				var err error
				buf, err = Encode(buf[:0], want, st)
				if err != nil {
					t.Fatalf("command %d: Encode: %v", i, err)
				}
				got, gotST, err := Decode(buf[4:])
				if err != nil || gotST != st {
					t.Fatalf("command %d: Decode: %v, %v\nframe %q", i, gotST, err, buf)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("command %d:\n got %#v\nwant %#v\nframe %q", i, got, want, buf)
				}
			}
		})
	}
}

// TestJSONEncodingIsDeterministic checks that map order does not leak into
// the frame: the same command always encodes to the same bytes.
func TestJSONEncodingIsDeterministic(t *testing.T) {
	c := &Command{ExtFields: map[string]string{}}
	for i := range 40 {
		c.ExtFields[string(rune('a'+i%26))+strings.Repeat("x", i)] = "v"
	}
	for _, st := range []SerializeType{JSON, RocketMQ} {
		first := string(mustEncode(t, c, st))
		for range 20 {
			if got := string(mustEncode(t, c, st)); got != first {
				t.Fatalf("%v encoding changed between calls", st)
			}
		}
	}
}
