package broker

import (
	"errors"
	"time"

	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
	"github.com/rocketstore/rocketstore/timer"
)

// errTimerInBatch refuses timer properties on batched messages: RocketMQ
// has no timer batches, and delivering them at once would be a silent
// wrong answer.
var errTimerInBatch = errors.New("timer message illegal: timer properties (TIMER_DELIVER_MS, TIMER_DELAY_SEC, TIMER_DELAY_MS) are not supported in a batch")

// timerOptions are the broker's timer options with the store's file
// system and the broker's logger.
func (b *Broker) timerOptions() *timer.Options {
	o := b.opts.Timer
	if o.FS == nil {
		o.FS = b.opts.Store.FS
	}
	if o.Logger == nil {
		o.Logger = b.log
	}
	return &o
}

// openTimer starts the timer on a master whose timer is enabled; it keeps
// its files beside the store's. A slave runs none (it copies the master's
// checkpoint instead).
func (b *Broker) openTimer() error {
	if !b.isMaster() || b.opts.Timer.Disabled {
		return nil
	}
	t, err := timer.Open(b.store.Root(), deletedTopicFilter{timer.FromMessageStore(b.store), b}, b.timerOptions())
	if err != nil {
		return err
	}
	b.timer.Store(t)
	return nil
}

// closeTimer closes the running timer, if any (the broker closes, or
// stops being master).
func (b *Broker) closeTimer() error {
	if t := b.timer.Swap(nil); t != nil {
		return t.Close()
	}
	return nil
}

// arrived is the store's arrival listener: it wakes suspended pulls, and
// the timer when a timer message arrived.
func (b *Broker) arrived(a store.Arrival) {
	b.polls.arrived(a)
	if a.Topic == timer.Topic {
		if t := b.timer.Load(); t != nil {
			t.Notify()
		}
	}
}

// rewriteTimer makes m a timer message when its producer asked for one
// (timer.Rewrite), and says how a refusal is answered: MESSAGE_ILLEGAL, as
// RocketMQ answers WHEEL_TIMER_NOT_ENABLE and WHEEL_TIMER_MSG_ILLEGAL.
func (b *Broker) rewriteTimer(m *message.Message) (int16, error) {
	o := &b.opts.Timer
	if _, err := timer.Rewrite(m, time.Now(), o.MaxDelay, !o.Disabled); err != nil {
		b.refusals.warn(b.log, "timer:"+m.Topic, "timer message refused", "topic", m.Topic, "err", err)
		return remoting.ResponseMessageIllegal, err
	}
	return remoting.ResponseSuccess, nil
}

// checkBatchTimer refuses a batch holding timer messages.
func (b *Broker) checkBatchTimer(m *message.Message) error {
	if timer.HasTimerProperty(m.Properties) {
		b.refusals.warn(b.log, "timer-batch:"+m.Topic, "timer message refused", "topic", m.Topic, "err", errTimerInBatch)
		return errTimerInBatch
	}
	return nil
}

// handleGetTimerCheckPoint answers the timer's last checkpoint, RocketMQ's
// 56 bytes followed by rocketstore's (for slaves).
func (b *Broker) handleGetTimerCheckPoint(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	t := b.timer.Load()
	if t == nil {
		return remoting.NewResponse(req, remoting.ResponseSystemError, "the timer does not run on this broker (a slave, or timerWheelEnable=false)")
	}
	cp, ok := t.Checkpoint()
	if !ok {
		return remoting.NewResponse(req, remoting.ResponseSystemError, "the timer has no checkpoint yet")
	}
	resp := remoting.NewResponse(req, remoting.ResponseSuccess, "")
	resp.Body = cp.Encode()
	return resp
}

// syncTimerCheckpoint stores the master's timer checkpoint as the slave's
// own, marked as the master's.
func (b *Broker) syncTimerCheckpoint(body []byte) error {
	cp, err := timer.DecodeCheckpoint(body)
	if err != nil {
		return err
	}
	return timer.WriteCheckpoint(b.opts.Store.FS, b.store.Root(), cp)
}
