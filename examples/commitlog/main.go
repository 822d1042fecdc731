// Command commitlog is the README's example: it opens a commit log with sync
// flush, appends a few records, and reads them back by offset and in order.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
)

func main() {
	dir := flag.String("dir", "data/commitlog", "directory of the commit log")
	flag.Parse()

	cl, err := commitlog.Open(*dir, &commitlog.Options{
		FileSize:  64 << 20,            // 64 MiB files (default 1 GiB)
		FlushMode: commitlog.SyncFlush, // Append returns once the record is on disk
	})
	if err != nil {
		log.Fatal(err)
	}
	defer cl.Close()
	fmt.Printf("opened %s: recovered up to offset %d\n", *dir, cl.Recovery().End)

	ctx := context.Background()
	var first commitlog.AppendResult
	for i := range 3 {
		res, err := cl.Append(ctx, &message.Message{
			Topic: "demo",
			Body:  fmt.Appendf(nil, "hello %d", i),
			Properties: message.EncodeProperties(map[string]string{
				message.PropertyKeys: fmt.Sprintf("order-%d", i),
				message.PropertyTags: "TagA",
			}),
		})
		if err != nil {
			log.Fatal(err)
		}
		if i == 0 {
			first = res
		}
		fmt.Printf("appended %d bytes at offset %d, message id %s\n", res.Size, res.PhysicalOffset, res.MsgID())
	}

	// Read one record by its physical offset. The bytes are valid until Release.
	e, err := cl.Read(first.PhysicalOffset)
	if err != nil {
		log.Fatal(err)
	}
	rec, err := e.Decode(true) // true: check the body CRC
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("offset %d: topic %s, keys %v, body %q\n", rec.PhysicalOffset, rec.Topic, rec.Keys(), rec.Body)
	e.Release()

	// Walk everything from that record to the write position.
	it := cl.NewIterator(first.PhysicalOffset, true)
	defer it.Close()
	for it.Next() {
		fmt.Printf("  %d: %s\n", it.Entry().Offset, it.Record().Body)
	}
	if err := it.Err(); err != nil {
		log.Fatal(err)
	}
}
