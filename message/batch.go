package message

import (
	"encoding/binary"
	"fmt"
)

// batchHeader is TOTALSIZE, MAGICCODE, BODYCRC, FLAG and the body length.
const batchHeader = 4 + 4 + 4 + 4 + 4

// EncodeBatch packs msgs the way clients send a batch: per message TOTALSIZE,
// MAGICCODE (0), BODYCRC, FLAG, body and properties. Only Flag, Body and
// Properties of each message are used.
func EncodeBatch(msgs []Message) ([]byte, error) {
	n := 0
	for i := range msgs {
		if len(msgs[i].Properties) > MaxPropertiesLength {
			return nil, fmt.Errorf("batch message %d: %w", i, ErrPropertiesTooLong)
		}
		n += batchHeader + len(msgs[i].Body) + 2 + len(msgs[i].Properties)
	}
	out := make([]byte, n)
	p := 0
	be := binary.BigEndian
	for i := range msgs {
		m := &msgs[i]
		size := batchHeader + len(m.Body) + 2 + len(m.Properties)
		be.PutUint32(out[p:], uint32(size))
		be.PutUint32(out[p+4:], 0)
		be.PutUint32(out[p+8:], BodyCRC(m.Body))
		be.PutUint32(out[p+12:], uint32(m.Flag))
		be.PutUint32(out[p+16:], uint32(len(m.Body)))
		q := p + batchHeader + copy(out[p+batchHeader:], m.Body)
		be.PutUint16(out[q:], uint16(len(m.Properties)))
		copy(out[q+2:], m.Properties)
		p += size
	}
	return out, nil
}

// EachInBatch calls fn for every message packed in b, without allocating.
// body and props alias b. It stops at the first error fn returns or at
// malformed packing (an error wrapping ErrTruncated or ErrBadSize).
func EachInBatch(b []byte, fn func(flag int32, body []byte, props Properties) error) error {
	for at := 0; at < len(b); {
		if len(b)-at < batchHeader+2 {
			return &DecodeError{Offset: at, Field: "TOTALSIZE", Err: ErrTruncated}
		}
		size := int(int32(binary.BigEndian.Uint32(b[at:])))
		if size < batchHeader+2 || size > len(b)-at {
			return &DecodeError{Offset: at, Field: "TOTALSIZE", Err: ErrBadSize}
		}
		c := cursor{b: b[at : at+size], pos: 12}
		flag := int32(c.u32("FLAG"))
		body := c.take(int(int32(c.u32("BODYLENGTH"))), "BODY")
		props := c.take(int(int16(c.u16("PROPERTIESLENGTH"))), "PROPERTIES")
		if c.err == nil && c.pos != size {
			c.err = &DecodeError{Offset: c.pos, Field: "TOTALSIZE", Err: ErrBadSize}
		}
		if c.err != nil {
			if de, ok := c.err.(*DecodeError); ok {
				de.Offset += at
			}
			return c.err
		}
		if err := fn(flag, body, Properties(props)); err != nil {
			return err
		}
		at += size
	}
	return nil
}

// DecodeBatch unpacks a client batch. Bodies and properties alias b; the
// topic and the other fields are left for the caller to fill.
func DecodeBatch(b []byte) ([]Message, error) {
	var msgs []Message
	err := EachInBatch(b, func(flag int32, body []byte, props Properties) error {
		if len(props) == 0 {
			props = nil
		}
		msgs = append(msgs, Message{Flag: flag, Body: body, Properties: props})
		return nil
	})
	return msgs, err
}
