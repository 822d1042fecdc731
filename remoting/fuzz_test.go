package remoting

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"testing"
)

// FuzzFrame feeds arbitrary bytes to ReadFrame and Decode as a connection
// would, frame after frame. Nothing may panic; every error must be one the
// package documents; and every command that decodes must survive being
// encoded again in the same serialize type and decoded back.
func FuzzFrame(f *testing.F) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, st := range []SerializeType{JSON, RocketMQ} {
		f.Add(mustEncode(f, small(), st))
		f.Add(mustEncode(f, sendRequest(), st))
		f.Add(mustEncode(f, randomCommand(rng, st), st))
		f.Add(cat(mustEncode(f, small(), st), mustEncode(f, &Command{Code: 1, Flag: 1}, st)))
	}
	f.Add(cat(be32(4), []byte{0, 0, 0, 0}))
	f.Add(cat(be32(-1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for {
			frame, err := ReadFrame(r, 1<<20, nil)
			if err != nil {
				if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) &&
					!errors.Is(err, ErrMalformed) && !errors.Is(err, ErrFrameTooLarge) {
					t.Fatalf("ReadFrame: undocumented error %v", err)
				}
				return
			}
			c, st, err := Decode(frame)
			if err != nil {
				var fe *FrameError
				if !errors.Is(err, ErrMalformed) || !errors.As(err, &fe) {
					t.Fatalf("Decode: undocumented error %v", err)
				}
				continue // the length prefix was sound, so the stream is still in step
			}
			again, err := Encode(nil, c, st)
			if err != nil {
				t.Fatalf("a decoded command does not encode: %v\n%#v", err, c)
			}
			c2, st2, err := Decode(again[4:])
			if err != nil || st2 != st {
				t.Fatalf("re-encoded frame does not decode: %v, %v\n%q", st2, err, again)
			}
			if !reflect.DeepEqual(c, c2) {
				t.Fatalf("round trip changed the command\nfirst  %#v\nsecond %#v", c, c2)
			}
		}
	})
}
