package commitlog

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"testing"

	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/message"
)

const testFileSize = 256 << 10 // small files so tests roll often

// discardLogger keeps tests that provoke many failures quiet.
var discardLogger = slog.New(slog.DiscardHandler)

var testBornHost = netip.MustParseAddrPort("10.1.2.3:40000")

func testMessage(seq int64, size int) *message.Message {
	return &message.Message{
		Topic:   "TopicTest",
		QueueID: int32(seq % 4),
		Flag:    int32(seq),
		Body:    testkit.Body(seq, size),
		Properties: message.EncodeProperties(map[string]string{
			message.PropertyKeys: fmt.Sprintf("key-%d", seq),
			message.PropertyTags: "TagA",
		}),
		BornTimestamp: 1_700_000_000_000 + seq,
		BornHost:      testBornHost,
	}
}

func openTest(t testing.TB, dir string, opts *Options) *Log {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	if opts.FileSize == 0 {
		opts.FileSize = testFileSize
	}
	if opts.MaxMessageSize == 0 {
		opts.MaxMessageSize = opts.FileSize / 4
	}
	l, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return l
}

func mustAppend(t testing.TB, l *Log, m *message.Message) AppendResult {
	t.Helper()
	res, err := l.Append(context.Background(), m)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return res
}

// readSeq reads the record at offset and returns the sequence number its
// body carries, failing the test when the record is damaged.
func readSeq(t testing.TB, l *Log, offset int64) int64 {
	t.Helper()
	e, err := l.Read(offset)
	if err != nil {
		t.Fatalf("Read(%d): %v", offset, err)
	}
	defer e.Release()
	rec, err := e.Decode(true)
	if err != nil {
		t.Fatalf("Decode at %d: %v", offset, err)
	}
	seq, ok := testkit.BodySeq(rec.Body)
	if !ok {
		t.Fatalf("record at %d has a damaged body", offset)
	}
	if rec.PhysicalOffset != offset {
		t.Fatalf("record at %d says physical offset %d", offset, rec.PhysicalOffset)
	}
	return seq
}

// seqAssigner numbers records per topic/queue, like the store will.
type seqAssigner struct {
	mu   sync.Mutex
	next map[string]int64
}

func (a *seqAssigner) AssignQueueOffset(m *message.Message) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.next == nil {
		a.next = map[string]int64{}
	}
	k := fmt.Sprintf("%s/%d", m.Topic, m.QueueID)
	o := a.next[k]
	a.next[k] = o + 1
	return o
}
