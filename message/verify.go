package message

// What checks a record's bytes, for a reader that must not trust them (a
// recovery scan after a power loss, a replication slave):
//
//	TOTALSIZE, MAGICCODE       framing (CheckFrame, Decode): a known magic, a
//	                           size that covers the fixed fields and fits
//	BORNHOST, STOREHOST        framing: SYSFLAG's host bits give each host 8
//	                           or 20 bytes, and a port must fit 16 bits
//	BODYLENGTH, TOPICLENGTH,   framing: every length in range, and the
//	PROPERTIESLENGTH           fields ending exactly at TOTALSIZE
//	BODY                       BODYCRC (Verify, Decode with checkCRC)
//	TOPIC                      CheckUncovered: not empty, RocketMQ's legal
//	                           characters (ValidateTopicChars)
//	PROPERTIES                 CheckUncovered: Properties.Validate (pairs
//	                           name 0x01 value 0x02, the last one ended, no
//	                           NUL)
//
// Nothing checks the values of QUEUEID, FLAG, QUEUEOFFSET, the timestamps,
// the host addresses, RECONSUMETIMES or PREPARED TX OFFSET: any value is
// valid. A torn write cannot damage them alone, though: a lost page that
// starts inside the fixed fields runs past BODYLENGTH (a page is larger
// than the fixed fields), and one that ends inside them takes TOTALSIZE.

// Verify checks what framing cannot: the body against BODYCRC and, with
// CheckUncovered, the topic and properties, which the CRC does not cover.
func (f *Frame) Verify() error {
	if BodyCRC(f.Body) != f.BodyCRC {
		return &DecodeError{Offset: OffsetBodyCRC, Field: "BODYCRC", Err: ErrCRCMismatch}
	}
	return f.CheckUncovered()
}

// CheckUncovered checks the topic and properties of a framed record: the
// bytes after the body, which BODYCRC does not cover and a torn write
// zeroes first (RocketMQ's layout puts them last).
func (f *Frame) CheckUncovered() error {
	return checkUncovered(f.Topic, f.Properties, int(f.Size))
}

// CheckUncovered is Frame.CheckUncovered for a decoded record.
func (r *Record) CheckUncovered() error {
	return checkUncovered(r.Topic, r.Properties, int(r.StoreSize))
}

// checkUncovered checks topic and props, the last fields of a record of
// size bytes; errors locate them in it.
func checkUncovered[T string | []byte](topic T, props Properties, size int) error {
	propsAt := size - len(props)
	if err := topicChars(topic); err != nil {
		return &DecodeError{Offset: propsAt - 2 - len(topic), Field: "TOPIC", Err: err}
	}
	if err := props.Validate(); err != nil {
		return &DecodeError{Offset: propsAt, Field: "PROPERTIES", Err: err}
	}
	return nil
}
