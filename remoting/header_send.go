package remoting

import "strconv"

// SendMessageRequestHeader is the header of SEND_MESSAGE, SEND_MESSAGE_V2,
// SEND_BATCH_MESSAGE and the reply sends (Java SendMessageRequestHeader).
// V1 requests carry it under the field names below; V2 requests under the
// one-letter keys a..m (SendMessageRequestHeaderV2), which save bytes on
// every send. Fields marked optional may be absent on the wire.
type SendMessageRequestHeader struct {
	ProducerGroup         string // "producerGroup" / "a"
	Topic                 string // "topic" / "b"
	DefaultTopic          string // "defaultTopic" / "c": template for auto-created topics (TBW102)
	DefaultTopicQueueNums int32  // "defaultTopicQueueNums" / "d": queues of an auto-created topic
	QueueID               int32  // "queueId" / "e"
	SysFlag               int32  // "sysFlag" / "f": message.Flag* bits
	BornTimestamp         int64  // "bornTimestamp" / "g": ms
	Flag                  int32  // "flag" / "h": the user's message flag
	Properties            string // "properties" / "i", optional: encoded message properties
	ReconsumeTimes        int32  // "reconsumeTimes" / "j", optional: 0 when absent
	UnitMode              bool   // "unitMode" / "k", optional
	// MaxReconsumeTimes ("maxReconsumeTimes" / "l", optional) is -1 when
	// absent, which tells the broker to use the group's retry limit; a
	// present 0 is a real limit, so absence needs its own value.
	MaxReconsumeTimes int32
	Batch             bool // "batch" / "m", optional
}

// Indexes into sendKeyNames, one per SendMessageRequestHeader field.
const (
	sendProducerGroup = iota
	sendTopic
	sendDefaultTopic
	sendDefaultTopicQueueNums
	sendQueueID
	sendSysFlag
	sendBornTimestamp
	sendFlag
	sendProperties
	sendReconsumeTimes
	sendUnitMode
	sendMaxReconsumeTimes
	sendBatch
	sendFieldCount
)

// Which column of sendKeyNames a header uses.
const (
	sendV1 = 0
	sendV2 = 1
)

// sendKeyNames pairs each field's V1 key with its V2 key, from Java's
// SendMessageRequestHeaderV2.createSendMessageRequestHeaderV1.
var sendKeyNames = [sendFieldCount][2]string{
	sendProducerGroup:         {"producerGroup", "a"},
	sendTopic:                 {"topic", "b"},
	sendDefaultTopic:          {"defaultTopic", "c"},
	sendDefaultTopicQueueNums: {"defaultTopicQueueNums", "d"},
	sendQueueID:               {"queueId", "e"},
	sendSysFlag:               {"sysFlag", "f"},
	sendBornTimestamp:         {"bornTimestamp", "g"},
	sendFlag:                  {"flag", "h"},
	sendProperties:            {"properties", "i"},
	sendReconsumeTimes:        {"reconsumeTimes", "j"},
	sendUnitMode:              {"unitMode", "k"},
	sendMaxReconsumeTimes:     {"maxReconsumeTimes", "l"},
	sendBatch:                 {"batch", "m"},
}

// SendMessageV2ToV1 returns a copy of V2 send ExtFields with the one-letter
// keys a..m renamed to their V1 names. Other keys (ACL's AccessKey and
// Signature, 5.x's "n" broker name) are copied unchanged; ext is not
// modified. A V1 map passes through as a plain copy.
func SendMessageV2ToV1(ext map[string]string) map[string]string {
	out := make(map[string]string, len(ext))
	for k, v := range ext {
		out[k] = v
	}
	for _, names := range sendKeyNames {
		if v, ok := ext[names[sendV2]]; ok {
			delete(out, names[sendV2])
			out[names[sendV1]] = v
		}
	}
	return out
}

// IsSendV2 reports whether a send request code carries its header under
// the one-letter V2 keys, as Java's SendMessageRequestHeader.parseRequestHeader
// decides it (SEND_REPLY_MESSAGE_V2 follows the same rule in the reply
// processor).
func IsSendV2(code int16) bool {
	return code == RequestSendMessageV2 || code == RequestSendBatchMessage || code == RequestSendReplyMessageV2
}

// ParseSendMessageRequestHeader decodes the send header of a request,
// reading the V2 keys when the request code calls for them (IsSendV2).
func ParseSendMessageRequestHeader(c *Command) (SendMessageRequestHeader, error) {
	var h SendMessageRequestHeader
	var err error
	if IsSendV2(c.Code) {
		err = h.DecodeV2(c.ExtFields)
	} else {
		err = h.Decode(c.ExtFields)
	}
	return h, err
}

// Encode writes the header into ext under the V1 names, allocating ext if
// nil, and returns it.
func (h *SendMessageRequestHeader) Encode(ext map[string]string) map[string]string {
	return h.encode(ext, sendV1)
}

// EncodeV2 writes the header into ext under the V2 one-letter keys.
func (h *SendMessageRequestHeader) EncodeV2(ext map[string]string) map[string]string {
	return h.encode(ext, sendV2)
}

// Decode reads the header from V1 ExtFields. A missing or unparsable field
// gives a *FieldError naming its V1 key; h is changed only on success.
func (h *SendMessageRequestHeader) Decode(ext map[string]string) error {
	return h.decode(ext, sendV1)
}

// DecodeV2 reads the header from V2 ExtFields; errors name the V2 key, the
// one the client actually sent.
func (h *SendMessageRequestHeader) DecodeV2(ext map[string]string) error {
	return h.decode(ext, sendV2)
}

func (h *SendMessageRequestHeader) encode(ext map[string]string, col int) map[string]string {
	if ext == nil {
		ext = make(map[string]string, sendFieldCount)
	}
	key := func(i int) string { return sendKeyNames[i][col] }
	ext[key(sendProducerGroup)] = h.ProducerGroup
	ext[key(sendTopic)] = h.Topic
	ext[key(sendDefaultTopic)] = h.DefaultTopic
	ext[key(sendDefaultTopicQueueNums)] = formatInt32(h.DefaultTopicQueueNums)
	ext[key(sendQueueID)] = formatInt32(h.QueueID)
	ext[key(sendSysFlag)] = formatInt32(h.SysFlag)
	ext[key(sendBornTimestamp)] = formatInt64(h.BornTimestamp)
	ext[key(sendFlag)] = formatInt32(h.Flag)
	// Properties, reconsume times and the two flags are always written, as
	// the clients do: older brokers read properties without a null check.
	ext[key(sendProperties)] = h.Properties
	ext[key(sendReconsumeTimes)] = formatInt32(h.ReconsumeTimes)
	ext[key(sendUnitMode)] = strconv.FormatBool(h.UnitMode)
	if h.MaxReconsumeTimes >= 0 {
		ext[key(sendMaxReconsumeTimes)] = formatInt32(h.MaxReconsumeTimes)
	}
	ext[key(sendBatch)] = strconv.FormatBool(h.Batch)
	return ext
}

func (h *SendMessageRequestHeader) decode(ext map[string]string, col int) error {
	key := func(i int) string { return sendKeyNames[i][col] }
	f := fields{m: ext}
	d := SendMessageRequestHeader{
		ProducerGroup:         f.str(key(sendProducerGroup)),
		Topic:                 f.str(key(sendTopic)),
		DefaultTopic:          f.str(key(sendDefaultTopic)),
		DefaultTopicQueueNums: f.int32(key(sendDefaultTopicQueueNums)),
		QueueID:               f.int32(key(sendQueueID)),
		SysFlag:               f.int32(key(sendSysFlag)),
		BornTimestamp:         f.int64(key(sendBornTimestamp)),
		Flag:                  f.int32(key(sendFlag)),
		Properties:            f.optStr(key(sendProperties)),
		ReconsumeTimes:        f.optInt32(key(sendReconsumeTimes), 0),
		UnitMode:              f.optBool(key(sendUnitMode)),
		MaxReconsumeTimes:     f.optInt32(key(sendMaxReconsumeTimes), -1),
		Batch:                 f.optBool(key(sendBatch)),
	}
	if f.err != nil {
		return f.err
	}
	*h = d
	return nil
}

// ExtFields keys the broker adds to every send response besides the
// SendMessageResponseHeader fields (Java MessageConst).
const (
	// KeyMsgRegion is the broker's region id; clients tag traces with it.
	KeyMsgRegion = "MSG_REGION"
	// KeyTraceOn is "true" or "false": whether the broker allows tracing.
	KeyTraceOn = "TRACE_ON"
)

// SendMessageResponseHeader is the header of a send response (Java
// SendMessageResponseHeader) plus the two keys the broker always adds.
type SendMessageResponseHeader struct {
	MsgID         string // "msgId": the offset message id (store host + physical offset)
	QueueID       int32  // "queueId"
	QueueOffset   int64  // "queueOffset": logical offset in the consume queue
	TransactionID string // "transactionId", optional; written only when set
	MsgRegion     string // KeyMsgRegion, optional; written only when set
	TraceOn       bool   // KeyTraceOn, optional; always written
}

// Encode writes the header into ext, allocating ext if nil, and returns it.
func (h *SendMessageResponseHeader) Encode(ext map[string]string) map[string]string {
	ext = setField(ext, "msgId", h.MsgID)
	ext["queueId"] = formatInt32(h.QueueID)
	ext["queueOffset"] = formatInt64(h.QueueOffset)
	if h.TransactionID != "" {
		ext["transactionId"] = h.TransactionID
	}
	if h.MsgRegion != "" {
		ext[KeyMsgRegion] = h.MsgRegion
	}
	ext[KeyTraceOn] = strconv.FormatBool(h.TraceOn)
	return ext
}

// Decode reads the header from ExtFields; h is changed only on success.
func (h *SendMessageResponseHeader) Decode(ext map[string]string) error {
	f := fields{m: ext}
	d := SendMessageResponseHeader{
		MsgID:         f.str("msgId"),
		QueueID:       f.int32("queueId"),
		QueueOffset:   f.int64("queueOffset"),
		TransactionID: f.optStr("transactionId"),
		MsgRegion:     f.optStr(KeyMsgRegion),
		TraceOn:       f.optBool(KeyTraceOn),
	}
	if f.err != nil {
		return f.err
	}
	*h = d
	return nil
}
