package bench

import (
	"encoding/binary"
	"fmt"

	"github.com/rocketstore/rocketstore/message"
)

// batchEntryHeader is TOTALSIZE, MAGICCODE, BODYCRC, FLAG and the body
// length of one message of a SEND_BATCH_MESSAGE body.
const batchEntryHeader = 5 * 4

// appendBodyBatch appends to buf the batch body (as message.EncodeBatch
// packs it) of messages first..first+n-1, each brokerBody(seq) with no
// flag and uniqProperties(seq), building each in place: filling a 20 GiB
// backlog must not spend the shared CPU allocating and copying bodies.
func appendBodyBatch(buf []byte, first, n int) []byte {
	const size = batchEntryHeader + BrokerBodySize + 2 + uniqPropertiesLen
	be := binary.BigEndian
	for seq := first; seq < first+n; seq++ {
		at := len(buf)
		buf = append(buf, make([]byte, size)...)
		e := buf[at : at+size]
		body := e[batchEntryHeader : batchEntryHeader+BrokerBodySize]
		fillBrokerBody(body, seq)
		be.PutUint32(e[0:], uint32(size))
		be.PutUint32(e[4:], 0) // MAGICCODE
		be.PutUint32(e[8:], message.BodyCRC(body))
		be.PutUint32(e[12:], 0) // FLAG
		be.PutUint32(e[16:], BrokerBodySize)
		props := e[batchEntryHeader+BrokerBodySize:]
		be.PutUint16(props, uint16(uniqPropertiesLen))
		appendUniqProperties(props[2:2], seq)
	}
	return buf
}

// uniqPropertiesLen is the length of uniqProperties' encoding.
const uniqPropertiesLen = len(message.PropertyUniqKey) + 1 + 32 + 1

// appendUniqProperties appends the properties of message seq: a UNIQ_KEY
// (32 hex digits, as a client's message id), which every RocketMQ producer
// sets and the broker indexes.
func appendUniqProperties(b []byte, seq int) []byte {
	b = append(b, message.PropertyUniqKey...)
	b = append(b, 0x01)
	b = fmt.Appendf(b, "%032X", seq)
	return append(b, 0x02)
}

// fillBrokerBody writes brokerBody(seq) into b (BrokerBodySize bytes).
func fillBrokerBody(b []byte, seq int) {
	binary.BigEndian.PutUint64(b, uint64(seq))
	off := (seq * 8191) % (len(brokerRandom) - BrokerBodySize)
	copy(b[8:BrokerBodySize], brokerRandom[off:])
}
