package message

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
