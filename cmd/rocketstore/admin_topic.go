package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rocketstore/rocketstore/admin"
)

// topicListRow is one topic of topicList -c.
type topicListRow struct {
	Cluster string   `json:"cluster"`
	Topic   string   `json:"topic"`
	Groups  []string `json:"consumerGroups"`
}

func runTopicList(e *adminEnv, args []string) error {
	var clusterModel bool
	e.fs.BoolVar(&clusterModel, "c", false, "with each topic's cluster and consumer groups")
	e.fs.BoolVar(&clusterModel, "clusterModel", false, "same as -c")
	if err := e.parse(args, "n"); err != nil {
		return err
	}
	topics, err := e.client.TopicList(e.ctx)
	if err != nil {
		return err
	}
	if !clusterModel {
		return e.emit(topics, func(t *tableWriter) {
			for _, topic := range topics {
				t.row(topic)
			}
		})
	}
	var rows []topicListRow
	var errs []error
	for _, topic := range topics {
		rd, err := e.client.TopicRoute(e.ctx, topic)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, bd := range rd.BrokerDatas {
			row := topicListRow{Cluster: bd.Cluster, Topic: topic}
			if addr := bd.MasterAddr(); addr != "" {
				if row.Groups, err = e.client.TopicConsumers(e.ctx, addr, topic); err != nil {
					errs = append(errs, err)
				}
			}
			rows = append(rows, row)
			break // one row per topic, as mqadmin prints
		}
	}
	err = e.emit(rows, func(t *tableWriter) {
		t.row("#Cluster Name", "#Topic", "#Consumer Group")
		for _, r := range rows {
			t.row(r.Cluster, r.Topic, strings.Join(r.Groups, ","))
		}
	})
	if err != nil {
		return err
	}
	return joinErrors("topic look-ups", errs)
}

func runTopicRoute(e *adminEnv, args []string) error {
	var topic string
	e.str(&topic, "t", "topic", "", "topic name")
	if err := e.parse(args, "n", "t"); err != nil {
		return err
	}
	rd, err := e.client.TopicRoute(e.ctx, topic)
	if err != nil {
		return err
	}
	return e.emit(rd, func(t *tableWriter) {
		addrs := map[string]admin.BrokerData{}
		for _, bd := range rd.BrokerDatas {
			addrs[bd.BrokerName] = bd
		}
		qds := slices.Clone(rd.QueueDatas)
		slices.SortFunc(qds, func(a, b admin.QueueData) int { return strings.Compare(a.BrokerName, b.BrokerName) })
		t.row("#ClusterName", "#BrokerName", "#BrokerAddrs", "#ReadQueue", "#WriteQueue", "#Perm")
		var reads, writes int32
		for _, qd := range qds {
			bd := addrs[qd.BrokerName]
			t.row(bd.Cluster, qd.BrokerName, formatBrokerAddrs(bd.BrokerAddrs), qd.ReadQueueNums, qd.WriteQueueNums, admin.PermString(qd.Perm))
			reads += qd.ReadQueueNums
			writes += qd.WriteQueueNums
		}
		t.row("Total:", len(qds), "", reads, writes, "")
	})
}

// formatBrokerAddrs prints {0=addr, 1=addr} as Java prints the map.
func formatBrokerAddrs(m map[int64]string) string {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%d=%s", id, m[id])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// queueStatus is one row of topicStatus.
type queueStatus struct {
	Queue admin.MessageQueue `json:"queue"`
	admin.TopicOffset
}

// topicStatus is topicStatus's result.
type topicStatus struct {
	Topic       string        `json:"topic"`
	Queues      []queueStatus `json:"queues"`
	TopicPutTps float64       `json:"topicPutTps"`
}

func runTopicStatus(e *adminEnv, args []string) error {
	var topic string
	e.str(&topic, "t", "topic", "", "topic name")
	if err := e.parse(args, "n", "t"); err != nil {
		return err
	}
	ts, err := e.client.TopicStatus(e.ctx, topic)
	if err != nil {
		return err
	}
	st := topicStatus{Topic: topic, TopicPutTps: ts.TopicPutTps}
	for q, off := range ts.OffsetTable {
		st.Queues = append(st.Queues, queueStatus{q, off})
	}
	slices.SortFunc(st.Queues, func(a, b queueStatus) int { return admin.CompareQueues(a.Queue, b.Queue) })
	return e.emit(st, func(t *tableWriter) {
		t.row("#Broker Name", "#QID", "#Min Offset", "#Max Offset", "#Last Updated")
		for _, q := range st.Queues {
			t.row(q.Queue.BrokerName, q.Queue.QueueID, q.MinOffset, q.MaxOffset, formatMillis(q.LastUpdateTimestamp))
		}
		t.line("")
		t.line("Topic Put TPS: %.2f", st.TopicPutTps)
	})
}

func runUpdateTopic(e *adminEnv, args []string) error {
	var addr, cluster, topic, reads, writes, perm, order, attrs string
	e.str(&addr, "b", "brokerAddr", "", "create the topic on this broker")
	e.str(&cluster, "c", "clusterName", "", "create the topic on every master of this cluster")
	e.str(&topic, "t", "topic", "", "topic name")
	e.str(&reads, "r", "readQueueNums", "8", "read queues")
	e.str(&writes, "w", "writeQueueNums", "8", "write queues")
	e.str(&perm, "p", "perm", "6", "permission: 2 write, 4 read, 6 both")
	e.fs.StringVar(&order, "order", "false", "ordered topic (mqadmin -o)")
	e.str(&attrs, "a", "attributes", "", "attributes, +key=value,+key=value")
	if err := e.parse(args, "t"); err != nil {
		return err
	}
	tc := admin.TopicConfig{TopicName: topic}
	for _, f := range []struct {
		name, v string
		dst     *int32
	}{{"r", reads, &tc.ReadQueueNums}, {"w", writes, &tc.WriteQueueNums}, {"p", perm, &tc.Perm}} {
		n, err := parseIntFlag(f.name, f.v, 0)
		if err != nil {
			return err
		}
		*f.dst = int32(n)
	}
	var err error
	if tc.Order, err = parseBoolFlag("order", order, false); err != nil {
		return err
	}
	if tc.Attributes, err = parseAttributes(attrs); err != nil {
		return err
	}
	targets, err := e.brokerTargets(addr, cluster, false)
	if err != nil {
		return err
	}
	return e.applyToBrokers(targets, "create topic to %s success.", func(a string) error {
		return e.client.CreateTopic(e.ctx, a, tc)
	})
}

// parseAttributes reads mqadmin's attribute list: +key=value, comma-separated
// (the '+' may be left out).
func parseAttributes(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(part), "+"), "=")
		if !ok || k == "" {
			return nil, usageError(fmt.Sprintf("attribute %q: want +key=value", part))
		}
		out[k] = v
	}
	return out, nil
}

func runDeleteTopic(e *adminEnv, args []string) error {
	var topic, cluster string
	e.str(&topic, "t", "topic", "", "topic name")
	e.str(&cluster, "c", "clusterName", "", "delete the topic from this cluster")
	if err := e.parse(args, "n", "t", "c"); err != nil {
		return err
	}
	if err := e.client.DeleteTopic(e.ctx, cluster, topic); err != nil {
		return err
	}
	return e.emit(map[string]string{"topic": topic, "cluster": cluster}, func(t *tableWriter) {
		t.line("delete topic [%s] from cluster [%s] success.", topic, cluster)
		t.line("delete topic [%s] from NameServer success.", topic)
	})
}
