package remoting

// PullMessageRequestHeader is the header of PULL_MESSAGE (Java
// PullMessageRequestHeader). 5.x proxy-only fields are not carried.
type PullMessageRequestHeader struct {
	ConsumerGroup        string // "consumerGroup"
	Topic                string // "topic"
	QueueID              int32  // "queueId"
	QueueOffset          int64  // "queueOffset": first logical offset wanted
	MaxMsgNums           int32  // "maxMsgNums"
	SysFlag              int32  // "sysFlag": 0x1 commit offset, 0x2 suspend, 0x4 subscription, 0x8 class filter
	CommitOffset         int64  // "commitOffset": consumer offset to commit along with the pull
	SuspendTimeoutMillis int64  // "suspendTimeoutMillis": longest wait of a suspended pull
	Subscription         string // "subscription", optional: the filter expression
	SubVersion           int64  // "subVersion": version of the subscription
	ExpressionType       string // "expressionType", optional: "TAG" or "SQL92"
}

// Encode writes the header into ext, allocating ext if nil, and returns it.
func (h *PullMessageRequestHeader) Encode(ext map[string]string) map[string]string {
	ext = setField(ext, "consumerGroup", h.ConsumerGroup)
	ext["topic"] = h.Topic
	ext["queueId"] = formatInt32(h.QueueID)
	ext["queueOffset"] = formatInt64(h.QueueOffset)
	ext["maxMsgNums"] = formatInt32(h.MaxMsgNums)
	ext["sysFlag"] = formatInt32(h.SysFlag)
	ext["commitOffset"] = formatInt64(h.CommitOffset)
	ext["suspendTimeoutMillis"] = formatInt64(h.SuspendTimeoutMillis)
	if h.Subscription != "" {
		ext["subscription"] = h.Subscription
	}
	ext["subVersion"] = formatInt64(h.SubVersion)
	if h.ExpressionType != "" {
		ext["expressionType"] = h.ExpressionType
	}
	return ext
}

// Decode reads the header from ExtFields; h is changed only on success.
func (h *PullMessageRequestHeader) Decode(ext map[string]string) error {
	f := fields{m: ext}
	d := PullMessageRequestHeader{
		ConsumerGroup:        f.str("consumerGroup"),
		Topic:                f.str("topic"),
		QueueID:              f.int32("queueId"),
		QueueOffset:          f.int64("queueOffset"),
		MaxMsgNums:           f.int32("maxMsgNums"),
		SysFlag:              f.int32("sysFlag"),
		CommitOffset:         f.int64("commitOffset"),
		SuspendTimeoutMillis: f.int64("suspendTimeoutMillis"),
		Subscription:         f.optStr("subscription"),
		SubVersion:           f.int64("subVersion"),
		ExpressionType:       f.optStr("expressionType"),
	}
	if f.err != nil {
		return f.err
	}
	*h = d
	return nil
}

// PullMessageResponseHeader is the header of a pull response (Java
// PullMessageResponseHeader).
type PullMessageResponseHeader struct {
	SuggestWhichBrokerID int64 // "suggestWhichBrokerId": 0 master, else a slave to pull from next
	NextBeginOffset      int64 // "nextBeginOffset"
	MinOffset            int64 // "minOffset"
	MaxOffset            int64 // "maxOffset"
}

// Encode writes the header into ext, allocating ext if nil, and returns it.
func (h *PullMessageResponseHeader) Encode(ext map[string]string) map[string]string {
	ext = setField(ext, "suggestWhichBrokerId", formatInt64(h.SuggestWhichBrokerID))
	ext["nextBeginOffset"] = formatInt64(h.NextBeginOffset)
	ext["minOffset"] = formatInt64(h.MinOffset)
	ext["maxOffset"] = formatInt64(h.MaxOffset)
	return ext
}

// Decode reads the header from ExtFields; h is changed only on success.
func (h *PullMessageResponseHeader) Decode(ext map[string]string) error {
	f := fields{m: ext}
	d := PullMessageResponseHeader{
		SuggestWhichBrokerID: f.int64("suggestWhichBrokerId"),
		NextBeginOffset:      f.int64("nextBeginOffset"),
		MinOffset:            f.int64("minOffset"),
		MaxOffset:            f.int64("maxOffset"),
	}
	if f.err != nil {
		return f.err
	}
	*h = d
	return nil
}
