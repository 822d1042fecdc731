package message

import (
	"net/netip"
	"testing"
)

func benchRecord() Record {
	body := make([]byte, 1024)
	return Record{
		Message: Message{
			Topic: "BenchTopic", Body: body, BornHost: netip.MustParseAddrPort("127.0.0.1:5000"),
			Properties: EncodeProperties(map[string]string{PropertyKeys: "k", PropertyUniqKey: "0A0000070000000000000000000000AB"}),
		},
		BodyCRC: BodyCRC(body), StoreHost: netip.MustParseAddrPort("127.0.0.1:10911"),
	}
}

func BenchmarkEncode(b *testing.B) {
	r := benchRecord()
	buf := make([]byte, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(r.Body)))
	for b.Loop() {
		if _, err := Encode(buf, &r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	r := benchRecord()
	buf := make([]byte, 4096)
	n, _ := Encode(buf, &r)
	b.ReportAllocs()
	b.SetBytes(int64(n))
	for b.Loop() {
		if _, err := Decode(buf[:n], false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBodyCRC(b *testing.B) {
	body := make([]byte, 1024)
	b.SetBytes(1024)
	for b.Loop() {
		BodyCRC(body)
	}
}
