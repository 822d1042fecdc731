package admin

import (
	"strings"
	"testing"

	"github.com/rocketstore/rocketstore/remoting"
)

// traceRecord joins fields as RocketMQ's trace encoders do.
func traceRecord(fields ...string) string {
	return strings.Join(fields, contentSplitter) + fieldSplitter
}

func TestDecodeTracesOfGoAndJavaClients(t *testing.T) {
	const id = "7F0000010B2A18B4AAC2719E3E3B0000"
	body := "" +
		// rocketmq-client-go v2.1.2: Pub with offset id and client host (15 fields).
		traceRecord("Pub", "1700000000100", "DefaultRegion", "pg", "Orders", id, "TagA", "k1", "127.0.0.1:10911", "42", "3", "0", "7F00000100002A9F0000000000000000", "true", "10.0.0.7") +
		// Java 4.x: Pub without the client host (14 fields).
		traceRecord("Pub", "1700000000000", "DefaultRegion", "pg", "Orders", "OTHER", "TagA", "k1", "127.0.0.1:10911", "42", "3", "0", "OFF", "true") +
		traceRecord("SubBefore", "1700000000200", "DefaultRegion", "cg", "req-1", id, "0", "null", "10.0.0.8") +
		// SubAfter with time and group (9 fields), and the old 6-field form.
		traceRecord("SubAfter", "req-1", id, "12", "false", "null", "0", "1700000000300", "cg") +
		traceRecord("SubAfter", "req-0", id, "5", "true", "k1") +
		traceRecord("Unknown", "x") + traceRecord("Pub", "too", "short")
	got := decodeTraces(body, id, "10.0.0.9")
	if len(got) != 4 {
		t.Fatalf("decoded %d events: %+v", len(got), got)
	}
	pub := got[0]
	if pub.Type != "Pub" || pub.GroupName != "pg" || pub.Topic != "Orders" || pub.CostTime != 3 || !pub.Success ||
		pub.ClientHost != "10.0.0.7" || pub.OffsetMsgID != "7F00000100002A9F0000000000000000" || pub.BodyLength != 42 || pub.Timestamp != 1700000000100 {
		t.Fatalf("pub %+v", pub)
	}
	if sb := got[1]; sb.Type != "SubBefore" || sb.GroupName != "cg" || sb.Keys != "" || sb.ClientHost != "10.0.0.8" {
		t.Fatalf("sub before %+v", sb)
	}
	if sa := got[2]; sa.Type != "SubAfter" || sa.Success || sa.Status() != "failed" || sa.CostTime != 12 || sa.GroupName != "cg" || sa.Timestamp != 1700000000300 || sa.ClientHost != "10.0.0.9" {
		t.Fatalf("sub after %+v", sa)
	}
	if old := got[3]; old.Type != "SubAfter" || !old.Success || old.Keys != "k1" || old.GroupName != "" {
		t.Fatalf("old sub after %+v", old)
	}
}

func TestFormatProperties(t *testing.T) {
	text := formatProperties(map[string]string{"b": "2", "a": "1", "namesrvAddr": "h1:9876;h2:9876"})
	if text != "a=1\nb=2\nnamesrvAddr=h1:9876;h2:9876\n" {
		t.Fatalf("format %q", text)
	}
	back, err := remoting.ParseProperties([]byte(text))
	if err != nil || len(back) != 3 || back["namesrvAddr"] != "h1:9876;h2:9876" {
		t.Fatalf("parsed back %v, %v", back, err)
	}
}

func TestPermString(t *testing.T) {
	for perm, want := range map[int32]string{6: "RW-", 4: "R--", 2: "-W-", 7: "RWX", 0: "---"} {
		if got := PermString(perm); got != want {
			t.Errorf("PermString(%d) = %q, want %q", perm, got, want)
		}
	}
}
