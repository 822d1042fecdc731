package store

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/consumequeue"
	"github.com/rocketstore/rocketstore/message"
)

// dispatchPoll is how often the dispatcher looks for records nobody told it
// about (a put wakes it at once).
const dispatchPoll = 10 * time.Millisecond

// dispatchRetry is the pause after a failed dispatch (a full disk, say)
// before the same record is tried again.
const dispatchRetry = 100 * time.Millisecond

// minRecordSize bounds how many records fit in a span of the log, which
// bounds the gap a record's queue offset may open in its consume queue.
const minRecordSize = 64

// dispatcher follows the commit log and feeds every record to the consume
// queues, the index and the arrival listener. One goroutine runs it.
type dispatcher struct {
	s         *MessageStore
	it        *commitlog.Iterator
	checkCRC  bool  // while catching up after recovery
	indexFrom int64 // records below this are indexed already

	next          atomic.Int64 // offset of the next record to dispatch
	limit         atomic.Int64 // records ending after it wait (HoldUnconfirmed); -1: none
	lastTimestamp atomic.Int64 // store time of the last dispatched record
	records       atomic.Int64 // dispatched since open
	skipped       atomic.Int64 // units refused for an impossible queue offset

	errMu sync.Mutex
	err   error // the last failure, cleared by progress

	wake chan struct{}
	quit chan struct{}
	done chan struct{}
}

func newDispatcher(s *MessageStore, from, indexFrom int64) *dispatcher {
	d := &dispatcher{
		s:         s,
		it:        s.commitLog.NewIterator(from, true),
		checkCRC:  true,
		indexFrom: indexFrom,
		wake:      make(chan struct{}, 1),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	d.next.Store(from)
	d.limit.Store(-1)
	return d
}

// target is where dispatch stops for now: the log's end, or the confirm
// offset when that is lower.
func (d *dispatcher) target() int64 {
	end := d.s.commitLog.MaxOffset()
	if l := d.limit.Load(); l >= 0 && l < end {
		return l
	}
	return end
}

// offset is the commit-log offset up to which everything was dispatched.
func (d *dispatcher) offset() int64 { return d.next.Load() }

// notify wakes the dispatcher after a put.
func (d *dispatcher) notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// catchUp dispatches everything up to the log's end, before the store takes
// writes. It returns how many records it dispatched.
func (d *dispatcher) catchUp() (int64, error) {
	before := d.records.Load()
	err := d.drain()
	if target := d.target(); err == nil && d.offset() < target {
		err = fmt.Errorf("stopped at %d, the log ends at %d", d.offset(), target)
	}
	return d.records.Load() - before, err
}

// start runs the dispatcher in its goroutine. From here on it reads what
// this process appends, so it stops checking body CRCs (as RocketMQ's reput
// does): catchUp checked what was there before.
func (d *dispatcher) start() {
	d.it.Close()
	d.it = d.s.commitLog.NewIterator(d.next.Load(), false)
	d.checkCRC = false
	go d.run()
}

func (d *dispatcher) run() {
	defer close(d.done)
	poll := time.NewTicker(dispatchPoll)
	defer poll.Stop()
	for {
		wait := poll.C
		err := d.drain()
		if err != nil {
			d.setErr(err)
			wait = time.After(dispatchRetry)
		}
		d.s.report.taskResult(TaskDispatch, err)
		select {
		case <-d.quit:
			return
		case <-d.wake:
		case <-wait:
		}
	}
}

// stop dispatches what is left and ends the goroutine.
func (d *dispatcher) stop() error {
	close(d.quit)
	<-d.done
	err := d.drain()
	d.close()
	return err
}

// close releases the iterator.
func (d *dispatcher) close() { d.it.Close() }

// pause ends the goroutine without dispatching what is left; resume starts
// it again. Between the two the caller may move the dispatcher (reposition).
func (d *dispatcher) pause() {
	close(d.quit)
	<-d.done
	d.it.Close()
}

// reposition makes the dispatcher go on from from, indexing records at or
// after indexFrom (the log was cut back, and with it the derived data).
func (d *dispatcher) reposition(from, indexFrom int64) {
	d.next.Store(from)
	d.indexFrom = indexFrom
}

func (d *dispatcher) resume() {
	d.quit = make(chan struct{})
	d.done = make(chan struct{})
	d.it = d.s.commitLog.NewIterator(d.next.Load(), d.checkCRC)
	go d.run()
}

// drain dispatches every record up to the current end of the log, or up
// to the confirm offset when one holds records back.
func (d *dispatcher) drain() error {
	for {
		limit := d.limit.Load()
		if limit >= 0 && d.it.Offset() >= limit {
			break
		}
		if !d.it.Next() {
			break
		}
		e := d.it.Entry()
		if limit >= 0 && e.Offset+int64(len(e.Bytes)) > limit {
			// A confirm offset inside a record (acknowledgements end at
			// records, so only a damaged report does this): the record
			// waits until it is confirmed whole.
			d.it.Close()
			d.it = d.s.commitLog.NewIterator(e.Offset, d.checkCRC)
			break
		}
		if err := d.dispatch(e.Offset, int32(len(e.Bytes)), d.it.Record()); err != nil {
			// Retry this record: rewind so that Next returns it again.
			d.it.Close()
			d.it = d.s.commitLog.NewIterator(e.Offset, d.checkCRC)
			return err
		}
		d.next.Store(d.it.Offset())
		d.records.Add(1)
	}
	if err := d.it.Err(); err != nil {
		// A record that fails its checks cannot be skipped: its size may be
		// wrong too. Start over from it next time, in case it was being
		// replaced (a slave truncating and refilling its log).
		d.it.Close()
		d.it = d.s.commitLog.NewIterator(d.next.Load(), d.checkCRC)
		return err
	}
	// Past a file's blank filler the iterator stands at the next file.
	if d.it.Offset() > d.next.Load() {
		d.next.Store(d.it.Offset())
	}
	d.it.Close() // let go of the window: cleanup must not wait for us
	d.setErr(nil)
	return nil
}

// dispatch feeds one record to the consume queue and the index.
func (d *dispatcher) dispatch(phys int64, size int32, r *message.Record) error {
	if d.s.deleted.hides(r.Topic, phys) {
		return nil // its topic was deleted: neither queued nor indexed again
	}
	tt := message.TransactionType(r.SysFlag)
	if tt == message.TransactionNotType || tt == message.TransactionCommitType {
		q, err := d.s.queues.findOrCreate(r.Topic, r.QueueID)
		if err != nil {
			return err
		}
		if err := d.putUnit(q, phys, size, r); err != nil {
			return err
		}
	}
	if s := d.s; s.index != nil && phys >= d.indexFrom && tt != message.TransactionRollbackType {
		keys := r.Keys()
		uniq := r.Properties.Get(message.PropertyUniqKey)
		if len(keys) > 0 || uniq != "" {
			err := s.index.PutMessage(r.Topic, keys, uniq, phys, r.StoreTimestamp)
			if err != nil && !errors.Is(err, ErrDiskFull) {
				return fmt.Errorf("index: %w", err)
			}
			s.indexed(err)
			if s.cache != nil {
				for _, k := range keys {
					s.cache.keyChanged(r.Topic, k)
				}
				if uniq != "" {
					s.cache.keyChanged(r.Topic, uniq)
				}
			}
		}
	}
	d.lastTimestamp.Store(r.StoreTimestamp)
	return nil
}

// putUnit writes the record's consume-queue unit and tells the listener.
func (d *dispatcher) putUnit(q *consumequeue.Queue, phys int64, size int32, r *message.Record) error {
	end := q.MaxOffset()
	if r.QueueOffset < end {
		return nil // dispatched before (re-dispatch after recovery)
	}
	// A gap means units were lost and are being rebuilt; it can never be
	// wider than the records that fit between this queue's last record and
	// this one. A wider one comes from a damaged header the body CRC does
	// not cover: refusing it keeps one bad record from filling the disk.
	if last := q.MaxPhysicalOffset(); last > 0 && r.QueueOffset-end > (phys-last)/minRecordSize+1 {
		d.skipped.Add(1)
		return nil
	}
	tags := tagsCode(r)
	if r.Topic == ScheduleTopic {
		tags = d.s.deliverAt(r)
	}
	if err := q.Put(r.QueueOffset, consumequeue.Unit{CommitLogOffset: phys, Size: size, TagsCode: tags}); err != nil {
		if errors.Is(err, consumequeue.ErrClosed) {
			return ErrClosed
		}
		return err
	}
	if f := d.s.opts.OnArrival; f != nil {
		f(Arrival{Topic: r.Topic, QueueID: r.QueueID, MaxOffset: r.QueueOffset + 1, TagsCode: tags, StoreTimestamp: r.StoreTimestamp})
	}
	return nil
}

func (d *dispatcher) setErr(err error) {
	d.errMu.Lock()
	d.err = err
	d.errMu.Unlock()
}

func (d *dispatcher) lastErr() error {
	d.errMu.Lock()
	defer d.errMu.Unlock()
	return d.err
}

// tagsCode is the consume-queue tag of a record: the hash of its TAGS.
func tagsCode(r *message.Record) int64 {
	tags, ok := r.Properties.Lookup(message.PropertyTags)
	if !ok || len(tags) == 0 {
		return 0
	}
	return message.TagsCode(string(tags))
}
