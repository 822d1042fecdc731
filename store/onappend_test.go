package store

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

// TestOnAppendIsToldOfEveryAppend: one call per put and per batch that
// appended, after the records can be read; none for a refused put.
func TestOnAppendIsToldOfEveryAppend(t *testing.T) {
	var calls atomic.Int64
	var s *MessageStore
	opts := testOptions(mappedfile.NewMemFS())
	opts.OnAppend = func() {
		calls.Add(1)
		if s.CommitLog().MaxOffset() == 0 {
			t.Error("OnAppend called before the records were in the log")
		}
	}
	s = openStore(t, "store", opts)
	mustPut(t, s, testMessage(0, 100))
	batch := []message.Message{*testMessage(1, 100), *testMessage(2, 100)}
	batch[1].QueueID = batch[0].QueueID
	if _, err := s.PutMessages(context.Background(), batch, nil); err != nil {
		t.Fatal(err)
	}
	bad := testMessage(3, 100)
	bad.Topic = "no spaces allowed"
	if _, err := s.PutMessage(context.Background(), bad); err == nil {
		t.Fatal("a bad topic was stored")
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("OnAppend called %d times, want 2", n)
	}
}
