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

// BenchmarkCheckUncovered is what recovery adds per record to the body
// CRC: the topic's characters and the properties' syntax, for a broker's
// usual properties.
func BenchmarkCheckUncovered(b *testing.B) {
	f := Frame{Size: 1200, Topic: []byte("BenchTopic"), Properties: EncodeProperties(map[string]string{
		PropertyUniqKey: "7F0000010B5D18B4AAC2774E7A9C0000", PropertyKeys: "order-1234567",
		PropertyTags: "TagA", PropertyWaitStoreOK: "true", "CLUSTER": "DefaultCluster",
	})}
	b.ReportAllocs()
	for b.Loop() {
		if err := f.CheckUncovered(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodedSize is the validation an append does before it takes
// the append lock, with the same properties.
func BenchmarkEncodedSize(b *testing.B) {
	r := benchRecord()
	r.Properties = EncodeProperties(map[string]string{
		PropertyUniqKey: "7F0000010B5D18B4AAC2774E7A9C0000", PropertyKeys: "order-1234567",
		PropertyTags: "TagA", PropertyWaitStoreOK: "true", "CLUSTER": "DefaultCluster",
	})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodedSize(&r.Message, r.StoreHost); err != nil {
			b.Fatal(err)
		}
	}
}
