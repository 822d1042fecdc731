package remoting

// QueryMessageRequestHeader is the header of QUERY_MESSAGE, a look-up by
// message key in the index (Java QueryMessageRequestHeader).
type QueryMessageRequestHeader struct {
	Topic          string // "topic"
	Key            string // "key": the message key (or unique id) to look up
	MaxNum         int32  // "maxNum": most messages to return
	BeginTimestamp int64  // "beginTimestamp": ms, inclusive
	EndTimestamp   int64  // "endTimestamp": ms, inclusive
}

// Encode writes the header into ext, allocating ext if nil, and returns it.
func (h *QueryMessageRequestHeader) Encode(ext map[string]string) map[string]string {
	ext = setField(ext, "topic", h.Topic)
	ext["key"] = h.Key
	ext["maxNum"] = formatInt32(h.MaxNum)
	ext["beginTimestamp"] = formatInt64(h.BeginTimestamp)
	ext["endTimestamp"] = formatInt64(h.EndTimestamp)
	return ext
}

// Decode reads the header from ExtFields; h is changed only on success.
func (h *QueryMessageRequestHeader) Decode(ext map[string]string) error {
	f := fields{m: ext}
	d := QueryMessageRequestHeader{
		Topic:          f.str("topic"),
		Key:            f.str("key"),
		MaxNum:         f.int32("maxNum"),
		BeginTimestamp: f.int64("beginTimestamp"),
		EndTimestamp:   f.int64("endTimestamp"),
	}
	if f.err != nil {
		return f.err
	}
	*h = d
	return nil
}

// QueryMessageResponseHeader is the header of a QUERY_MESSAGE response
// (Java QueryMessageResponseHeader). The misspelt-looking "Phyoffset" is
// the wire name.
type QueryMessageResponseHeader struct {
	IndexLastUpdateTimestamp int64 // "indexLastUpdateTimestamp"
	IndexLastUpdatePhyoffset int64 // "indexLastUpdatePhyoffset"
}

// Encode writes the header into ext, allocating ext if nil, and returns it.
func (h *QueryMessageResponseHeader) Encode(ext map[string]string) map[string]string {
	ext = setField(ext, "indexLastUpdateTimestamp", formatInt64(h.IndexLastUpdateTimestamp))
	ext["indexLastUpdatePhyoffset"] = formatInt64(h.IndexLastUpdatePhyoffset)
	return ext
}

// Decode reads the header from ExtFields; h is changed only on success.
func (h *QueryMessageResponseHeader) Decode(ext map[string]string) error {
	f := fields{m: ext}
	d := QueryMessageResponseHeader{
		IndexLastUpdateTimestamp: f.int64("indexLastUpdateTimestamp"),
		IndexLastUpdatePhyoffset: f.int64("indexLastUpdatePhyoffset"),
	}
	if f.err != nil {
		return f.err
	}
	*h = d
	return nil
}

// ViewMessageRequestHeader is the header of VIEW_MESSAGE_BY_ID (Java
// ViewMessageRequestHeader): the client decodes the physical offset from an
// offset message id and asks for the record there.
type ViewMessageRequestHeader struct {
	Offset int64  // "offset": physical commit-log offset
	Topic  string // "topic", optional (sent by 5.x clients); written only when set
}

// Encode writes the header into ext, allocating ext if nil, and returns it.
func (h *ViewMessageRequestHeader) Encode(ext map[string]string) map[string]string {
	ext = setField(ext, "offset", formatInt64(h.Offset))
	if h.Topic != "" {
		ext["topic"] = h.Topic
	}
	return ext
}

// Decode reads the header from ExtFields; h is changed only on success.
func (h *ViewMessageRequestHeader) Decode(ext map[string]string) error {
	f := fields{m: ext}
	d := ViewMessageRequestHeader{Offset: f.int64("offset"), Topic: f.optStr("topic")}
	if f.err != nil {
		return f.err
	}
	*h = d
	return nil
}
