package message

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func FuzzDecode(f *testing.F) {
	rng := rand.New(rand.NewPCG(9, 9))
	buf := make([]byte, 8192)
	for range 4 {
		r := randomRecord(rng)
		n, _ := Encode(buf, &r)
		f.Add(append([]byte(nil), buf[:n]...), true)
	}
	blank := make([]byte, 16)
	_ = EncodeBlank(blank)
	f.Add(blank, false)
	batch, _ := EncodeBatch([]Message{{Body: []byte("x")}})
	f.Add(batch, true)
	f.Fuzz(func(t *testing.T, b []byte, checkCRC bool) {
		rec, err := Decode(b, checkCRC)
		frame, ferr := CheckFrame(b)
		if crcOK := ferr == nil && BodyCRC(frame.Body) == frame.BodyCRC; (ferr == nil && (!checkCRC || crcOK)) != (err == nil) {
			t.Fatalf("CheckFrame (%v, CRC ok %v) and Decode (%v) disagree", ferr, crcOK, err)
		}
		if err != nil {
			return
		}
		if frame.Size != rec.StoreSize || frame.PhysicalOffset != rec.PhysicalOffset || frame.BodyCRC != rec.BodyCRC || !bytes.Equal(frame.Body, rec.Body) ||
			!bytes.Equal(frame.Properties, rec.Properties) {
			t.Fatalf("CheckFrame %+v disagrees with Decode", frame)
		}
		out := make([]byte, rec.StoreSize)
		n, err := Encode(out, &rec)
		if err != nil {
			t.Fatalf("a decoded record does not encode: %v (%+v)", err, rec)
		}
		if !bytes.Equal(out[:n], b[:rec.StoreSize]) {
			t.Fatalf("re-encoding differs\n got %x\nwant %x", out[:n], b[:rec.StoreSize])
		}
	})
}

func FuzzDecodeBatch(f *testing.F) {
	batch, _ := EncodeBatch([]Message{{Body: []byte("hello"), Properties: Properties("K\x01v\x02")}, {Flag: 3}})
	f.Add(batch)
	f.Add([]byte{0, 0, 0, 22, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		msgs, err := DecodeBatch(b)
		if err != nil {
			return
		}
		out, err := EncodeBatch(msgs)
		if err != nil {
			t.Fatalf("decoded batch does not encode: %v", err)
		}
		if len(out) != len(b) {
			t.Fatalf("re-encoded batch has %d bytes, input %d", len(out), len(b))
		}
	})
}
