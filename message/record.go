package message

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"net/netip"
	"strings"
)

// Message is a message as a producer hands it to the store: everything in a
// record except what the store assigns.
type Message struct {
	Topic                     string
	QueueID                   int32
	Flag                      int32
	Body                      []byte
	Properties                Properties
	SysFlag                   int32
	BornTimestamp             int64 // ms since the epoch
	BornHost                  netip.AddrPort
	ReconsumeTimes            int32
	PreparedTransactionOffset int64
}

// Record is one commit-log record: a Message plus the fields the store
// assigns.
type Record struct {
	Message
	Magic          int32 // MagicCodeV1 or MagicCodeV2; 0 on Encode chooses by topic length
	StoreSize      int32 // TOTALSIZE
	BodyCRC        uint32
	QueueOffset    int64
	PhysicalOffset int64
	StoreTimestamp int64 // ms since the epoch
	StoreHost      netip.AddrPort
}

// OffsetMsgID is the record's offset message id: store host and physical
// offset in hex.
func (r *Record) OffsetMsgID() string { return OffsetMsgID(r.StoreHost, r.PhysicalOffset) }

// Keys returns the keys of the KEYS property (space-separated), without
// empty entries.
func (r *Record) Keys() []string {
	v, ok := r.Properties.Lookup(PropertyKeys)
	if !ok {
		return nil
	}
	return strings.Fields(string(v))
}

// Tags returns the TAGS property.
func (r *Record) Tags() string { return r.Properties.Get(PropertyTags) }

// BodyCRC is the CRC stored in a record for body: CRC-32 (IEEE) masked to a
// non-negative int32, as RocketMQ writes it.
func BodyCRC(body []byte) uint32 { return crc32.ChecksumIEEE(body) & 0x7FFFFFFF }

// hostLen is the encoded size of a host: 4-byte IPv4 or 16-byte IPv6 address
// plus a 4-byte port. Only a 4-byte (Is4) address is written as IPv4; an
// IPv4-mapped IPv6 address keeps its 16 bytes. An invalid AddrPort is
// written as 0.0.0.0:0.
func hostLen(h netip.AddrPort) int {
	if isV6(h) {
		return 20
	}
	return 8
}

func isV6(h netip.AddrPort) bool { return h.IsValid() && !h.Addr().Is4() }

// fixedSize is everything but the body, topic and properties bytes, for IPv4
// hosts and a v1 topic length.
const fixedSize = 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 8 + 8 + 8 + 4 + 8 + 4 + 1 + 2

// recordSize computes TOTALSIZE; it may exceed MaxInt32 for callers to reject.
func recordSize(m *Message, storeHost netip.AddrPort, magic int32) int {
	n := fixedSize + len(m.Body) + len(m.Topic) + len(m.Properties)
	n += hostLen(m.BornHost) - 8 + hostLen(storeHost) - 8
	if magic == MagicCodeV2 {
		n++
	}
	return n
}

func chooseMagic(topic string) int32 {
	if len(topic) > MaxTopicLengthV1 {
		return MagicCodeV2
	}
	return MagicCodeV1
}

// checkLengths validates what the layout itself limits.
func checkLengths(m *Message, magic int32) error {
	switch {
	case m.Topic == "":
		return ErrEmptyTopic
	case magic == MagicCodeV1 && len(m.Topic) > MaxTopicLengthV1,
		len(m.Topic) > MaxTopicLength:
		return fmt.Errorf("%w: %d bytes", ErrTopicTooLong, len(m.Topic))
	case len(m.Properties) > MaxPropertiesLength:
		return fmt.Errorf("%w: %d bytes, max %d", ErrPropertiesTooLong, len(m.Properties), MaxPropertiesLength)
	case len(m.Body) > math.MaxInt32-fixedSize-2*20-MaxTopicLength-MaxPropertiesLength:
		return fmt.Errorf("%w: %d bytes", ErrBodyTooLarge, len(m.Body))
	}
	return nil
}

// EncodedSize validates m (topic length and characters, properties, body
// length) and returns the size of its record when stored with storeHost.
// It refuses what a commit log's recovery would not keep (see
// Frame.CheckUncovered), so that nothing stored is dropped for its content.
func EncodedSize(m *Message, storeHost netip.AddrPort) (int, error) {
	magic := chooseMagic(m.Topic)
	if err := checkLengths(m, magic); err != nil {
		return 0, err
	}
	if err := topicChars(m.Topic); err != nil {
		return 0, err
	}
	if err := m.Properties.Validate(); err != nil {
		return 0, err
	}
	return recordSize(m, storeHost, magic), nil
}

// Encode writes r as one record into dst and returns its size. r.BodyCRC is
// written as given (compute it with BodyCRC, outside any lock); r.StoreSize
// is ignored and computed; the host bits of SYSFLAG follow the address
// families of BornHost and StoreHost. It never allocates.
func Encode(dst []byte, r *Record) (int, error) {
	magic := r.Magic
	if magic == 0 {
		magic = chooseMagic(r.Topic)
	}
	if magic != MagicCodeV1 && magic != MagicCodeV2 {
		return 0, fmt.Errorf("%w: %#x", ErrBadMagic, uint32(magic))
	}
	if err := checkLengths(&r.Message, magic); err != nil {
		return 0, err
	}
	size := recordSize(&r.Message, r.StoreHost, magic)
	if len(dst) < size {
		return 0, fmt.Errorf("%w: record needs %d bytes, have %d", ErrBufferTooSmall, size, len(dst))
	}
	sysFlag := r.SysFlag &^ (FlagBornHostV6 | FlagStoreHostV6)
	if isV6(r.BornHost) {
		sysFlag |= FlagBornHostV6
	}
	if isV6(r.StoreHost) {
		sysFlag |= FlagStoreHostV6
	}
	be := binary.BigEndian
	be.PutUint32(dst[0:], uint32(size))
	be.PutUint32(dst[4:], uint32(magic))
	be.PutUint32(dst[8:], r.BodyCRC)
	be.PutUint32(dst[12:], uint32(r.QueueID))
	be.PutUint32(dst[16:], uint32(r.Flag))
	be.PutUint64(dst[20:], uint64(r.QueueOffset))
	be.PutUint64(dst[28:], uint64(r.PhysicalOffset))
	be.PutUint32(dst[36:], uint32(sysFlag))
	be.PutUint64(dst[40:], uint64(r.BornTimestamp))
	p := OffsetBornHost + putHost(dst[OffsetBornHost:], r.BornHost)
	be.PutUint64(dst[p:], uint64(r.StoreTimestamp))
	p += 8
	p += putHost(dst[p:], r.StoreHost)
	be.PutUint32(dst[p:], uint32(r.ReconsumeTimes))
	be.PutUint64(dst[p+4:], uint64(r.PreparedTransactionOffset))
	be.PutUint32(dst[p+12:], uint32(len(r.Body)))
	p += 16
	p += copy(dst[p:], r.Body)
	if magic == MagicCodeV2 {
		be.PutUint16(dst[p:], uint16(len(r.Topic)))
		p += 2
	} else {
		dst[p] = byte(len(r.Topic))
		p++
	}
	p += copy(dst[p:], r.Topic)
	be.PutUint16(dst[p:], uint16(len(r.Properties)))
	p += 2
	p += copy(dst[p:], r.Properties)
	return p, nil
}

func putHost(dst []byte, h netip.AddrPort) int {
	var n int
	switch {
	case !h.IsValid():
		clear(dst[:4])
		n = 4
	case h.Addr().Is4():
		a := h.Addr().As4()
		n = copy(dst, a[:])
	default:
		a := h.Addr().As16()
		n = copy(dst, a[:])
	}
	binary.BigEndian.PutUint32(dst[n:], uint32(h.Port()))
	return n + 4
}

// EncodeBlank fills dst with the end-of-file filler: TOTALSIZE = len(dst),
// MAGICCODE = BlankMagicCode. The rest of dst is left as it is.
func EncodeBlank(dst []byte) error {
	if len(dst) < MinBlankSize {
		return fmt.Errorf("%w: a blank needs %d bytes, have %d", ErrBufferTooSmall, MinBlankSize, len(dst))
	}
	if len(dst) > math.MaxInt32 {
		return fmt.Errorf("%w: blank of %d bytes", ErrBadSize, len(dst))
	}
	binary.BigEndian.PutUint32(dst[0:], uint32(len(dst)))
	binary.BigEndian.PutUint32(dst[4:], blankMagicBits)
	return nil
}

// blankMagicBits is BlankMagicCode as the unsigned bits written to disk.
const blankMagicBits = uint32(0xCBD43194)
