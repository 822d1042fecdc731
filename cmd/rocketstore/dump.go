package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/rocketstore/rocketstore/store"
)

// dumpedRecord is one line of dump's output.
type dumpedRecord struct {
	Offset                    int64             `json:"offset"`
	Size                      int32             `json:"size"`
	MsgID                     string            `json:"msgId"`
	Topic                     string            `json:"topic"`
	QueueID                   int32             `json:"queueId"`
	QueueOffset               int64             `json:"queueOffset"`
	Flag                      int32             `json:"flag"`
	SysFlag                   int32             `json:"sysFlag"`
	BornTimestamp             int64             `json:"bornTimestamp"`
	BornHost                  string            `json:"bornHost"`
	StoreTimestamp            int64             `json:"storeTimestamp"`
	StoreHost                 string            `json:"storeHost"`
	ReconsumeTimes            int32             `json:"reconsumeTimes"`
	PreparedTransactionOffset int64             `json:"preparedTransactionOffset"`
	BodyCRCOK                 bool              `json:"bodyCrcOk"`
	Properties                map[string]string `json:"properties,omitempty"`
	BodyLength                int               `json:"bodyLength"`
	Body                      string            `json:"body,omitempty"`
}

// cmdDump writes records of a store directory as JSON lines: by commit-log
// offset range, or by topic, queue and queue offset range.
func cmdDump(args []string, stdout, stderr io.Writer) int {
	tf := newToolFlags("dump", stderr)
	from := tf.fs.Int64("from", 0, "first offset: commit-log offset, or queue offset with -topic")
	to := tf.fs.Int64("to", 0, "offset to stop before (0: the end)")
	topic := tf.fs.String("topic", "", "dump this topic's queue (with -queue) instead of a commit-log range")
	queue := tf.fs.Int("queue", 0, "queue id, with -topic")
	body := tf.fs.String("body", "base64", "how to write bodies: base64, text (UTF-8 as is) or none")
	dir, err := tf.parse(args)
	if err == nil && *body != "base64" && *body != "text" && *body != "none" {
		err = fmt.Errorf("dump: -body %q: want base64, text or none", *body)
	}
	if err != nil {
		fmt.Fprintln(stderr, "rocketstore:", err)
		return exitUsage
	}
	enc := json.NewEncoder(stdout)
	var writeErr error
	write := func(r store.DirRecord) bool {
		writeErr = enc.Encode(dumpRecord(r, *body))
		return writeErr == nil
	}
	if *topic != "" {
		err = store.ReadQueue(dir, tf.checkOptions(), *topic, int32(*queue), *from, *to, func(_ int64, r store.DirRecord) bool { return write(r) })
	} else {
		err = store.ReadRecords(dir, tf.checkOptions(), *from, *to, write)
	}
	if err = errors.Join(writeErr, err); err != nil {
		fmt.Fprintln(stderr, "rocketstore: dump:", err)
		return exitDamaged
	}
	return exitOK
}

func dumpRecord(r store.DirRecord, body string) dumpedRecord {
	d := dumpedRecord{
		Offset: r.PhysicalOffset, Size: r.StoreSize, MsgID: r.OffsetMsgID(),
		Topic: r.Topic, QueueID: r.QueueID, QueueOffset: r.QueueOffset,
		Flag: r.Flag, SysFlag: r.SysFlag,
		BornTimestamp: r.BornTimestamp, BornHost: r.BornHost.String(),
		StoreTimestamp: r.StoreTimestamp, StoreHost: r.StoreHost.String(),
		ReconsumeTimes: r.ReconsumeTimes, PreparedTransactionOffset: r.PreparedTransactionOffset,
		BodyCRCOK: r.CRCOK, BodyLength: len(r.Body),
	}
	if len(r.Properties) > 0 {
		d.Properties = r.Properties.Map()
	}
	switch {
	case body == "base64":
		d.Body = base64.StdEncoding.EncodeToString(r.Body)
	case body == "text" && utf8.Valid(r.Body):
		d.Body = string(r.Body)
	case body == "text":
		d.Body = "base64:" + base64.StdEncoding.EncodeToString(r.Body) // not UTF-8: still lossless
	}
	return d
}
