package broker

import (
	"errors"
	"strconv"
	"sync"

	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

// errResolutionInProgress refuses a commit or rollback while another of
// the same transaction is being written.
var errResolutionInProgress = errors.New("a commit or rollback of this transaction is being written")

// transactions knows which half messages are resolved: the op records from
// the op progress on, read from the op queue and added as END_TRANSACTION
// writes them. The check service and END_TRANSACTION consult it under mu,
// and the check service puts half messages back under mu, so that a half
// message is never both checked and resolved unnoticed.
//
// Besides RocketMQ's record of resolved queue offsets, it keeps the
// UNIQ_KEYs of resolved messages until the check service has passed every
// copy of them (each check puts a copy of the half message back in the half
// queue), and the keys of messages with a copy still open: a producer
// answering a check late, after the next copy was checked too, or
// answering both the send and a check, or the same END_TRANSACTION twice,
// commits once. A half message the check service has passed can only be
// ended while a copy of it is open (and ending it ends the copy); any other
// end of it is a repeat, or comes after it was given up.
type transactions struct {
	b *Broker

	mu       sync.Mutex
	resolved map[int64]bool   // half queue offsets with an op record in ops
	ops      map[int64]int64  // op queue offset → half queue offset it resolves (-1: malformed)
	keys     map[string]int64 // UNIQ_KEY of a resolved message → the half queue offset every copy of it lies below
	pending  map[int64]bool   // half queue offsets whose resolution is being written
	pendKeys map[string]bool  // their UNIQ_KEYs
	opsRead  int64            // op records below this offset are in ops
	copies   int64            // one past the highest half queue offset a copy got
	passed   int64            // the check service's half progress (-1: not read yet)
	open     map[string]int64 // UNIQ_KEY of a message with an unresolved copy → the copy's offset
}

func newTransactions(b *Broker) *transactions {
	return &transactions{b: b, resolved: map[int64]bool{}, ops: map[int64]int64{}, keys: map[string]int64{},
		pending: map[int64]bool{}, pendKeys: map[string]bool{}, passed: -1, open: map[string]int64{}}
}

// txnState is what is known of a half message.
type txnState int

const (
	txnOpen     txnState = iota // unresolved
	txnResolved                 // committed or rolled back (maybe as another copy)
	txnPending                  // a resolution is being written
)

// stateLocked says whether the half message rec, at half queue offset qo,
// is resolved.
func (t *transactions) stateLocked(rec *message.Record, qo int64) txnState {
	uniq := rec.Properties.Get(message.PropertyUniqKey)
	if t.pending[qo] || uniq != "" && t.pendKeys[uniq] {
		return txnPending
	}
	if _, ok := t.keys[uniq]; t.resolved[qo] || uniq != "" && ok {
		return txnResolved
	}
	if v, err := strconv.ParseInt(rec.Properties.Get(propPreparedQueueOffset), 10, 64); err == nil && t.resolved[v] {
		return txnResolved
	}
	return txnOpen
}

// resolve commits or rolls back the half message and answers the
// END_TRANSACTION req; an error refuses it.
func (t *transactions) resolve(req *remoting.Command, half *message.Record, commit bool) (*remoting.Command, error) {
	qo, uniq := half.QueueOffset, half.Properties.Get(message.PropertyUniqKey)
	t.mu.Lock()
	if t.passed < 0 {
		t.passed = t.progress(TransHalfTopic)
	}
	state := t.stateLocked(half, qo)
	if _, copyOpen := t.open[uniq]; state == txnOpen && qo < t.passed && uniq != "" && !copyOpen {
		state = txnResolved // passed without a copy: resolved or given up already
	}
	switch state {
	case txnResolved:
		t.mu.Unlock()
		return nil, errAlreadyResolved
	case txnPending:
		t.mu.Unlock()
		return nil, errResolutionInProgress
	}
	t.pending[qo] = true
	if uniq != "" {
		t.pendKeys[uniq] = true
	}
	t.mu.Unlock()

	results, err := t.b.writeResolution(half, commit)
	stored := err == nil || errors.Is(err, store.ErrFlushTimeout) && len(results) > 0

	t.mu.Lock()
	delete(t.pending, qo)
	delete(t.pendKeys, uniq)
	if stored {
		t.addLocked(results[len(results)-1].QueueOffset, qo, uniq)
		delete(t.open, uniq)
	}
	t.mu.Unlock()
	return t.b.resolutionResponse(req, results, err), nil
}

// addLocked records the op record at opOffset, which resolves the half
// message at halfOffset with UNIQ_KEY uniq.
func (t *transactions) addLocked(opOffset, halfOffset int64, uniq string) {
	t.ops[opOffset] = halfOffset
	if halfOffset < 0 {
		return
	}
	t.resolved[halfOffset] = true
	if uniq != "" {
		t.keys[uniq] = max(t.keys[uniq], t.copies, halfOffset+1)
	}
}

// progress is the check service's offset in topic's queue 0: the group
// CID_RMQ_SYS_TRANS's committed offset, or the queue's start.
func (t *transactions) progress(topic string) int64 {
	first := t.b.store.GetMinOffsetInQueue(topic, 0)
	off, ok := t.b.offsets.query(transCheckGroup, topic, 0)
	if !ok || off < first {
		return first
	}
	return off
}

// readOpsLocked adds the op records from the op progress (or where it read
// last) to the queue's end.
func (t *transactions) readOpsLocked(opProgress int64) {
	st := t.b.store
	if t.copies == 0 {
		// First read since start: copies made before may lie anywhere
		// below the half queue's end.
		t.copies = st.GetMaxOffsetInQueue(TransHalfTopic, 0)
	}
	next := max(t.opsRead, opProgress)
	for {
		r, err := st.GetMessage(transCheckGroup, TransOpHalfTopic, 0, next, 32, nil)
		if err != nil {
			t.b.log.Error("transaction check: read op records", "offset", next, "err", err)
			return
		}
		if r.Status != store.Found {
			r.Release()
			if r.Status == store.OffsetTooSmall || r.Status == store.NoMatchedMessage || r.Status == store.MessageWasRemoving {
				if r.NextBeginOffset > next {
					next = r.NextBeginOffset
					continue
				}
			}
			break
		}
		for i, e := range r.Messages {
			t.addOpLocked(r.QueueOffsets[i], e.Bytes)
		}
		next = max(r.QueueOffsets[len(r.QueueOffsets)-1]+1, r.NextBeginOffset)
		r.Release()
	}
	t.opsRead = next
}

// addOpLocked records one op record read from the op queue.
func (t *transactions) addOpLocked(opOffset int64, raw []byte) {
	if _, ok := t.ops[opOffset]; ok {
		return // written by this process: known already
	}
	rec, err := message.Decode(raw, false)
	var halfOffset int64 = -1
	if err == nil && rec.Tags() == opRemoveTag {
		halfOffset, err = strconv.ParseInt(string(rec.Body), 10, 64)
	} else if err == nil {
		err = errors.New("tag " + strconv.Quote(rec.Tags()) + " is not " + opRemoveTag)
	}
	if err != nil || halfOffset < 0 {
		// Passed over, so that the op progress does not stop at it.
		t.b.log.Error("transaction check: malformed op record skipped", "opOffset", opOffset, "err", err)
		t.ops[opOffset] = -1
		return
	}
	t.addLocked(opOffset, halfOffset, t.uniqKeyAt(halfOffset))
}

// uniqKeyAt is the UNIQ_KEY of the half message at halfOffset, or "".
func (t *transactions) uniqKeyAt(halfOffset int64) string {
	r, err := t.b.store.GetMessage(transCheckGroup, TransHalfTopic, 0, halfOffset, 1, nil)
	if err != nil {
		return ""
	}
	defer r.Release()
	if r.Status != store.Found || r.QueueOffsets[0] != halfOffset {
		return ""
	}
	rec, err := r.Messages[0].Decode(false)
	if err != nil {
		return ""
	}
	return rec.Properties.Get(message.PropertyUniqKey)
}

// advanceLocked forgets what the check service has passed: half messages
// below half, the op records of those (contiguous from opProgress), and
// keys whose every copy lies below half. It returns the new op progress.
func (t *transactions) advanceLocked(half, opProgress int64) int64 {
	op := opProgress
	for {
		h, ok := t.ops[op]
		if !ok || h >= half {
			break
		}
		delete(t.ops, op)
		delete(t.resolved, h)
		op++
	}
	for k, until := range t.keys {
		if until <= half {
			delete(t.keys, k)
		}
	}
	return op
}
