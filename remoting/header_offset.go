package remoting

// QueryConsumerOffsetRequestHeader is the header of QUERY_CONSUMER_OFFSET
// (Java QueryConsumerOffsetRequestHeader); the answer is an
// OffsetResponseHeader or QUERY_NOT_FOUND.
type QueryConsumerOffsetRequestHeader struct {
	ConsumerGroup string // "consumerGroup"
	Topic         string // "topic"
	QueueID       int32  // "queueId"
}

// Encode writes the header into ext, allocating ext if nil, and returns it.
func (h *QueryConsumerOffsetRequestHeader) Encode(ext map[string]string) map[string]string {
	ext = setField(ext, "consumerGroup", h.ConsumerGroup)
	ext["topic"] = h.Topic
	ext["queueId"] = formatInt32(h.QueueID)
	return ext
}

// Decode reads the header from ExtFields; h is changed only on success.
func (h *QueryConsumerOffsetRequestHeader) Decode(ext map[string]string) error {
	f := fields{m: ext}
	d := QueryConsumerOffsetRequestHeader{
		ConsumerGroup: f.str("consumerGroup"),
		Topic:         f.str("topic"),
		QueueID:       f.int32("queueId"),
	}
	if f.err != nil {
		return f.err
	}
	*h = d
	return nil
}

// UpdateConsumerOffsetRequestHeader is the header of UPDATE_CONSUMER_OFFSET
// (Java UpdateConsumerOffsetRequestHeader); the response has no header.
type UpdateConsumerOffsetRequestHeader struct {
	ConsumerGroup string // "consumerGroup"
	Topic         string // "topic"
	QueueID       int32  // "queueId"
	CommitOffset  int64  // "commitOffset"
}

// Encode writes the header into ext, allocating ext if nil, and returns it.
func (h *UpdateConsumerOffsetRequestHeader) Encode(ext map[string]string) map[string]string {
	ext = setField(ext, "consumerGroup", h.ConsumerGroup)
	ext["topic"] = h.Topic
	ext["queueId"] = formatInt32(h.QueueID)
	ext["commitOffset"] = formatInt64(h.CommitOffset)
	return ext
}

// Decode reads the header from ExtFields; h is changed only on success.
func (h *UpdateConsumerOffsetRequestHeader) Decode(ext map[string]string) error {
	f := fields{m: ext}
	d := UpdateConsumerOffsetRequestHeader{
		ConsumerGroup: f.str("consumerGroup"),
		Topic:         f.str("topic"),
		QueueID:       f.int32("queueId"),
		CommitOffset:  f.int64("commitOffset"),
	}
	if f.err != nil {
		return f.err
	}
	*h = d
	return nil
}

// QueueRequestHeader names one queue of a topic: the whole header of
// GET_MAX_OFFSET and GET_MIN_OFFSET.
type QueueRequestHeader struct {
	Topic   string // "topic"
	QueueID int32  // "queueId"
}

// GetMaxOffsetRequestHeader is the header of GET_MAX_OFFSET (Java
// GetMaxOffsetRequestHeader; 5.x's optional "committed" is not carried).
type GetMaxOffsetRequestHeader = QueueRequestHeader

// GetMinOffsetRequestHeader is the header of GET_MIN_OFFSET (Java
// GetMinOffsetRequestHeader).
type GetMinOffsetRequestHeader = QueueRequestHeader

// Encode writes the header into ext, allocating ext if nil, and returns it.
func (h *QueueRequestHeader) Encode(ext map[string]string) map[string]string {
	ext = setField(ext, "topic", h.Topic)
	ext["queueId"] = formatInt32(h.QueueID)
	return ext
}

// Decode reads the header from ExtFields; h is changed only on success.
func (h *QueueRequestHeader) Decode(ext map[string]string) error {
	f := fields{m: ext}
	d := QueueRequestHeader{Topic: f.str("topic"), QueueID: f.int32("queueId")}
	if f.err != nil {
		return f.err
	}
	*h = d
	return nil
}

// SearchOffsetRequestHeader is the header of SEARCH_OFFSET_BY_TIMESTAMP
// (Java SearchOffsetRequestHeader; 5.x's optional boundaryType is not
// carried).
type SearchOffsetRequestHeader struct {
	Topic     string // "topic"
	QueueID   int32  // "queueId"
	Timestamp int64  // "timestamp": store time in ms
}

// Encode writes the header into ext, allocating ext if nil, and returns it.
func (h *SearchOffsetRequestHeader) Encode(ext map[string]string) map[string]string {
	ext = setField(ext, "topic", h.Topic)
	ext["queueId"] = formatInt32(h.QueueID)
	ext["timestamp"] = formatInt64(h.Timestamp)
	return ext
}

// Decode reads the header from ExtFields; h is changed only on success.
func (h *SearchOffsetRequestHeader) Decode(ext map[string]string) error {
	f := fields{m: ext}
	d := SearchOffsetRequestHeader{
		Topic:     f.str("topic"),
		QueueID:   f.int32("queueId"),
		Timestamp: f.int64("timestamp"),
	}
	if f.err != nil {
		return f.err
	}
	*h = d
	return nil
}

// OffsetResponseHeader carries one offset, "offset": the whole response
// header of QUERY_CONSUMER_OFFSET, GET_MAX_OFFSET, GET_MIN_OFFSET and
// SEARCH_OFFSET_BY_TIMESTAMP, which Java declares as four identical classes.
type OffsetResponseHeader struct {
	Offset int64 // "offset"
}

// QueryConsumerOffsetResponseHeader is the QUERY_CONSUMER_OFFSET response header.
type QueryConsumerOffsetResponseHeader = OffsetResponseHeader

// GetMaxOffsetResponseHeader is the GET_MAX_OFFSET response header.
type GetMaxOffsetResponseHeader = OffsetResponseHeader

// GetMinOffsetResponseHeader is the GET_MIN_OFFSET response header.
type GetMinOffsetResponseHeader = OffsetResponseHeader

// SearchOffsetResponseHeader is the SEARCH_OFFSET_BY_TIMESTAMP response header.
type SearchOffsetResponseHeader = OffsetResponseHeader

// Encode writes the header into ext, allocating ext if nil, and returns it.
func (h *OffsetResponseHeader) Encode(ext map[string]string) map[string]string {
	return setField(ext, "offset", formatInt64(h.Offset))
}

// Decode reads the header from ExtFields; h is changed only on success.
func (h *OffsetResponseHeader) Decode(ext map[string]string) error {
	f := fields{m: ext}
	offset := f.int64("offset")
	if f.err != nil {
		return f.err
	}
	h.Offset = offset
	return nil
}
