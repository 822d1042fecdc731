package remoting

import (
	"bytes"
	"testing"
)

// sendRequest is a typical producer send: a V2 header as the Go client
// writes it and a 1 KiB body.
func sendRequest() *Command {
	h := SendMessageRequestHeader{
		ProducerGroup: "benchmark-producer-group", Topic: "BenchmarkTopic", DefaultTopic: "TBW102",
		DefaultTopicQueueNums: 4, QueueID: 3, BornTimestamp: 1700000000000, MaxReconsumeTimes: 16,
		Properties: "UNIQ_KEY\x017F0000010001B4AAC26920B1D70000\x02WAIT\x01true\x02TAGS\x01TagA\x02",
	}
	return &Command{
		Code: RequestSendMessageV2, Language: LanguageGo, Version: DefaultVersion, Opaque: 12345,
		ExtFields: h.EncodeV2(nil), Body: bytes.Repeat([]byte("m"), 1024),
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, st := range []SerializeType{JSON, RocketMQ} {
		b.Run(st.String(), func(b *testing.B) {
			c := sendRequest()
			buf := mustEncode(b, c, st)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				buf, _ = Encode(buf[:0], c, st)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, st := range []SerializeType{JSON, RocketMQ} {
		b.Run(st.String(), func(b *testing.B) {
			frame := mustEncode(b, sendRequest(), st)[4:]
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Decode(frame); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
