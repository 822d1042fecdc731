package broker

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rocketstore/rocketstore/filter"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

// pullRefusal is why a pull is refused: the response code and the remark.
type pullRefusal struct {
	code int16
	err  error
}

// pullFilter chooses the filter of a pull as RocketMQ's PullMessageProcessor
// does. With the subscription bit, the pull's own expression and type;
// without it, the subscription the group registered for the topic through
// its heartbeats, which must exist and be at least as recent as the pull's
// subVersion. SQL92 (any type but TAG) needs EnablePropertyFilter. A nil
// filter means every message; expressions are compiled once (the group's
// when registered, the pull's through the broker's cache).
func (b *Broker) pullFilter(h *remoting.PullMessageRequestHeader) (store.MessageFilter, *pullRefusal) {
	var sub *subscription
	typ := h.ExpressionType
	if h.SysFlag&pullSubscription == 0 {
		var groupKnown bool
		sub, groupKnown = b.consumers.subs.find(h.ConsumerGroup, h.Topic)
		switch {
		case !groupKnown:
			return nil, &pullRefusal{remoting.ResponseSubscriptionNotExist,
				fmt.Errorf("the consumer's group info not exist: group %s has sent no heartbeat", h.ConsumerGroup)}
		case sub == nil:
			return nil, &pullRefusal{remoting.ResponseSubscriptionNotExist,
				fmt.Errorf("the consumer's subscription not exist: group %s does not subscribe to %s", h.ConsumerGroup, h.Topic)}
		case sub.SubVersion < h.SubVersion:
			return nil, &pullRefusal{remoting.ResponseSubscriptionNotLatest,
				fmt.Errorf("the consumer's subscription not latest: the broker has version %d, the pull %d", sub.SubVersion, h.SubVersion)}
		}
		typ = sub.ExpressionType
	}
	if err := b.checkPropertyFilter(typ); err != nil {
		return nil, &pullRefusal{remoting.ResponseSystemError, err}
	}
	var f filter.Filter
	var err error
	if sub != nil {
		f, err = sub.filter, sub.err
	} else {
		f, err = b.filters.Compile(typ, h.Subscription)
	}
	if err != nil {
		return nil, &pullRefusal{remoting.ResponseSubscriptionParseFailed,
			fmt.Errorf("parse the consumer's subscription failed: %w", err)}
	}
	return f, nil
}

// errPropertyFilterOff is why a broker without EnablePropertyFilter refuses
// a subscription that is not by tag.
var errPropertyFilterOff = errors.New("enablePropertyFilter is off")

// checkPropertyFilter refuses an expression type other than TAG when
// property filtering is off, with RocketMQ's remark and the setting's name.
func (b *Broker) checkPropertyFilter(typ string) error {
	if filter.IsTag(typ) || b.opts.EnablePropertyFilter {
		return nil
	}
	return fmt.Errorf("the broker does not support consumer to filter message by %s (%w)", typ, errPropertyFilterOff)
}

// reportSubscriptions logs the subscriptions a heartbeat registered that no
// pull will be able to use: they do not compile, or need property
// filtering. Heartbeats repeat an unchanged subscription without a new
// version, so each leaves one line.
func (b *Broker) reportSubscriptions(c *remoting.Conn, group string, subs []*subscription) {
	for _, s := range subs {
		err := b.checkPropertyFilter(s.ExpressionType)
		if err == nil {
			err = s.err
		}
		if err != nil {
			b.log.Warn("subscription refused", "addr", c.RemoteAddr(), "group", group, "topic", s.Topic,
				"type", s.ExpressionType, "expression", s.SubString, "err", err)
		}
	}
}

// checkClientBody is the body of CHECK_CLIENT_CONFIG
// (CheckClientRequestBody).
type checkClientBody struct {
	ClientID         string            `json:"clientId"`
	Group            string            `json:"group"`
	SubscriptionData *subscriptionData `json:"subscriptionData"`
}

// handleCheckClientConfig answers CHECK_CLIENT_CONFIG, which clients send
// before subscribing with SQL92, as RocketMQ's ClientManageProcessor does:
// SUCCESS for a TAG subscription or a valid expression, SYSTEM_ERROR when
// property filtering is off, SUBSCRIPTION_PARSE_FAILED with the reason
// when the expression does not compile.
func (b *Broker) handleCheckClientConfig(c *remoting.Conn, req *remoting.Command) *remoting.Command {
	var body checkClientBody
	if err := json.Unmarshal(req.Body, &body); err != nil {
		return b.refuse(c, req, remoting.ResponseInvalidParameter, fmt.Errorf("check client config body: %w", err))
	}
	sd := body.SubscriptionData
	if sd == nil {
		return remoting.NewResponse(req, remoting.ResponseSuccess, "")
	}
	if err := b.checkPropertyFilter(sd.ExpressionType); err != nil {
		return b.refuse(c, req, remoting.ResponseSystemError, err, "group", body.Group, "topic", sd.Topic)
	}
	if _, err := b.filters.Compile(sd.ExpressionType, sd.SubString); err != nil {
		return b.refuse(c, req, remoting.ResponseSubscriptionParseFailed, err, "group", body.Group, "topic", sd.Topic)
	}
	return remoting.NewResponse(req, remoting.ResponseSuccess, "")
}

// refuse answers req with code and err's text, and logs the refusal: once
// a minute per client, request and code, as a client may retry in a loop.
// attrs add key/value pairs to the line.
func (b *Broker) refuse(c *remoting.Conn, req *remoting.Command, code int16, err error, attrs ...any) *remoting.Command {
	addr := c.RemoteAddr()
	cause := fmt.Sprintf("%s %d %d", addr, req.Code, code)
	args := append([]any{"addr", addr, "request", req.Code, "code", code}, attrs...)
	b.refusals.warn(b.log, cause, "request refused", append(args, "err", err)...)
	return errorResponse(req, code, err)
}
