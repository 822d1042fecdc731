package bench

import (
	"encoding/binary"

	"github.com/rocketstore/rocketstore/message"
)

// batchEntryHeader is TOTALSIZE, MAGICCODE, BODYCRC, FLAG and the body
// length of one message of a SEND_BATCH_MESSAGE body.
const batchEntryHeader = 5 * 4

// appendBodyBatch appends to buf the batch body (as message.EncodeBatch
// packs it) of messages first..first+n-1, each brokerBody(seq) with no
// flag and no properties, building each body in place: filling a 20 GiB
// backlog must not spend the shared CPU allocating and copying bodies.
func appendBodyBatch(buf []byte, first, n int) []byte {
	const size = batchEntryHeader + BrokerBodySize + 2
	be := binary.BigEndian
	for seq := first; seq < first+n; seq++ {
		at := len(buf)
		buf = append(buf, make([]byte, size)...)
		e := buf[at : at+size]
		body := e[batchEntryHeader : batchEntryHeader+BrokerBodySize]
		fillBrokerBody(body, seq)
		be.PutUint32(e[0:], size)
		be.PutUint32(e[4:], 0) // MAGICCODE
		be.PutUint32(e[8:], message.BodyCRC(body))
		be.PutUint32(e[12:], 0) // FLAG
		be.PutUint32(e[16:], BrokerBodySize)
		be.PutUint16(e[size-2:], 0) // no properties
	}
	return buf
}

// fillBrokerBody writes brokerBody(seq) into b (BrokerBodySize bytes).
func fillBrokerBody(b []byte, seq int) {
	binary.BigEndian.PutUint64(b, uint64(seq))
	off := (seq * 8191) % (len(brokerRandom) - BrokerBodySize)
	copy(b[8:BrokerBodySize], brokerRandom[off:])
}
