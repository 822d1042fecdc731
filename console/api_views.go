package console

import (
	"cmp"
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/rocketstore/rocketstore/admin"
	"github.com/rocketstore/rocketstore/remoting"
)

// brokerView is one broker on the cluster page.
type brokerView struct {
	admin.BrokerRef
	admin.RuntimeStats
	Role string `json:"role"` // master or slave
	// ReplicationLag is, for a slave, the bytes of its master's commit log
	// it does not hold yet; for a master, the largest of its slaves'.
	ReplicationLag int64  `json:"replicationLagBytes"`
	Error          string `json:"error,omitempty"`
}

func (s *Server) apiCluster(ctx context.Context, r *http.Request) (any, error) {
	refs, err := s.admin.Brokers(ctx, "")
	if err != nil {
		return nil, err
	}
	views := make([]brokerView, len(refs))
	for i, ref := range refs {
		v := brokerView{BrokerRef: ref, Role: "slave"}
		if ref.BrokerID == admin.MasterID {
			v.Role = "master"
		}
		if kv, err := s.admin.RuntimeInfo(ctx, ref.Addr); err != nil {
			v.Error = err.Error()
		} else {
			v.RuntimeStats = admin.ParseRuntimeStats(kv)
		}
		views[i] = v
	}
	fillReplicationLag(views)
	return struct {
		NameServers []string     `json:"nameServers"`
		Brokers     []brokerView `json:"brokers"`
	}{s.admin.NameServers(), views}, nil
}

// topicView is one topic on the topics page.
type topicView struct {
	Topic       string   `json:"topic"`
	Brokers     []string `json:"brokers"`
	ReadQueues  int32    `json:"readQueues"`
	WriteQueues int32    `json:"writeQueues"`
	Perm        string   `json:"perm"`
	// Messages is what the queues hold: the sum of max minus min offsets.
	Messages int64  `json:"messages"`
	Rate     *Rate  `json:"rate,omitempty"`
	System   bool   `json:"system"`
	Error    string `json:"error,omitempty"`
}

// fillReplicationLag sets each slave's lag behind its master (the bytes of
// the master's commit log it does not hold) and each master's largest. A
// broker that did not report its offsets gets none.
func fillReplicationLag(views []brokerView) {
	masters := map[string]int{} // broker name → index of its master
	for i, v := range views {
		if v.Role == "master" && v.Error == "" {
			masters[v.BrokerName] = i
		}
	}
	for i, v := range views {
		m, ok := masters[v.BrokerName]
		if v.Role != "slave" || !ok || v.Error != "" {
			continue
		}
		views[i].ReplicationLag = max(views[m].CommitLogMaxOffset-v.CommitLogMaxOffset, 0)
		views[m].ReplicationLag = max(views[m].ReplicationLag, views[i].ReplicationLag)
	}
}

// isSystemTopic reports RocketMQ's internal topics: retry and dead-letter
// queues, the auto-creation template, schedule, transaction and trace
// topics.
func isSystemTopic(t string) bool {
	return strings.HasPrefix(t, "%RETRY%") || strings.HasPrefix(t, "%DLQ%") || strings.HasPrefix(t, "RMQ_SYS_") ||
		strings.HasPrefix(t, "rmq_sys_") || t == "TBW102" || t == "SCHEDULE_TOPIC_XXXX" || t == "OFFSET_MOVED_EVENT" || t == "SELF_TEST_TOPIC"
}

func (s *Server) apiTopics(ctx context.Context, r *http.Request) (any, error) {
	masters, err := s.admin.Masters(ctx, "")
	if err != nil {
		return nil, err
	}
	topics := map[string]*topicView{}
	var errs []string
	for _, m := range masters {
		w, err := s.admin.AllTopicConfig(ctx, m.Addr)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		for name, tc := range w.TopicConfigTable {
			v := topics[name]
			if v == nil {
				v = &topicView{Topic: name, Perm: admin.PermString(tc.Perm), System: isSystemTopic(name)}
				topics[name] = v
			}
			v.Brokers = append(v.Brokers, m.BrokerName)
			v.ReadQueues += tc.ReadQueueNums
			v.WriteQueues += tc.WriteQueueNums
			ts, err := s.admin.TopicStats(ctx, m.Addr, name)
			if err != nil {
				v.Error = err.Error()
				continue
			}
			for _, off := range ts.OffsetTable {
				v.Messages += off.MaxOffset - off.MinOffset
			}
		}
	}
	out := make([]topicView, 0, len(topics))
	for _, v := range topics {
		if rate, ok := s.sampler.topicRate(v.Topic); ok {
			v.Rate = &rate
		}
		slices.Sort(v.Brokers)
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b topicView) int { return strings.Compare(a.Topic, b.Topic) })
	return struct {
		Topics []topicView `json:"topics"`
		Errors []string    `json:"errors,omitempty"`
	}{out, errs}, nil
}

// queueOffsets is one queue on a topic's page.
type queueOffsets struct {
	BrokerName string `json:"brokerName"`
	QueueID    int32  `json:"queueId"`
	admin.TopicOffset
}

// groupLag is one consumer group of a topic.
type groupLag struct {
	Group string `json:"group"`
	Lag   int64  `json:"lag"`
	Error string `json:"error,omitempty"`
}

func (s *Server) apiTopic(ctx context.Context, r *http.Request) (any, error) {
	topic, err := param(r, "topic")
	if err != nil {
		return nil, err
	}
	route, err := s.admin.TopicRoute(ctx, topic)
	if err != nil {
		return nil, err
	}
	stats, err := s.admin.TopicStatus(ctx, topic)
	if err != nil {
		return nil, err
	}
	queues := make([]queueOffsets, 0, len(stats.OffsetTable))
	for q, off := range stats.OffsetTable {
		queues = append(queues, queueOffsets{q.BrokerName, q.QueueID, off})
	}
	slices.SortFunc(queues, func(a, b queueOffsets) int {
		return cmp.Or(strings.Compare(a.BrokerName, b.BrokerName), cmp.Compare(a.QueueID, b.QueueID))
	})
	groupSet := map[string]bool{}
	for _, bd := range route.BrokerDatas {
		if addr := bd.MasterAddr(); addr != "" {
			names, err := s.admin.TopicConsumers(ctx, addr, topic)
			if err != nil {
				return nil, err
			}
			for _, g := range names {
				groupSet[g] = true
			}
		}
	}
	groups := []groupLag{}
	for _, g := range slices.Sorted(maps.Keys(groupSet)) {
		gl := groupLag{Group: g}
		if p, err := s.admin.ConsumerProgress(ctx, g, topic); err != nil {
			gl.Error = err.Error()
		} else {
			gl.Lag = p.DiffTotal
		}
		groups = append(groups, gl)
	}
	var rate *Rate
	if r, ok := s.sampler.topicRate(topic); ok {
		rate = &r
	}
	return struct {
		Topic  string               `json:"topic"`
		Route  admin.TopicRouteData `json:"route"`
		Queues []queueOffsets       `json:"queues"`
		Groups []groupLag           `json:"groups"`
		Rate   *Rate                `json:"rate,omitempty"`
	}{topic, route, queues, groups, rate}, nil
}

// groupView is one consumer group on the groups page.
type groupView struct {
	Group   string   `json:"group"`
	Members int      `json:"members"`
	Lag     int64    `json:"lag"`
	Tps     float64  `json:"consumeTps"`
	Topics  []string `json:"topics"`
}

func (s *Server) apiGroups(ctx context.Context, r *http.Request) (any, error) {
	masters, err := s.admin.Masters(ctx, "")
	if err != nil {
		return nil, err
	}
	groups := map[string]*groupView{}
	get := func(name string) *groupView {
		if groups[name] == nil {
			groups[name] = &groupView{Group: name, Topics: []string{}}
		}
		return groups[name]
	}
	var errs []string
	for _, m := range masters {
		if w, err := s.admin.SubscriptionGroups(ctx, m.Addr); err != nil {
			errs = append(errs, err.Error())
		} else {
			for name := range w.SubscriptionGroupTable {
				get(name)
			}
		}
		l, err := s.admin.BrokerConsumeStats(ctx, m.Addr)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		for _, entry := range l.ConsumeStatsList {
			for name, stats := range entry {
				g := get(name)
				for _, cs := range stats {
					g.Lag += cs.TotalDiff()
					g.Tps += cs.ConsumeTps
					for q := range cs.OffsetTable {
						if !slices.Contains(g.Topics, q.Topic) {
							g.Topics = append(g.Topics, q.Topic)
						}
					}
				}
			}
		}
	}
	out := make([]groupView, 0, len(groups))
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		g := groups[name]
		for _, m := range masters {
			cc, err := s.admin.ConsumerConnectionOf(ctx, m.Addr, name)
			if err == nil {
				g.Members = max(g.Members, len(cc.ConnectionSet))
			} else if !admin.IsCode(err, remoting.ResponseConsumerNotOnline) {
				errs = append(errs, err.Error())
			}
		}
		slices.Sort(g.Topics)
		out = append(out, *g)
	}
	return struct {
		Groups []groupView `json:"groups"`
		Errors []string    `json:"errors,omitempty"`
	}{out, errs}, nil
}

func (s *Server) apiGroup(ctx context.Context, r *http.Request) (any, error) {
	group, err := param(r, "group")
	if err != nil {
		return nil, err
	}
	progress, err := s.admin.GroupProgress(ctx, group)
	if err != nil {
		return nil, err
	}
	masters, err := s.admin.Masters(ctx, "")
	if err != nil {
		return nil, err
	}
	members := admin.ConsumerConnection{ConnectionSet: []admin.Connection{}, SubscriptionTable: map[string]admin.SubscriptionData{}}
	seen := map[string]bool{}
	for _, m := range masters {
		cc, err := s.admin.ConsumerConnectionOf(ctx, m.Addr, group)
		if admin.IsCode(err, remoting.ResponseConsumerNotOnline) {
			continue
		}
		if err != nil {
			return nil, err
		}
		members.ConsumeType, members.MessageModel, members.ConsumeFromWhere = cc.ConsumeType, cc.MessageModel, cc.ConsumeFromWhere
		for _, c := range cc.ConnectionSet {
			if !seen[c.ClientID] {
				seen[c.ClientID] = true
				members.ConnectionSet = append(members.ConnectionSet, c)
			}
		}
		for t, sd := range cc.SubscriptionTable {
			members.SubscriptionTable[t] = sd
		}
	}
	slices.SortFunc(members.ConnectionSet, func(a, b admin.Connection) int { return strings.Compare(a.ClientID, b.ClientID) })
	topics := []string{}
	for _, q := range progress.Queues {
		if !slices.Contains(topics, q.Queue.Topic) {
			topics = append(topics, q.Queue.Topic)
		}
	}
	for t := range members.SubscriptionTable {
		if !slices.Contains(topics, t) {
			topics = append(topics, t)
		}
	}
	slices.Sort(topics)
	return struct {
		Group    string                   `json:"group"`
		Progress admin.Progress           `json:"progress"`
		Members  admin.ConsumerConnection `json:"members"`
		Topics   []string                 `json:"topics"`
	}{group, progress, members, topics}, nil
}

// messageSummary is one message in a look-up's result list.
type messageSummary struct {
	MsgID          string   `json:"msgId"`
	OffsetMsgID    string   `json:"offsetMsgId"`
	Topic          string   `json:"topic"`
	QueueID        int32    `json:"queueId"`
	QueueOffset    int64    `json:"queueOffset"`
	Tags           string   `json:"tags"`
	Keys           []string `json:"keys"`
	StoreTimestamp int64    `json:"storeTimestamp"`
	BodySize       int      `json:"bodySize"`
}

func (s *Server) apiMessages(ctx context.Context, r *http.Request) (any, error) {
	topic, err := param(r, "topic")
	if err != nil {
		return nil, err
	}
	key, err := param(r, "key")
	if err != nil {
		return nil, err
	}
	msgs, err := s.admin.QueryMessageByKey(ctx, topic, key, admin.QueryOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]messageSummary, len(msgs))
	for i, m := range msgs {
		out[i] = messageSummary{m.MsgID, m.OffsetMsgID, m.Topic, m.QueueID, m.QueueOffset, m.Tags, m.Keys, m.StoreTimestamp, len(m.Body)}
	}
	return out, nil
}

// maxBodyPreview bounds the body text the console shows.
const maxBodyPreview = 64 << 10

// messageDetail is a message with its body as text when it is text.
type messageDetail struct {
	admin.Message
	// BodyText is the body's first maxBodyPreview bytes when they are
	// UTF-8 text; BodyTruncated says the body is longer.
	BodyText      string `json:"bodyText,omitempty"`
	BodyBinary    bool   `json:"bodyBinary"`
	BodyTruncated bool   `json:"bodyTruncated"`
	BodySize      int    `json:"bodySize"`
}

func (s *Server) apiMessage(ctx context.Context, r *http.Request) (any, error) {
	id, err := param(r, "id")
	if err != nil {
		return nil, err
	}
	m, err := s.admin.QueryMessageByID(ctx, r.URL.Query().Get("topic"), id)
	if err != nil {
		return nil, err
	}
	d := messageDetail{Message: m, BodySize: len(m.Body)}
	preview := m.Body
	if len(preview) > maxBodyPreview {
		preview, d.BodyTruncated = preview[:maxBodyPreview], true
	}
	if text, ok := textOf(preview, d.BodyTruncated); ok {
		d.BodyText = text
	} else {
		d.BodyBinary = true
	}
	if len(d.Body) > maxBodyPreview {
		d.Body = d.Body[:maxBodyPreview]
	}
	return d, nil
}

func (s *Server) apiTrace(ctx context.Context, r *http.Request) (any, error) {
	id, err := param(r, "id")
	if err != nil {
		return nil, err
	}
	events, err := s.admin.QueryTrace(ctx, r.URL.Query().Get("traceTopic"), id, admin.QueryOptions{})
	if err != nil {
		return nil, err
	}
	return events, nil
}
