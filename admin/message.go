package admin

import (
	"bytes"
	"cmp"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

// Message is a stored message as an operator reads it: the record's fields,
// its properties and its body (decompressed when the producer compressed
// it).
type Message struct {
	// MsgID is the producer's unique id (UNIQ_KEY), or the offset id when
	// the producer set none.
	MsgID string `json:"msgId"`
	// OffsetMsgID encodes the store host and the commit-log offset.
	OffsetMsgID               string            `json:"offsetMsgId"`
	Topic                     string            `json:"topic"`
	Tags                      string            `json:"tags,omitempty"`
	Keys                      []string          `json:"keys,omitempty"`
	QueueID                   int32             `json:"queueId"`
	QueueOffset               int64             `json:"queueOffset"`
	CommitLogOffset           int64             `json:"commitLogOffset"`
	StoreSize                 int32             `json:"storeSize"`
	BodyCRC                   uint32            `json:"bodyCRC"`
	Flag                      int32             `json:"flag"`
	SysFlag                   int32             `json:"sysFlag"`
	BornTimestamp             int64             `json:"bornTimestamp"`
	BornHost                  string            `json:"bornHost"`
	StoreTimestamp            int64             `json:"storeTimestamp"`
	StoreHost                 string            `json:"storeHost"`
	ReconsumeTimes            int32             `json:"reconsumeTimes"`
	PreparedTransactionOffset int64             `json:"preparedTransactionOffset"`
	Properties                map[string]string `json:"properties"`
	Body                      []byte            `json:"body"`
}

// maxBodyInflate bounds a decompressed body, so that a compressed bomb
// cannot exhaust memory: 4 x RocketMQ's 4 MiB message limit.
const maxBodyInflate = 16 << 20

// decodeMessages reads the records RocketMQ sends back to back in a
// QUERY_MESSAGE or VIEW_MESSAGE_BY_ID body.
func decodeMessages(body []byte) ([]Message, error) {
	var out []Message
	for len(body) > 0 {
		size, _, err := message.PeekHeader(body)
		if err != nil {
			return out, err
		}
		if size <= 0 || int(size) > len(body) {
			return out, fmt.Errorf("%w: record of %d bytes in %d", message.ErrTruncated, size, len(body))
		}
		r, err := message.Decode(body[:size], true)
		if err != nil {
			return out, err
		}
		m, err := toMessage(&r)
		if err != nil {
			return out, err
		}
		out = append(out, m)
		body = body[size:]
	}
	return out, nil
}

func toMessage(r *message.Record) (Message, error) {
	m := Message{
		OffsetMsgID: r.OffsetMsgID(), Topic: r.Topic, Tags: r.Tags(), Keys: r.Keys(),
		QueueID: r.QueueID, QueueOffset: r.QueueOffset, CommitLogOffset: r.PhysicalOffset,
		StoreSize: r.StoreSize, BodyCRC: r.BodyCRC, Flag: r.Flag, SysFlag: r.SysFlag,
		BornTimestamp: r.BornTimestamp, BornHost: r.BornHost.String(),
		StoreTimestamp: r.StoreTimestamp, StoreHost: r.StoreHost.String(),
		ReconsumeTimes: r.ReconsumeTimes, PreparedTransactionOffset: r.PreparedTransactionOffset,
		Properties: r.Properties.Map(), Body: bytes.Clone(r.Body),
	}
	m.MsgID = m.Properties[message.PropertyUniqKey]
	if m.MsgID == "" {
		m.MsgID = m.OffsetMsgID
	}
	if r.SysFlag&message.FlagCompressed != 0 {
		zr, err := zlib.NewReader(bytes.NewReader(r.Body))
		if err != nil {
			return m, fmt.Errorf("message %s: compressed body: %w", m.OffsetMsgID, err)
		}
		body, err := io.ReadAll(io.LimitReader(zr, maxBodyInflate+1))
		if err != nil {
			return m, fmt.Errorf("message %s: compressed body: %w", m.OffsetMsgID, err)
		}
		if len(body) > maxBodyInflate {
			return m, fmt.Errorf("message %s: compressed body inflates past %d bytes", m.OffsetMsgID, maxBodyInflate)
		}
		m.Body = body
	}
	return m, nil
}

// ViewMessage reads the message at a commit-log offset of one broker
// (VIEW_MESSAGE_BY_ID).
func (c *Client) ViewMessage(ctx context.Context, addr string, commitLogOffset int64) (Message, error) {
	resp, err := c.call(ctx, RoleBroker, addr, remoting.RequestViewMessageByID, map[string]string{"offset": strconv.FormatInt(commitLogOffset, 10)}, nil)
	if err != nil {
		return Message{}, err
	}
	msgs, err := decodeMessages(resp.Body)
	if err != nil || len(msgs) != 1 {
		return Message{}, fmt.Errorf("%s %s: %s: %d records decoded: %v", RoleBroker, addr, RequestName(remoting.RequestViewMessageByID), len(msgs), err)
	}
	return msgs[0], nil
}

// MessageByOffsetID reads the message an offset id names: it carries the
// broker's address and the commit-log offset.
func (c *Client) MessageByOffsetID(ctx context.Context, id string) (Message, error) {
	host, off, err := message.ParseOffsetMsgID(id)
	if err != nil {
		return Message{}, fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	return c.ViewMessage(ctx, host.String(), off)
}

// QueryOptions bound a look-up by key.
type QueryOptions struct {
	// MaxNum is the most messages each broker returns. Default 64.
	MaxNum int
	// Begin and End bound the store time, in ms. Defaults 0 and no bound.
	Begin, End int64
}

// QueryMessageByKey finds a topic's messages whose KEYS hold key, on every
// master of the topic's route (QUERY_MESSAGE), ordered by store time. The
// index matches hashes, so results are checked against the key, as mqadmin
// does.
func (c *Client) QueryMessageByKey(ctx context.Context, topic, key string, opts QueryOptions) ([]Message, error) {
	msgs, err := c.queryIndex(ctx, topic, key, opts, false)
	if err != nil {
		return nil, err
	}
	msgs = slices.DeleteFunc(msgs, func(m Message) bool { return !slices.Contains(m.Keys, key) })
	if len(msgs) == 0 {
		return nil, fmt.Errorf("%w: no message of topic %q has the key %q", ErrNotFound, topic, key)
	}
	return msgs, nil
}

// QueryMessageByUniqKey finds the message a producer's unique id names in
// a topic. When a retried send stored it twice, the first stored wins.
func (c *Client) QueryMessageByUniqKey(ctx context.Context, topic, id string) (Message, error) {
	var opts QueryOptions
	// The id carries its creation time; the message was stored after it.
	if t, err := message.UniqIDTime(id, time.Now()); err == nil {
		opts.Begin = t.Add(-time.Second).UnixMilli()
	}
	msgs, err := c.queryIndex(ctx, topic, id, opts, true)
	if err != nil {
		return Message{}, err
	}
	msgs = slices.DeleteFunc(msgs, func(m Message) bool { return m.Properties[message.PropertyUniqKey] != id })
	if len(msgs) == 0 {
		return Message{}, fmt.Errorf("%w: no message of topic %q has the id %q", ErrNotFound, topic, id)
	}
	return msgs[0], nil
}

// QueryMessageByID finds a message by either kind of id, as mqadmin
// queryMsgById: an offset id is read where it points; anything else, or an
// offset id that leads nowhere, is looked up as a unique id in topic.
func (c *Client) QueryMessageByID(ctx context.Context, topic, id string) (Message, error) {
	m, err := c.MessageByOffsetID(ctx, id)
	if err == nil && (topic == "" || m.Topic == topic) {
		return m, nil
	}
	if topic == "" {
		if err == nil {
			err = fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		return Message{}, fmt.Errorf("%w (a unique id needs its topic: -t)", err)
	}
	return c.QueryMessageByUniqKey(ctx, topic, id)
}

func (c *Client) queryIndex(ctx context.Context, topic, key string, opts QueryOptions, uniq bool) ([]Message, error) {
	if topic == "" || key == "" {
		return nil, fmt.Errorf("%w: a topic and a key are required", ErrInvalidArgument)
	}
	if opts.MaxNum <= 0 {
		opts.MaxNum = 64
	}
	if opts.End <= 0 {
		opts.End = math.MaxInt64
	}
	rd, err := c.TopicRoute(ctx, topic)
	if err != nil {
		return nil, err
	}
	ext := map[string]string{
		"topic": topic, "key": key, "maxNum": strconv.Itoa(opts.MaxNum),
		"beginTimestamp": strconv.FormatInt(opts.Begin, 10), "endTimestamp": strconv.FormatInt(opts.End, 10),
	}
	if uniq {
		ext["_UNIQUE_KEY_QUERY"] = "true"
	}
	var all []Message
	var errs []error
	for _, b := range routeMasters(rd) {
		resp, err := c.callExpect(ctx, RoleBroker, b.addr, remoting.RequestQueryMessage, ext, nil, remoting.ResponseSuccess, remoting.ResponseQueryNotFound)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		msgs, err := decodeMessages(resp.Body)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %s: %w", RoleBroker, b.addr, RequestName(remoting.RequestQueryMessage), err))
		}
		all = append(all, msgs...)
	}
	if len(all) == 0 && len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.SortStableFunc(all, func(a, b Message) int { return cmp.Compare(a.StoreTimestamp, b.StoreTimestamp) })
	return all, nil
}
