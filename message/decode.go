package message

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// ErrBadHost wraps a host whose port is not a 16-bit value.
var ErrBadHost = fmt.Errorf("%w: host port out of range", ErrBadSize)

// PeekHeader reads TOTALSIZE and MAGICCODE from the first 8 bytes of b
// without checking anything else.
func PeekHeader(b []byte) (size int32, magic int32, err error) {
	if len(b) < MinBlankSize {
		return 0, 0, fmt.Errorf("%w: %d bytes, a header needs %d", ErrTruncated, len(b), MinBlankSize)
	}
	return int32(binary.BigEndian.Uint32(b)), int32(binary.BigEndian.Uint32(b[4:])), nil
}

// cursor reads big-endian fields within a record; the first out-of-bounds
// read records an error and every later read returns zero.
type cursor struct {
	b   []byte
	pos int
	err error
}

func (c *cursor) take(n int, field string) []byte {
	if c.err != nil {
		return nil
	}
	if n < 0 || n > len(c.b)-c.pos {
		c.err = &DecodeError{Offset: c.pos, Field: field, Err: ErrBadSize}
		return nil
	}
	s := c.b[c.pos : c.pos+n : c.pos+n]
	c.pos += n
	return s
}

func (c *cursor) u8(field string) uint8 {
	if s := c.take(1, field); s != nil {
		return s[0]
	}
	return 0
}

func (c *cursor) u16(field string) uint16 {
	if s := c.take(2, field); s != nil {
		return binary.BigEndian.Uint16(s)
	}
	return 0
}

func (c *cursor) u32(field string) uint32 {
	if s := c.take(4, field); s != nil {
		return binary.BigEndian.Uint32(s)
	}
	return 0
}

func (c *cursor) u64(field string) uint64 {
	if s := c.take(8, field); s != nil {
		return binary.BigEndian.Uint64(s)
	}
	return 0
}

func (c *cursor) host(v6 bool, field string) netip.AddrPort {
	var addr netip.Addr
	if v6 {
		if s := c.take(16, field); s != nil {
			addr = netip.AddrFrom16([16]byte(s))
		}
	} else if s := c.take(4, field); s != nil {
		addr = netip.AddrFrom4([4]byte(s))
	}
	at := c.pos
	port := c.u32(field)
	if c.err == nil && port > 0xFFFF {
		c.err = &DecodeError{Offset: at, Field: field, Err: ErrBadHost}
	}
	return netip.AddrPortFrom(addr, uint16(port))
}

// checkHeader reads and checks TOTALSIZE and MAGICCODE: a record's size
// must cover the fixed fields and fit in b; a blank filler gives ErrBlank.
func checkHeader(b []byte) (size int32, magic int32, err error) {
	size, magic, err = PeekHeader(b)
	if err != nil {
		return size, magic, err
	}
	switch {
	case magic == BlankMagicCode:
		if size < MinBlankSize {
			return size, magic, &DecodeError{Offset: 0, Field: "TOTALSIZE", Err: ErrBadSize}
		}
		return size, magic, ErrBlank
	case magic != MagicCodeV1 && magic != MagicCodeV2:
		return size, magic, &DecodeError{Offset: OffsetMagic, Field: "MAGICCODE", Err: ErrBadMagic}
	case size < fixedSize:
		return size, magic, &DecodeError{Offset: 0, Field: "TOTALSIZE", Err: ErrBadSize}
	case int(size) > len(b):
		return size, magic, &DecodeError{Offset: 0, Field: "TOTALSIZE", Err: ErrTruncated}
	}
	return size, magic, nil
}

// variableParts reads BODYLENGTH through PROPERTIES from c, positioned at
// BODYLENGTH, and checks that they end exactly at the record's end and
// that the topic is not empty.
func variableParts(c *cursor, magic int32) (body, topic, props []byte, err error) {
	bodyLen := int32(c.u32("BODYLENGTH"))
	body = c.take(int(bodyLen), "BODY")
	var topicLen int
	if magic == MagicCodeV2 {
		topicLen = int(int16(c.u16("TOPICLENGTH")))
	} else {
		topicLen = int(int8(c.u8("TOPICLENGTH")))
	}
	topicAt := c.pos
	topic = c.take(topicLen, "TOPIC")
	propsLen := int(int16(c.u16("PROPERTIESLENGTH")))
	props = c.take(propsLen, "PROPERTIES")
	switch {
	case c.err != nil:
		return nil, nil, nil, c.err
	case c.pos != len(c.b):
		return nil, nil, nil, &DecodeError{Offset: c.pos, Field: "TOTALSIZE", Err: ErrBadSize}
	case len(topic) == 0:
		return nil, nil, nil, &DecodeError{Offset: topicAt, Field: "TOPIC", Err: ErrEmptyTopic}
	}
	return body, topic, props, nil
}

// Decode parses the record at the start of b. The topic is copied; Body and
// Properties alias b. With checkCRC the body CRC is verified. A blank filler
// returns an error wrapping ErrBlank and a Record with Magic =
// BlankMagicCode and StoreSize = the filler's size.
func Decode(b []byte, checkCRC bool) (Record, error) {
	var r Record
	size, magic, err := checkHeader(b)
	r.StoreSize, r.Magic = size, magic
	if err != nil {
		return r, err
	}
	c := cursor{b: b[:size], pos: OffsetBodyCRC}
	r.BodyCRC = c.u32("BODYCRC")
	r.QueueID = int32(c.u32("QUEUEID"))
	r.Flag = int32(c.u32("FLAG"))
	r.QueueOffset = int64(c.u64("QUEUEOFFSET"))
	r.PhysicalOffset = int64(c.u64("PHYSICALOFFSET"))
	r.SysFlag = int32(c.u32("SYSFLAG"))
	r.BornTimestamp = int64(c.u64("BORNTIMESTAMP"))
	r.BornHost = c.host(r.SysFlag&FlagBornHostV6 != 0, "BORNHOST")
	r.StoreTimestamp = int64(c.u64("STORETIMESTAMP"))
	r.StoreHost = c.host(r.SysFlag&FlagStoreHostV6 != 0, "STOREHOST")
	r.ReconsumeTimes = int32(c.u32("RECONSUMETIMES"))
	r.PreparedTransactionOffset = int64(c.u64("PREPAREDTRANSACTIONOFFSET"))
	body, topic, props, err := variableParts(&c, magic)
	if err != nil {
		return r, err
	}
	r.Topic = string(topic)
	if len(body) > 0 {
		r.Body = body
	}
	if len(props) > 0 {
		r.Properties = Properties(props)
	}
	if checkCRC && BodyCRC(r.Body) != r.BodyCRC {
		return r, &DecodeError{Offset: OffsetBodyCRC, Field: "BODYCRC", Err: ErrCRCMismatch}
	}
	return r, nil
}

// Frame is a record's framing: what a recovery scan needs, read without
// decoding the other fields.
type Frame struct {
	Size           int32
	BodyCRC        uint32 // as stored
	PhysicalOffset int64  // as stored
	Body           []byte // aliases the record's bytes
	// Topic aliases the record's bytes, uncopied.
	Topic []byte
	// Properties alias the record's bytes too: a filter reads them in
	// place, without decoding the rest.
	Properties Properties
}

// CheckFrame checks the record at the start of b exactly as Decode does,
// except for the body CRC, which the caller can verify later (in parallel)
// with BodyCRC(f.Body) == f.BodyCRC. It neither allocates nor copies.
func CheckFrame(b []byte) (Frame, error) {
	size, magic, err := checkHeader(b)
	if err != nil {
		return Frame{Size: size}, err
	}
	c := cursor{b: b[:size], pos: OffsetBodyCRC}
	f := Frame{Size: size, BodyCRC: c.u32("BODYCRC")}
	c.pos = OffsetPhysicalOffset
	f.PhysicalOffset = int64(c.u64("PHYSICALOFFSET"))
	sysFlag := int32(c.u32("SYSFLAG"))
	c.pos = OffsetBornHost
	c.host(sysFlag&FlagBornHostV6 != 0, "BORNHOST")
	c.take(8, "STORETIMESTAMP")
	c.host(sysFlag&FlagStoreHostV6 != 0, "STOREHOST")
	c.take(4+8, "RECONSUMETIMES")
	body, topic, props, err := variableParts(&c, magic)
	if err != nil {
		return Frame{Size: size}, err
	}
	f.Body, f.Topic, f.Properties = body, topic, props
	return f, nil
}
