package main

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/rocketstore/rocketstore/admin"
)

// quietLogger keeps the admin client's per-call warnings out of a command's
// output: the command reports every failure itself.
func quietLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelError}))
}

// brokerRow is one broker in clusterList.
type brokerRow struct {
	admin.BrokerRef
	admin.RuntimeStats
	// Hours is the age of the oldest stored message.
	Hours float64 `json:"hours"`
	Error string  `json:"error,omitempty"`
}

func runClusterList(e *adminEnv, args []string) error {
	var cluster string
	e.str(&cluster, "c", "clusterName", "", "only this cluster")
	if err := e.parse(args, "n"); err != nil {
		return err
	}
	refs, err := e.client.Brokers(e.ctx, cluster)
	if err != nil {
		return err
	}
	var rows []brokerRow
	var errs []error
	now := time.Now()
	for _, ref := range refs {
		row := brokerRow{BrokerRef: ref}
		kv, err := e.client.RuntimeInfo(e.ctx, ref.Addr)
		if err != nil {
			row.Error = err.Error()
			errs = append(errs, err)
		} else {
			row.RuntimeStats = admin.ParseRuntimeStats(kv)
			if ms := row.EarliestMessageTime; ms > 0 {
				row.Hours = now.Sub(time.UnixMilli(ms)).Hours()
			}
		}
		rows = append(rows, row)
	}
	err = e.emit(rows, func(t *tableWriter) {
		t.row("#Cluster Name", "#Broker Name", "#BID", "#Addr", "#Version", "#InTPS", "#OutTPS", "#PCWait(ms)", "#Hour", "#SPACE", "#ACTIVATED")
		for _, r := range rows {
			if r.Error != "" {
				t.row(r.Cluster, r.BrokerName, r.BrokerID, r.Addr, "-", "-", "-", "-", "-", "-", "-")
				continue
			}
			t.row(r.Cluster, r.BrokerName, r.BrokerID, r.Addr, r.Version, fmt.Sprintf("%.2f", r.InTps), fmt.Sprintf("%.2f", r.OutTps),
				r.PageCacheLockTimeMills, fmt.Sprintf("%.2f", r.Hours), fmt.Sprintf("%.4f", r.DiskRatio), r.Active)
		}
	})
	if err != nil {
		return err
	}
	return joinErrors("of the brokers' runtime statistics", errs)
}

// keyValues is a sorted key/value listing.
type keyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func sortedKV(m map[string]string) []keyValue {
	out := make([]keyValue, 0, len(m))
	for k, v := range m {
		out = append(out, keyValue{k, v})
	}
	slices.SortFunc(out, func(a, b keyValue) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// brokerTable is one broker's key/value table (brokerStatus,
// getBrokerConfig).
type brokerTable struct {
	Addr   string            `json:"addr"`
	Values map[string]string `json:"values,omitempty"`
	Error  string            `json:"error,omitempty"`
}

// runBrokerTables prints fetch's table for every target broker.
func runBrokerTables(e *adminEnv, args []string, withSlaves bool, fetch func(addr string) (map[string]string, error)) error {
	var addr, cluster string
	e.str(&addr, "b", "brokerAddr", "", "broker address")
	e.str(&cluster, "c", "clusterName", "", "every broker of this cluster")
	if err := e.parse(args); err != nil {
		return err
	}
	if addr == "" && e.namesrv == "" {
		return usageError("-b, or -n with -c, is required")
	}
	targets, err := e.brokerTargets(addr, cluster, withSlaves)
	if err != nil {
		return err
	}
	var tables []brokerTable
	var errs []error
	for _, t := range targets {
		bt := brokerTable{Addr: t.Addr}
		if bt.Values, err = fetch(t.Addr); err != nil {
			bt.Error = err.Error()
			errs = append(errs, err)
		}
		tables = append(tables, bt)
	}
	err = e.emit(tables, func(t *tableWriter) {
		for _, bt := range tables {
			if len(targets) > 1 {
				t.line("============%s============", bt.Addr)
			}
			for _, kv := range sortedKV(bt.Values) {
				t.row(kv.Key, kv.Value)
			}
		}
	})
	if err != nil {
		return err
	}
	return joinErrors("of the brokers", errs)
}

func runBrokerStatus(e *adminEnv, args []string) error {
	return runBrokerTables(e, args, true, func(addr string) (map[string]string, error) {
		return e.client.RuntimeInfo(e.ctx, addr)
	})
}

func runGetBrokerConfig(e *adminEnv, args []string) error {
	return runBrokerTables(e, args, true, func(addr string) (map[string]string, error) {
		return e.client.BrokerConfig(e.ctx, addr)
	})
}

// changeResult is one broker's answer to a change.
type changeResult struct {
	Addr  string `json:"addr"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

func runUpdateBrokerConfig(e *adminEnv, args []string) error {
	var addr, cluster, key, value, all string
	e.str(&addr, "b", "brokerAddr", "", "broker address")
	e.str(&cluster, "c", "clusterName", "", "every master of this cluster")
	e.str(&all, "a", "updateAllBroker", "", "with -c, true updates the slaves too")
	e.str(&key, "k", "key", "", "configuration key")
	e.str(&value, "v", "value", "", "new value")
	if err := e.parse(args, "k", "v"); err != nil {
		return err
	}
	withSlaves, err := parseBoolFlag("a", all, false)
	if err != nil {
		return err
	}
	targets, err := e.brokerTargets(addr, cluster, withSlaves)
	if err != nil {
		return err
	}
	return e.applyToBrokers(targets, "update broker config success, %s", func(a string) error {
		return e.client.UpdateBrokerConfig(e.ctx, a, map[string]string{key: value})
	})
}

// applyToBrokers runs change on every target and reports each outcome.
func (e *adminEnv) applyToBrokers(targets []admin.BrokerRef, okFormat string, change func(addr string) error) error {
	var results []changeResult
	var errs []error
	for _, t := range targets {
		r := changeResult{Addr: t.Addr, OK: true}
		if err := change(t.Addr); err != nil {
			r.OK, r.Error = false, err.Error()
			errs = append(errs, err)
		}
		results = append(results, r)
	}
	err := e.emit(results, func(t *tableWriter) {
		for _, r := range results {
			if r.OK {
				t.line(okFormat, r.Addr)
			}
		}
	})
	if err != nil {
		return err
	}
	return joinErrors("of the brokers", errs)
}

func runWipeWritePerm(e *adminEnv, args []string) error {
	return runWritePerm(e, args, "wipe", func(name string) ([]admin.NameServerResult, error) {
		return e.client.WipeWritePerm(e.ctx, name)
	})
}

func runAddWritePerm(e *adminEnv, args []string) error {
	return runWritePerm(e, args, "add", func(name string) ([]admin.NameServerResult, error) {
		return e.client.AddWritePerm(e.ctx, name)
	})
}

func runWritePerm(e *adminEnv, args []string, verb string, do func(brokerName string) ([]admin.NameServerResult, error)) error {
	var brokerName string
	e.str(&brokerName, "b", "brokerName", "", "broker name")
	if err := e.parse(args, "n", "b"); err != nil {
		return err
	}
	results, err := do(brokerName)
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range results {
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
	}
	err = e.emit(results, func(t *tableWriter) {
		for _, r := range results {
			if r.Err == nil {
				t.line("%s write perm of broker[%s] in name server[%s] OK, %d", verb, brokerName, r.Addr, r.Count)
			} else {
				t.line("%s write perm of broker[%s] in name server[%s] Failed", verb, brokerName, r.Addr)
			}
		}
	})
	if err != nil {
		return err
	}
	return joinErrors("of the name servers", errs)
}
