package broker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
)

// Transactional messages, as RocketMQ's broker/transaction: a transactional
// send is stored as a half message in TransHalfTopic (its real topic and
// queue in REAL_TOPIC and REAL_QID), where no consumer sees it.
// END_TRANSACTION commits it (the message is written to its real topic and
// queue, with the commit type in its SYSFLAG) or rolls it back; either way
// an op record in TransOpHalfTopic, tag "d", body the half message's queue
// offset in decimal, marks it resolved. The check service asks a producer
// of the group about half messages left unresolved (see
// transaction_check.go).
const (
	TransHalfTopic         = "RMQ_SYS_TRANS_HALF_TOPIC"
	TransOpHalfTopic       = "RMQ_SYS_TRANS_OP_HALF_TOPIC"
	TransCheckMaxTimeTopic = "TRANS_CHECK_MAX_TIME_TOPIC"
	// transCheckGroup is the consumer group whose offsets in the half and
	// op queues record the check service's progress (CID_SYS_RMQ_TRANS).
	transCheckGroup = "CID_RMQ_SYS_TRANS"
	// opRemoveTag tags an op record that resolves a half message.
	opRemoveTag = "d"

	propCheckTimes          = "TRANSACTION_CHECK_TIMES"
	propCheckImmunitySecs   = "CHECK_IMMUNITY_TIME_IN_SECONDS"
	propPreparedQueueOffset = "TRAN_PREPARED_QUEUE_OFFSET"
)

// errAlreadyResolved refuses a second commit or rollback of a half message.
var errAlreadyResolved = errors.New("the transaction was already committed, rolled back or given up")

// isTransactional reports whether a send is a transaction's half message:
// TRAN_MSG=true (what RocketMQ looks at) or the prepared type in SYSFLAG.
func isTransactional(m *message.Message) bool {
	if message.TransactionType(m.SysFlag) == message.TransactionPreparedType {
		return true
	}
	v, _ := strconv.ParseBool(m.Properties.Get(message.PropertyTransactionPrepared))
	return v
}

// prepareHalf rewrites a transactional send into its half message.
func (b *Broker) prepareHalf(m *message.Message, producerGroup string) error {
	if _, ok := m.Properties.Lookup(message.PropertyDelayLevel); ok {
		return errors.New("a transactional message cannot be delayed (DELAY is set)")
	}
	if err := b.ensureTopic(TransHalfTopic); err != nil {
		return err
	}
	props := m.Properties.Set(message.PropertyTransactionPrepared, "true")
	if props.Get(message.PropertyProducerGroup) == "" {
		props = props.Set(message.PropertyProducerGroup, producerGroup)
	}
	props = props.Set(message.PropertyRealTopic, m.Topic).Set(message.PropertyRealQueueID, strconv.Itoa(int(m.QueueID)))
	// The store keeps prepared records out of consume queues; the half
	// message must be in the half queue, where the check service reads it.
	m.SysFlag = message.ResetTransactionType(m.SysFlag, message.TransactionNotType)
	m.Topic, m.QueueID, m.Properties = TransHalfTopic, 0, props
	return nil
}

// endTransactionHeader is END_TRANSACTION's header.
type endTransactionHeader struct {
	producerGroup        string
	tranStateTableOffset int64 // the half message's queue offset
	commitLogOffset      int64 // the half message's physical offset
	commitOrRollback     int32 // a transaction type: commit, rollback or not (unknown)
}

func parseEndTransaction(req *remoting.Command) (endTransactionHeader, error) {
	var h endTransactionHeader
	var errs [4]error
	h.producerGroup, errs[0] = req.Field("producerGroup")
	h.tranStateTableOffset, errs[1] = req.Int64("tranStateTableOffset")
	h.commitLogOffset, errs[2] = req.Int64("commitLogOffset")
	h.commitOrRollback, errs[3] = req.Int32("commitOrRollback")
	return h, errors.Join(errs[:]...)
}

// handleEndTransaction commits or rolls back a half message
// (END_TRANSACTION). Producers send it oneway, so a refusal is only seen in
// the log.
func (b *Broker) handleEndTransaction(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	refuse := func(code int16, err error) *remoting.Command {
		b.warnings.warn("end-transaction:"+c.RemoteAddr(), "end transaction refused", "addr", c.RemoteAddr(), "err", err)
		return errorResponse(req, code, err)
	}
	if !b.isMaster() {
		return refuse(remoting.ResponseSlaveNotAvailable, errors.New("the broker is a slave: end transaction is forbidden"))
	}
	h, err := parseEndTransaction(req)
	if err != nil {
		return refuse(remoting.ResponseInvalidParameter, err)
	}
	switch h.commitOrRollback {
	case message.TransactionCommitType, message.TransactionRollbackType:
	case message.TransactionNotType:
		// The producer does not know yet: the check service asks again.
		return remoting.NewResponse(req, remoting.ResponseSuccess, "state unknown: the broker will check back")
	default:
		return refuse(remoting.ResponseInvalidParameter, fmt.Errorf("commitOrRollback %d is not a transaction state", h.commitOrRollback))
	}
	half, err := b.store.LookMessageByOffset(h.commitLogOffset)
	if err != nil {
		return refuse(remoting.ResponseSystemError, fmt.Errorf("find prepared transaction message at %d: %w", h.commitLogOffset, err))
	}
	if err := checkHalf(&half, &h); err != nil {
		return refuse(remoting.ResponseSystemError, err)
	}
	resp, err := b.txns.resolve(req, &half, h.commitOrRollback == message.TransactionCommitType)
	if err != nil {
		return refuse(remoting.ResponseSystemError, err)
	}
	return resp
}

// checkHalf verifies that END_TRANSACTION names the half message found, as
// RocketMQ's EndTransactionProcessor does, and that it is one.
func checkHalf(half *message.Record, h *endTransactionHeader) error {
	switch {
	case half.Topic != TransHalfTopic:
		return fmt.Errorf("the message at %d is in topic %s, not a half message", h.commitLogOffset, half.Topic)
	case half.Properties.Get(message.PropertyProducerGroup) != h.producerGroup:
		return fmt.Errorf("the producer group is wrong: %q, the half message's is %q", h.producerGroup, half.Properties.Get(message.PropertyProducerGroup))
	case half.QueueOffset != h.tranStateTableOffset:
		return fmt.Errorf("the transaction state table offset is wrong: %d, the half message's is %d", h.tranStateTableOffset, half.QueueOffset)
	case half.PhysicalOffset != h.commitLogOffset:
		return fmt.Errorf("the commit log offset is wrong: %d", h.commitLogOffset)
	}
	return nil
}

// committedMessage is the message a commit writes: the half message back
// in its real topic and queue, with the commit type.
func committedMessage(half *message.Record) (message.Message, error) {
	topic := half.Properties.Get(message.PropertyRealTopic)
	qid, err := strconv.Atoi(half.Properties.Get(message.PropertyRealQueueID))
	if topic == "" || err != nil || qid < 0 {
		return message.Message{}, fmt.Errorf("the half message at %d has no valid REAL_TOPIC/REAL_QID", half.PhysicalOffset)
	}
	props := half.Properties.Delete(message.PropertyRealTopic).Delete(message.PropertyRealQueueID).
		Delete(message.PropertyTransactionPrepared)
	return message.Message{
		Topic: topic, QueueID: int32(qid), Flag: half.Flag, Body: half.Body, Properties: props,
		SysFlag:       message.ResetTransactionType(half.SysFlag, message.TransactionCommitType),
		BornTimestamp: half.BornTimestamp, BornHost: half.BornHost, ReconsumeTimes: half.ReconsumeTimes,
		PreparedTransactionOffset: half.PhysicalOffset,
	}, nil
}

// opRecord is the op record that marks the half message at halfOffset
// resolved.
func (b *Broker) opRecord(halfOffset int64) message.Message {
	props := message.EncodeProperties(map[string]string{message.PropertyTags: opRemoveTag})
	return message.Message{
		Topic: TransOpHalfTopic, QueueID: 0, Body: []byte(strconv.FormatInt(halfOffset, 10)), Properties: props,
		BornTimestamp: time.Now().UnixMilli(), BornHost: b.opts.Store.CommitLog.StoreHost,
	}
}

// writeResolution stores what a commit or rollback writes: the committed
// message (commit only) and the op record, in one batch so that both reach
// the log together.
func (b *Broker) writeResolution(half *message.Record, commit bool) ([]commitlog.AppendResult, error) {
	if err := b.ensureTopic(TransOpHalfTopic); err != nil {
		return nil, err
	}
	if commit && b.fromDeletedTopic(half.Properties.Get(message.PropertyRealTopic), b.halfOrigin(half), "committed transaction message") {
		commit = false // only the op record: the half message is resolved, and dropped
	}
	msgs := make([]message.Message, 0, 2)
	if commit {
		m, err := committedMessage(half)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
	msgs = append(msgs, b.opRecord(half.QueueOffset))
	return b.putMessages(context.Background(), msgs)
}

// resolutionResponse answers END_TRANSACTION once its writes are stored:
// the put's outcome mapped as a send's, held for replication as a send.
func (b *Broker) resolutionResponse(req *remoting.Command, results []commitlog.AppendResult, err error) *remoting.Command {
	resp := b.sendResponse(req, 0, results, err)
	if resp.Code != remoting.ResponseSuccess && resp.Code != remoting.ResponseFlushDiskTimeout {
		return resp
	}
	resp.ExtFields = nil
	return b.replicatedResponse(resp, results[len(results)-1].End())
}
