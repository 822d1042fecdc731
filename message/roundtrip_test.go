package message

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func randomHost(rng *rand.Rand) netip.AddrPort {
	if rng.IntN(3) == 0 {
		var a [16]byte
		for i := range a {
			a[i] = byte(rng.Uint32())
		}
		a[0] = 0x20 // keep it out of the IPv4-mapped range
		return netip.AddrPortFrom(netip.AddrFrom16(a), uint16(rng.Uint32()))
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{byte(rng.Uint32()), byte(rng.Uint32()), 1, 2}), uint16(rng.Uint32()))
}

func randomRecord(rng *rand.Rand) Record {
	props := map[string]string{}
	for range rng.IntN(5) {
		props[fmt.Sprintf("k%d", rng.IntN(100))] = strings.Repeat("v", rng.IntN(50))
	}
	var body []byte
	if n := rng.IntN(3000); n > 0 {
		body = make([]byte, n)
		for i := range body {
			body[i] = byte(rng.Uint32())
		}
	}
	topicLen := 1 + rng.IntN(140)
	if rng.IntN(20) == 0 {
		topicLen = 128 + rng.IntN(1000)
	}
	r := Record{
		Message: Message{
			Topic: strings.Repeat("T", topicLen), QueueID: rng.Int32(), Flag: rng.Int32(), Body: body,
			SysFlag: rng.Int32() & 0x78F, BornTimestamp: rng.Int64(), BornHost: randomHost(rng),
			ReconsumeTimes: rng.Int32(), PreparedTransactionOffset: rng.Int64(),
		},
		BodyCRC: BodyCRC(body), QueueOffset: rng.Int64(), PhysicalOffset: rng.Int64(),
		StoreTimestamp: rng.Int64(), StoreHost: randomHost(rng),
	}
	if len(props) > 0 {
		r.Properties = EncodeProperties(props)
	}
	return r
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	buf := make([]byte, 8192)
	for i := range 5000 {
		r := randomRecord(rng)
		size, err := EncodedSize(&r.Message, r.StoreHost)
		if err != nil {
			t.Fatalf("case %d: EncodedSize: %v", i, err)
		}
		n, err := Encode(buf, &r)
		if err != nil || n != size {
			t.Fatalf("case %d: Encode = %d, %v; EncodedSize %d", i, n, err, size)
		}
		got, err := Decode(buf[:n], true)
		if err != nil {
			t.Fatalf("case %d: Decode: %v", i, err)
		}
		want := r
		want.StoreSize = int32(n)
		want.Magic = chooseMagic(r.Topic)
		want.SysFlag = r.SysFlag &^ (FlagBornHostV6 | FlagStoreHostV6)
		if !r.BornHost.Addr().Is4() {
			want.SysFlag |= FlagBornHostV6
		}
		if !r.StoreHost.Addr().Is4() {
			want.SysFlag |= FlagStoreHostV6
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: round trip\n got %+v\nwant %+v", i, got, want)
		}
	}
}

func TestEncodeRejectsInvalidMessages(t *testing.T) {
	buf := make([]byte, 1<<16)
	for name, tc := range map[string]struct {
		m    Message
		want error
	}{
		"empty topic":     {Message{}, ErrEmptyTopic},
		"topic too long":  {Message{Topic: strings.Repeat("x", MaxTopicLength+1)}, ErrTopicTooLong},
		"props too long":  {Message{Topic: "t", Properties: Properties("a\x01" + strings.Repeat("v", MaxPropertiesLength) + "\x02")}, ErrPropertiesTooLong},
		"props malformed": {Message{Topic: "t", Properties: Properties("a=b")}, ErrMalformedProperties},
		"empty name":      {Message{Topic: "t", Properties: Properties("\x01v\x02")}, ErrMalformedProperties},
		"NUL in a value":  {Message{Topic: "t", Properties: Properties("a\x01v\x00w\x02")}, ErrMalformedProperties},
		"illegal topic":   {Message{Topic: "a.b"}, ErrIllegalTopic},
		"NUL in topic":    {Message{Topic: "ab\x00"}, ErrIllegalTopic},
	} {
		if _, err := EncodedSize(&tc.m, netip.AddrPort{}); !errors.Is(err, tc.want) {
			t.Errorf("%s: EncodedSize error %v, want %v", name, err, tc.want)
		}
	}
	r := Record{Message: Message{Topic: "topic"}}
	if _, err := Encode(buf[:10], &r); !errors.Is(err, ErrBufferTooSmall) {
		t.Errorf("short buffer: %v", err)
	}
	r.Magic = MagicCodeV1
	r.Topic = strings.Repeat("x", 200)
	if _, err := Encode(buf, &r); !errors.Is(err, ErrTopicTooLong) {
		t.Errorf("v1 with a 200-byte topic: %v", err)
	}
}

func validRecordBytes(t testing.TB) []byte {
	t.Helper()
	r := randomRecord(rand.New(rand.NewPCG(3, 3)))
	r.Topic = "TopicTest"
	buf := make([]byte, 8192)
	n, err := Encode(buf, &r)
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n]
}

func TestDecodeRejectsEveryTruncation(t *testing.T) {
	b := validRecordBytes(t)
	for n := range len(b) {
		if _, err := Decode(b[:n], true); err == nil {
			t.Fatalf("a record cut to %d of %d bytes decoded", n, len(b))
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	valid := validRecordBytes(t)
	mutate := func(f func(b []byte)) []byte {
		b := append([]byte(nil), valid...)
		f(b)
		return b
	}
	put32 := func(b []byte, at int, v uint32) {
		b[at], b[at+1], b[at+2], b[at+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	}
	bodyLenAt := 48 + hostLen(mustDecode(t, valid).BornHost) + 8 + hostLen(mustDecode(t, valid).StoreHost) + 12
	for name, tc := range map[string]struct {
		b    []byte
		want error
	}{
		"bad magic":       {mutate(func(b []byte) { b[5] ^= 1 }), ErrBadMagic},
		"size too big":    {mutate(func(b []byte) { put32(b, 0, uint32(len(b)+1)) }), ErrTruncated},
		"size too small":  {mutate(func(b []byte) { put32(b, 0, 20) }), ErrBadSize},
		"size mismatch":   {append(mutate(func(b []byte) { put32(b, 0, uint32(len(b)+4)) }), 0, 0, 0, 0), ErrBadSize},
		"crc mismatch":    {mutate(func(b []byte) { b[8] ^= 0x40 }), ErrCRCMismatch},
		"negative body":   {mutate(func(b []byte) { put32(b, bodyLenAt, 0xFFFFFFF0) }), ErrBadSize},
		"huge body":       {mutate(func(b []byte) { put32(b, bodyLenAt, 0x7FFFFFFF) }), ErrBadSize},
		"port over 65535": {mutate(func(b []byte) { put32(b, 48+hostLen(mustDecode(t, valid).BornHost)-4, 70000) }), ErrBadSize},
	} {
		if _, err := Decode(tc.b, true); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}

func mustDecode(t *testing.T, b []byte) Record {
	t.Helper()
	r, err := Decode(b, true)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPropertiesEditing(t *testing.T) {
	p := EncodeProperties(map[string]string{"B": "2", "A": "1"})
	if string(p) != "A\x011\x02B\x012\x02" {
		t.Fatalf("EncodeProperties sorted = %q", p)
	}
	p = p.Set("C", "3").Set("A", "one").Delete("B")
	if string(p) != "A\x01one\x02C\x013\x02" {
		t.Fatalf("after Set/Delete: %q", p)
	}
	if v, ok := p.Lookup("C"); !ok || string(v) != "3" {
		t.Fatalf("Lookup(C) = %q %v", v, ok)
	}
	if _, ok := p.Lookup("B"); ok {
		t.Fatal("deleted property still found")
	}
	if m := p.Map(); !reflect.DeepEqual(m, map[string]string{"A": "one", "C": "3"}) {
		t.Fatalf("Map = %v", m)
	}
	// A last pair without its terminator is read, but not valid.
	lax := Properties("K\x01v\x02L\x01w")
	if lax.Get("L") != "w" || lax.Validate() == nil {
		t.Fatalf("unterminated last pair: Get %q, Validate %v", lax.Get("L"), lax.Validate())
	}
	rec := Record{Message: Message{Properties: EncodeProperties(map[string]string{PropertyKeys: " a  b c ", PropertyTags: "T"})}}
	if !reflect.DeepEqual(rec.Keys(), []string{"a", "b", "c"}) || rec.Tags() != "T" {
		t.Fatalf("Keys %q Tags %q", rec.Keys(), rec.Tags())
	}
}

func TestBatchRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	var msgs []Message
	for range 50 {
		r := randomRecord(rng)
		msgs = append(msgs, Message{Flag: r.Flag, Body: r.Body, Properties: r.Properties})
	}
	b, err := EncodeBatch(msgs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeBatch(b)
	if err != nil || !reflect.DeepEqual(got, msgs) {
		t.Fatalf("batch round trip: err %v, equal %v", err, reflect.DeepEqual(got, msgs))
	}
	for n := range len(b) {
		if n > 0 && n < len(b) {
			if _, err := DecodeBatch(b[:n]); err == nil && !batchBoundary(msgs, n) {
				t.Fatalf("a batch cut at %d decoded", n)
			}
		}
	}
}

// batchBoundary reports whether n falls exactly between two packed messages.
func batchBoundary(msgs []Message, n int) bool {
	at := 0
	for _, m := range msgs {
		at += batchHeader + len(m.Body) + 2 + len(m.Properties)
		if at == n {
			return true
		}
	}
	return false
}

func TestOffsetMsgID(t *testing.T) {
	host := netip.MustParseAddrPort("10.0.0.7:10911")
	id := OffsetMsgID(host, 0x1234)
	// 0A000007 | 00002A9F | 0000000000001234
	if id != "0A00000700002A9F0000000000001234" {
		t.Fatalf("OffsetMsgID = %s", id)
	}
	for _, h := range []netip.AddrPort{host, netip.MustParseAddrPort("[2001:db8::5]:80")} {
		id := OffsetMsgID(h, 1<<40+5)
		gotHost, off, err := ParseOffsetMsgID(strings.ToLower(id))
		if err != nil || gotHost != h || off != 1<<40+5 {
			t.Fatalf("ParseOffsetMsgID(%s) = %v %d %v", id, gotHost, off, err)
		}
	}
	for _, bad := range []string{"", "XYZ", strings.Repeat("G", 32), "0A00000700002A9F000000000000123"} {
		if _, _, err := ParseOffsetMsgID(bad); !errors.Is(err, ErrBadMessageID) {
			t.Errorf("ParseOffsetMsgID(%q): %v", bad, err)
		}
	}
}

func TestUniqIDs(t *testing.T) {
	g := NewUniqIDGenerator(netip.MustParseAddr("192.168.1.2"), 4242)
	seen := make(map[string]bool, 100_000)
	before := time.Now().Truncate(time.Millisecond)
	for range 60_000 {
		id := g.Next()
		if len(id) != 32 || seen[id] {
			t.Fatalf("id %q: length %d, duplicate %v", id, len(id), seen[id])
		}
		seen[id] = true
	}
	after := time.Now()
	id := g.Next()
	if !strings.HasPrefix(id, "C0A80102"+"1092") {
		t.Fatalf("id %s does not start with the address and pid", id)
	}
	created, err := UniqIDTime(id, time.Now())
	if err != nil || created.Before(before) || created.After(after.Add(time.Second)) {
		t.Fatalf("UniqIDTime = %v, %v; want within [%v, %v]", created, err, before, after)
	}
	if v6 := NewUniqIDGenerator(netip.MustParseAddr("2001:db8::1"), 1).Next(); len(v6) != 56 {
		t.Fatalf("IPv6 unique id %q has %d characters", v6, len(v6))
	}
}

func TestJavaStringHash(t *testing.T) {
	// Expected values computed from s[0]*31^(n-1) + ... + s[n-1] in int32.
	for s, want := range map[string]int32{
		"":     0,
		"a":    97,
		"abc":  96354,              // 97*961 + 98*31 + 99
		"TagA": 2598919,            // 84*29791 + 97*961 + 103*31 + 65
		"é":    0xE9,               // one UTF-16 unit
		"😀":    0xD83D*31 + 0xDE00, // surrogate pair
		"ab😀":  ((97*31+98)*31+0xD83D)*31 + 0xDE00,
	} {
		if got := JavaStringHash(s); got != want {
			t.Errorf("JavaStringHash(%q) = %d, want %d", s, got, want)
		}
	}
	long := strings.Repeat("z", 40)
	var h int32
	for range 40 {
		h = h*31 + 'z'
	}
	if JavaStringHash(long) != h {
		t.Error("JavaStringHash overflow does not wrap like int32")
	}
	if TagsCode("") != 0 || TagsCode("TagA") != 2598919 {
		t.Errorf("TagsCode: %d %d", TagsCode(""), TagsCode("TagA"))
	}
}

func TestUniqIDTimeLateInTheMonth(t *testing.T) {
	// 26 days into a month the milliseconds exceed an int32.
	now := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	diff := now.Sub(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)).Milliseconds()
	var tail [6]byte
	binary.BigEndian.PutUint32(tail[:], uint32(diff))
	id := "C0A80102109200000000" + strings.ToUpper(hex.EncodeToString(tail[:]))
	got, err := UniqIDTime(id, now.Add(time.Minute))
	if err != nil || !got.Equal(now) {
		t.Fatalf("UniqIDTime = %v, %v; want %v", got, err, now)
	}
}
