package broker

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

// maxCheckRound bounds one round of the check service, as RocketMQ's
// MAX_PROCESS_TIME_LIMIT.
const maxCheckRound = time.Minute

// transactionCheckLoop runs a check round every TransactionCheckInterval,
// on a master only (until stop), as RocketMQ's
// TransactionalMessageCheckService.
func (b *Broker) transactionCheckLoop(stop <-chan struct{}) {
	runUntil(stop, b.opts.TransactionCheckInterval, func() {
		if b.isMaster() {
			b.txns.checkRound(time.Now())
		}
	})
}

// checkRound walks the half queue from the check service's progress. A
// resolved half message is passed; an unresolved one older than
// TransactionTimeout is put back at the queue's end with its check count
// raised and its producer group is asked about the copy
// (CHECK_TRANSACTION_STATE); one checked TransactionCheckMax times already
// goes to TRANS_CHECK_MAX_TIME_TOPIC. The round stops at the first half
// message too young to check, or stored during the round. The progress is
// then committed as the offsets of group CID_RMQ_SYS_TRANS.
func (t *transactions) checkRound(start time.Time) {
	st := t.b.store
	halfStart := t.progress(TransHalfTopic)
	opStart := t.progress(TransOpHalfTopic)
	t.mu.Lock()
	t.readOpsLocked(opStart)
	t.mu.Unlock()

	next := halfStart
walk:
	for time.Since(start) < maxCheckRound {
		r, err := st.GetMessage(transCheckGroup, TransHalfTopic, 0, next, 32, nil)
		if err != nil {
			t.b.log.Error("transaction check: read half messages", "offset", next, "err", err)
			break
		}
		if r.Status != store.Found {
			r.Release()
			switch {
			case r.Status == store.OffsetOverflowBadly:
				next = r.MaxOffset // the queue lost its tail (a recovery cut it)
			case r.NextBeginOffset > next && r.NextBeginOffset <= r.MaxOffset:
				next = r.NextBeginOffset // cleaned up or damaged: go on after it
				continue
			}
			break
		}
		for i, e := range r.Messages {
			qo := r.QueueOffsets[i]
			rec, err := e.Decode(false)
			if err != nil {
				t.b.log.Error("transaction check: damaged half message skipped", "queueOffset", qo, "err", err)
			} else if !t.checkOne(&rec, qo, start) {
				r.Release()
				break walk
			}
			next = qo + 1
		}
		next = max(next, r.NextBeginOffset)
		r.Release()
	}

	t.mu.Lock()
	opNext := t.advanceLocked(next, opStart)
	t.passed = next
	t.mu.Unlock()
	// The half progress goes first: a snapshot of the offsets between the
	// two commits then holds an older op progress, which only re-reads op
	// records; the other order could skip op records of half messages the
	// check service has not passed.
	if next != halfStart {
		t.b.offsets.commit(transCheckGroup, TransHalfTopic, 0, next)
	}
	if opNext != opStart {
		t.b.offsets.commit(transCheckGroup, TransOpHalfTopic, 0, opNext)
	}
}

// checkOne handles the half message rec at queue offset qo and reports
// whether the round may go past it.
func (t *transactions) checkOne(rec *message.Record, qo int64, start time.Time) bool {
	t.mu.Lock()
	advance, check := t.handleLocked(rec, qo, start)
	t.mu.Unlock()
	if check != nil {
		// Outside the lock: a slow producer connection must not hold up
		// END_TRANSACTION.
		t.sendCheck(&check.copy, check.where)
	}
	return advance
}

// dueCheck is a check to send: the copy put back, and where it went.
type dueCheck struct {
	copy  message.Record
	where commitlog.AppendResult
}

// handleLocked decides about the half message rec at queue offset qo: pass
// it, stop the round at it, put it back, discard it, or put it back and
// check it (returned).
func (t *transactions) handleLocked(rec *message.Record, qo int64, start time.Time) (bool, *dueCheck) {
	switch t.stateLocked(rec, qo) {
	case txnResolved:
		return true, nil
	case txnPending:
		return false, nil
	}
	if rec.StoreTimestamp >= start.UnixMilli() {
		return false, nil // put back by this round: checked in the next
	}
	o := &t.b.opts
	age := time.Now().UnixMilli() - rec.BornTimestamp
	timeout := o.TransactionTimeout.Milliseconds()
	if v := rec.Properties.Get(propCheckImmunitySecs); v != "" {
		immunity := timeout
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
			immunity = max(secs*1000, timeout)
		}
		if age >= 0 && age < immunity {
			// Not due yet, but it must not hold up the queue: a copy
			// keeps its place, remembering the offset END_TRANSACTION
			// will name.
			prepared := rec.Properties.Get(propPreparedQueueOffset)
			if prepared == "" {
				prepared = strconv.FormatInt(qo, 10)
			}
			_, _, err := t.putBackLocked(rec, rec.Properties.Set(propPreparedQueueOffset, prepared))
			return err == nil, nil
		}
	} else if age >= 0 && age < timeout {
		return false, nil // too young: the producer may still end it
	}
	times, _ := strconv.Atoi(rec.Properties.Get(propCheckTimes))
	if times >= o.TransactionCheckMax || age > t.fileReservedMillis() {
		return t.discardLocked(rec) == nil, nil
	}
	where, cp, err := t.putBackLocked(rec, rec.Properties.Set(propCheckTimes, strconv.Itoa(times+1)))
	if err != nil {
		return false, nil
	}
	return true, &dueCheck{copy: cp, where: where}
}

// fileReservedMillis is how long a half message may wait at most: as long
// as the commit log keeps it.
func (t *transactions) fileReservedMillis() int64 {
	if d := t.b.opts.Store.FileReservedTime; d > 0 {
		return d.Milliseconds()
	}
	return store.DefaultFileReservedTime.Milliseconds()
}

// putBackLocked appends a copy of the half message rec with props at the
// half queue's end, and returns where it went and the copy as stored.
func (t *transactions) putBackLocked(rec *message.Record, props message.Properties) (commitlog.AppendResult, message.Record, error) {
	m := rec.Message
	m.Properties = props
	res, err := t.b.putMessage(context.Background(), &m)
	if err != nil && res.Size == 0 {
		t.b.log.Error("transaction check: put a half message back", "queueOffset", rec.QueueOffset, "err", err)
		return res, message.Record{}, err
	}
	t.copies = max(t.copies, res.QueueOffset+1)
	if uniq := props.Get(message.PropertyUniqKey); uniq != "" {
		t.open[uniq] = res.QueueOffset
	}
	cp := message.Record{Message: m, QueueOffset: res.QueueOffset, PhysicalOffset: res.PhysicalOffset,
		StoreTimestamp: res.StoreTimestamp, StoreHost: res.StoreHost}
	return res, cp, nil
}

// discardLocked moves a half message checked too often (or older than the
// log keeps files) to TRANS_CHECK_MAX_TIME_TOPIC, where an operator can
// find it, as RocketMQ's DefaultTransactionalMessageCheckListener.
func (t *transactions) discardLocked(rec *message.Record) error {
	b := t.b
	if err := b.ensureTopic(TransCheckMaxTimeTopic); err != nil {
		b.log.Error("transaction check: create "+TransCheckMaxTimeTopic, "err", err)
		return err
	}
	m := rec.Message
	m.Topic, m.QueueID = TransCheckMaxTimeTopic, 0
	if _, err := b.putMessage(context.Background(), &m); err != nil {
		b.log.Error("transaction check: discard a half message", "queueOffset", rec.QueueOffset, "err", err)
		return err
	}
	delete(t.open, rec.Properties.Get(message.PropertyUniqKey))
	b.log.Warn("transaction check: half message checked too many times, moved to "+TransCheckMaxTimeTopic,
		"msgId", rec.Properties.Get(message.PropertyUniqKey), "group", rec.Properties.Get(message.PropertyProducerGroup),
		"topic", rec.Properties.Get(message.PropertyRealTopic), "checks", rec.Properties.Get(propCheckTimes))
	return nil
}

// sendCheck asks a live producer of cp's group about the half message cp
// (CHECK_TRANSACTION_STATE, oneway, as RocketMQ's Broker2Client). The body
// is the message as it will be delivered: in its real topic and queue.
func (t *transactions) sendCheck(cp *message.Record, where commitlog.AppendResult) {
	b := t.b
	group := cp.Properties.Get(message.PropertyProducerGroup)
	conn := b.producers.anyConn(group)
	if conn == nil {
		b.warnings.warn("check-no-producer:"+group, "transaction check: no live producer of the group", "group", group)
		return
	}
	body, err := checkBody(cp)
	if err != nil {
		b.log.Error("transaction check: encode the half message", "queueOffset", cp.QueueOffset, "err", err)
		return
	}
	uniq := cp.Properties.Get(message.PropertyUniqKey)
	ext := map[string]string{
		"tranStateTableOffset": strconv.FormatInt(cp.QueueOffset, 10),
		"commitLogOffset":      strconv.FormatInt(cp.PhysicalOffset, 10),
		"msgId":                uniq,
		"transactionId":        uniq,
		"offsetMsgId":          where.MsgID(),
	}
	if err := conn.Oneway(remoting.NewRequest(remoting.RequestCheckTransactionState, ext, body)); err != nil {
		b.warnings.warn("check-send:"+group, "transaction check: send to the producer", "group", group, "addr", conn.RemoteAddr(), "err", err)
	}
}

// checkBody encodes the copy cp as a record in its real topic and queue.
func checkBody(cp *message.Record) ([]byte, error) {
	r := *cp
	r.Topic = cp.Properties.Get(message.PropertyRealTopic)
	qid, err := strconv.Atoi(cp.Properties.Get(message.PropertyRealQueueID))
	if err != nil || r.Topic == "" {
		return nil, fmt.Errorf("no valid REAL_TOPIC/REAL_QID")
	}
	r.QueueID, r.Magic = int32(qid), 0
	r.BodyCRC = message.BodyCRC(r.Body)
	size, err := message.EncodedSize(&r.Message, r.StoreHost)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, size)
	if _, err := message.Encode(buf, &r); err != nil {
		return nil, err
	}
	return buf, nil
}
