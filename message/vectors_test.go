package message

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// vectorBuilder writes big-endian fields one by one, the way the layout
// table describes them, so the expected bytes do not come from Encode.
type vectorBuilder struct{ bytes.Buffer }

func (b *vectorBuilder) i32(v int32)   { binary.Write(&b.Buffer, binary.BigEndian, v) }
func (b *vectorBuilder) i64(v int64)   { binary.Write(&b.Buffer, binary.BigEndian, v) }
func (b *vectorBuilder) i16(v int16)   { binary.Write(&b.Buffer, binary.BigEndian, v) }
func (b *vectorBuilder) raw(p ...byte) { b.Write(p) }

func TestEncodeMatchesHandBuiltVectorIPv4(t *testing.T) {
	props := Properties("KEYS\x01k1 k2\x02TAGS\x01TagA\x02")
	rec := Record{
		Message: Message{
			Topic: "TopicTest", QueueID: 3, Flag: 7, Body: []byte("hello"), Properties: props,
			SysFlag: 0, BornTimestamp: 1_700_000_000_001, BornHost: netip.MustParseAddrPort("192.168.0.1:54321"),
			ReconsumeTimes: 2, PreparedTransactionOffset: 0,
		},
		BodyCRC: 0x3610A686 & 0x7FFFFFFF, QueueOffset: 42, PhysicalOffset: 1 << 30,
		StoreTimestamp: 1_700_000_000_002, StoreHost: netip.MustParseAddrPort("10.0.0.7:10911"),
	}
	var want vectorBuilder
	total := int32(4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 8 + 8 + 8 + 4 + 8 + 4 + 5 + 1 + 9 + 2 + len(props))
	want.i32(total)
	want.raw(0xDA, 0xA3, 0x20, 0xA7) // v1 magic
	want.i32(int32(0x3610A686 & 0x7FFFFFFF))
	want.i32(3)
	want.i32(7)
	want.i64(42)
	want.i64(1 << 30)
	want.i32(0)
	want.i64(1_700_000_000_001)
	want.raw(192, 168, 0, 1)
	want.i32(54321)
	want.i64(1_700_000_000_002)
	want.raw(10, 0, 0, 7)
	want.i32(10911)
	want.i32(2)
	want.i64(0)
	want.i32(5)
	want.raw([]byte("hello")...)
	want.raw(9)
	want.raw([]byte("TopicTest")...)
	want.i16(int16(len(props)))
	want.raw(props...)
	checkVector(t, &rec, want.Bytes())
	if BodyCRC([]byte("hello")) != 0x3610A686&0x7FFFFFFF {
		t.Errorf("BodyCRC(hello) = %#x, want the IEEE CRC 0x3610A686 masked", BodyCRC([]byte("hello")))
	}
}

func TestEncodeMatchesHandBuiltVectorIPv6AndV2(t *testing.T) {
	topic := strings.Repeat("t", 200)
	rec := Record{
		Message: Message{
			Topic: topic, QueueID: 1, Body: []byte{1, 2, 3},
			SysFlag: TransactionPreparedType, BornTimestamp: 5, BornHost: netip.MustParseAddrPort("[2001:db8::1]:1234"),
			PreparedTransactionOffset: 77,
		},
		BodyCRC: BodyCRC([]byte{1, 2, 3}), QueueOffset: 9, PhysicalOffset: 123,
		StoreTimestamp: 6, StoreHost: netip.MustParseAddrPort("[::1]:10911"),
	}
	var want vectorBuilder
	want.i32(int32(4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 20 + 8 + 20 + 4 + 8 + 4 + 3 + 2 + 200 + 2))
	want.raw(0xDA, 0xA3, 0x20, 0xAB) // v2 magic
	want.i32(int32(BodyCRC([]byte{1, 2, 3})))
	want.i32(1)
	want.i32(0)
	want.i64(9)
	want.i64(123)
	want.i32(0x4 | 0x10 | 0x20) // prepared, born v6, store v6
	want.i64(5)
	want.raw(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)
	want.i32(1234)
	want.i64(6)
	want.raw(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)
	want.i32(10911)
	want.i32(0)
	want.i64(77)
	want.i32(3)
	want.raw(1, 2, 3)
	want.i16(200)
	want.raw([]byte(topic)...)
	want.i16(0)
	rec.SysFlag = TransactionPreparedType
	checkVector(t, &rec, want.Bytes())
}

func checkVector(t *testing.T, rec *Record, want []byte) {
	t.Helper()
	size, err := EncodedSize(&rec.Message, rec.StoreHost)
	if err != nil || size != len(want) {
		t.Fatalf("EncodedSize = %d, %v; want %d", size, err, len(want))
	}
	got := make([]byte, size)
	n, err := Encode(got, rec)
	if err != nil || n != len(want) {
		t.Fatalf("Encode = %d, %v", n, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoded bytes differ\n got %x\nwant %x", got, want)
	}
	dec, err := Decode(want, true)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	exp := *rec
	exp.StoreSize = int32(len(want))
	exp.Magic = int32(binary.BigEndian.Uint32(want[4:]))
	exp.SysFlag = int32(binary.BigEndian.Uint32(want[36:]))
	if !reflect.DeepEqual(dec, exp) {
		t.Fatalf("decoded\n got %+v\nwant %+v", dec, exp)
	}
}

func TestBlankFiller(t *testing.T) {
	buf := bytes.Repeat([]byte{0xEE}, 100)
	if err := EncodeBlank(buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf[:8], []byte{0, 0, 0, 100, 0xCB, 0xD4, 0x31, 0x94}) {
		t.Fatalf("blank header %x", buf[:8])
	}
	rec, err := Decode(buf, true)
	if err != ErrBlank || rec.StoreSize != 100 || rec.Magic != BlankMagicCode {
		t.Fatalf("Decode(blank) = %+v, %v", rec, err)
	}
	if err := EncodeBlank(buf[:7]); err == nil {
		t.Fatal("a 7-byte blank was accepted")
	}
}
