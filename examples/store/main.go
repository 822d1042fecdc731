// Command store is the README's message-store example: it puts a few
// messages with keys and tags into a store under ./data/store, pulls them
// back through their consume queue (with a tag filter), and finds one by its
// key. Run it twice: the second run recovers the first run's data.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/filter"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/store"
)

func main() {
	dir := flag.String("dir", "data/store", "directory of the store")
	flag.Parse()

	s, err := store.Open(*dir, &store.Options{
		CommitLog: commitlog.Options{FileSize: 64 << 20}, // 64 MiB files (default 1 GiB)
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	rec := s.Recovery()
	fmt.Printf("opened %s (abnormal recovery: %v), log ends at %d\n", *dir, rec.Abnormal, rec.CommitLog.End)

	ctx := context.Background()
	for i, tag := range []string{"created", "paid", "shipped"} {
		res, err := s.PutMessage(ctx, &message.Message{
			Topic:   "orders",
			QueueID: 0,
			Body:    fmt.Appendf(nil, "order-42 %s", tag),
			Properties: message.EncodeProperties(map[string]string{
				message.PropertyKeys: fmt.Sprintf("order-42-%d", i),
				message.PropertyTags: tag,
			}),
		})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("put %-7s queue offset %d, id %s\n", tag, res.QueueOffset, res.MsgID())
	}
	// The dispatcher builds consume queues and the index in the background.
	if err := s.WaitDispatched(5 * time.Second); err != nil {
		log.Fatal(err)
	}

	// Pull queue 0 from its start, only the "paid" and "shipped" messages.
	offset := s.GetMinOffsetInQueue("orders", 0)
	r, err := s.GetMessage("example-group", "orders", 0, offset, 32, filter.NewTagFilter("paid || shipped"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("pull from %d: %v, %d messages, next offset %d\n", offset, r.Status, len(r.Messages), r.NextBeginOffset)
	for _, e := range r.Messages { // zero-copy views of the commit log
		m, err := e.Decode(true)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("  %s [%s]\n", m.Body, m.Tags())
	}
	r.Release()

	found, err := s.QueryMessage("orders", "order-42-1", 8, 0, math.MaxInt64)
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range found.Records {
		fmt.Printf("by key order-42-1: %s at offset %d\n", m.Body, m.PhysicalOffset)
	}
}
