package message

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// checkRecordBytes is what a recovery scan asks of a record: framing, then
// Verify.
func checkRecordBytes(b []byte) error {
	fr, err := CheckFrame(b)
	if err != nil {
		return err
	}
	return fr.Verify()
}

// bodyLengthAt is the offset of BODYLENGTH in r's encoding of size bytes:
// everything from there on is covered by framing, the body CRC or
// CheckUncovered.
func bodyLengthAt(r *Record, size int) int {
	topicLenBytes := 1
	if chooseMagic(r.Topic) == MagicCodeV2 {
		topicLenBytes = 2
	}
	return size - len(r.Properties) - 2 - len(r.Topic) - topicLenBytes - len(r.Body) - 4
}

// encodeRandom encodes a random valid record and returns its bytes.
func encodeRandom(t *testing.T, rng *rand.Rand) (Record, []byte) {
	t.Helper()
	r := randomRecord(rng)
	b := make([]byte, 1<<16)
	n, err := Encode(b, &r)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkRecordBytes(b[:n]); err != nil {
		t.Fatalf("a valid record fails: %v", err)
	}
	return r, b[:n]
}

// TestEveryTornTailFailsVerification zeroes the record from every position
// from BODYLENGTH on to its end, as a power loss that keeps a record's
// first pages and loses the rest does: unless the zeros change nothing,
// framing or Verify must refuse what is left.
func TestEveryTornTailFailsVerification(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 1))
	for range 40 {
		r, orig := encodeRandom(t, rng)
		torn := make([]byte, len(orig))
		for at := bodyLengthAt(&r, len(orig)); at < len(orig); at++ {
			copy(torn, orig)
			clear(torn[at:])
			if bytes.Equal(torn, orig) {
				continue // the lost bytes were zeros: nothing changed
			}
			if checkRecordBytes(torn) == nil {
				t.Fatalf("record (topic %d bytes, body %d, properties %q) zeroed from byte %d of %d passes",
					len(r.Topic), len(r.Body), r.Properties, at, len(orig))
			}
		}
	}
}

// TestEveryZeroRunFailsVerification zeroes runs of 1, 3, 17 and 4096 bytes
// starting at every position from BODYLENGTH on, as a power loss that
// loses a page in the middle of a record and keeps the pages after it
// does: unless the zeros change nothing, the record must be refused.
func TestEveryZeroRunFailsVerification(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 2))
	for range 15 {
		r, orig := encodeRandom(t, rng)
		torn := make([]byte, len(orig))
		for _, run := range []int{1, 3, 17, 4096} {
			for at := bodyLengthAt(&r, len(orig)); at < len(orig); at++ {
				copy(torn, orig)
				clear(torn[at:min(at+run, len(torn))])
				if bytes.Equal(torn, orig) {
					continue
				}
				if checkRecordBytes(torn) == nil {
					t.Fatalf("record (topic %d bytes, body %d, properties %q) with bytes %d to %d of %d zeroed passes",
						len(r.Topic), len(r.Body), r.Properties, at, at+run, len(orig))
				}
			}
		}
	}
}

// TestVerifyNamesWhatIsDamaged damages one field at a time and checks the
// sentinel each check reports.
func TestVerifyNamesWhatIsDamaged(t *testing.T) {
	props := EncodeProperties(map[string]string{PropertyKeys: "k1", PropertyTags: "TagA"})
	encode := func(t *testing.T, storeHost netip.AddrPort) []byte {
		r := Record{Message: Message{Topic: "TopicTest", Body: []byte("hello"), Properties: props,
			BornHost: netip.MustParseAddrPort("10.0.0.1:4000")}, StoreHost: storeHost}
		r.BodyCRC = BodyCRC(r.Body)
		b := make([]byte, 512)
		n, err := Encode(b, &r)
		if err != nil {
			t.Fatal(err)
		}
		return b[:n]
	}
	v4 := netip.MustParseAddrPort("10.0.0.2:10911")
	v6 := netip.MustParseAddrPort("[2001:db8::2]:10911")
	for _, tc := range []struct {
		name   string
		host   netip.AddrPort
		damage func(b []byte) []byte
		want   error
	}{
		{"intact", v4, func(b []byte) []byte { return b }, nil},
		{"topic bytes zeroed", v4, func(b []byte) []byte {
			at := len(b) - len(props) - 2 - len("TopicTest")
			clear(b[at : at+len("TopicTest")])
			return b
		}, ErrIllegalTopic},
		{"topic length zeroed", v4, func(b []byte) []byte {
			b[len(b)-len(props)-2-len("TopicTest")-1] = 0
			return b
		}, ErrBadSize},
		{"properties bytes zeroed", v4, func(b []byte) []byte { clear(b[len(b)-len(props):]); return b }, ErrMalformedProperties},
		{"last property byte zeroed", v4, func(b []byte) []byte { b[len(b)-1] = 0; return b }, ErrMalformedProperties},
		{"NUL inside a value", v4, func(b []byte) []byte { b[len(b)-3] = 0; return b }, ErrMalformedProperties},
		{"properties length zeroed", v4, func(b []byte) []byte { clear(b[len(b)-len(props)-2 : len(b)-len(props)]); return b }, ErrBadSize},
		{"body byte zeroed", v4, func(b []byte) []byte {
			b[bytes.Index(b, []byte("hello"))] = 0
			return b
		}, ErrCRCMismatch},
		// RocketMQ's layout has no address family byte: SYSFLAG's host bits
		// say whether a host takes 8 or 20 bytes, so a wrong bit shifts
		// every later field and the fields no longer end at TOTALSIZE.
		{"store host v6 bit on an IPv4 host", v4, func(b []byte) []byte { return setSysFlag(b, FlagStoreHostV6, true) }, ErrBadSize},
		{"store host v6 bit off an IPv6 host", v6, func(b []byte) []byte { return setSysFlag(b, FlagStoreHostV6, false) }, ErrBadSize},
		{"born host v6 bit on an IPv4 host", v4, func(b []byte) []byte { return setSysFlag(b, FlagBornHostV6, true) }, ErrBadSize},
		{"born host port over 16 bits", v4, func(b []byte) []byte { b[OffsetBornHost+4] = 1; return b }, ErrBadHost},
		{"total size past the fields", v4, func(b []byte) []byte {
			b = append(b, 0, 0)
			binary.BigEndian.PutUint32(b, uint32(len(b)))
			return b
		}, ErrBadSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkRecordBytes(tc.damage(encode(t, tc.host)))
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func setSysFlag(b []byte, bit int32, on bool) []byte {
	f := int32(binary.BigEndian.Uint32(b[OffsetSysFlag:]))
	if on {
		f |= bit
	} else {
		f &^= bit
	}
	binary.BigEndian.PutUint32(b[OffsetSysFlag:], uint32(f))
	return b
}

// TestCheckUncoveredAgreesForFramesAndRecords: Record.CheckUncovered, which
// the iterator uses, judges as Frame.CheckUncovered, which recovery uses.
func TestCheckUncoveredAgreesForFramesAndRecords(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 3))
	for range 200 {
		r, b := encodeRandom(t, rng)
		at := bodyLengthAt(&r, len(b)) + 4 + len(r.Body) + rng.IntN(len(b)-bodyLengthAt(&r, len(b))-4-len(r.Body))
		b[at] = byte(rng.IntN(4)) // 0, 1, 2 or 3: NUL, the separators, or harmless
		fr, ferr := CheckFrame(b)
		rec, rerr := Decode(b, false)
		if (ferr == nil) != (rerr == nil) {
			t.Fatalf("CheckFrame %v, Decode %v", ferr, rerr)
		}
		if ferr != nil {
			continue
		}
		fu, ru := fr.CheckUncovered(), rec.CheckUncovered()
		if (fu == nil) != (ru == nil) || fu != nil && fu.Error() != ru.Error() {
			t.Fatalf("frame: %v; record: %v", fu, ru)
		}
	}
}
