package bench

import (
	"fmt"

	"github.com/rocketstore/rocketstore/bench/report"
)

// checkW1: rocketstore at least twice the best peer and at least half the
// memcpy limit.
func checkW1(c *report.CaseResult) (bool, string) {
	rs, peer, why := contenders(c)
	if why != "" {
		return false, why
	}
	vsPeer := rs.Rate.Median / peer.Rate.Median
	if c.LimitRate <= 0 {
		return false, fmt.Sprintf("%.2f× the best peer (%s); the memcpy limit was not measured", vsPeer, peer.Name)
	}
	vsLimit := rs.Rate.Median / c.LimitRate
	return vsPeer >= 2 && vsLimit >= 0.5,
		fmt.Sprintf("%.2f× the best peer (%s); %.2f of the memcpy limit", vsPeer, peer.Name, vsLimit)
}

// checkW2: rocketstore at least the best peer's throughput, with a p99 no
// worse than twice that of one 4 KiB write + fdatasync measured in the
// same run (the least a durable append can wait).
func checkW2(c *report.CaseResult) (bool, string) {
	rs, peer, why := contenders(c)
	if why != "" {
		return false, why
	}
	if rs.Latency == nil || peer.Latency == nil {
		return false, "latency was not recorded"
	}
	vsPeer := rs.Rate.Median / peer.Rate.Median
	detail := fmt.Sprintf("%.2f× the throughput of the best peer (%s); p99 %.0f µs (the peer's %.0f µs)",
		vsPeer, peer.Name, rs.Latency.P99, peer.Latency.P99)
	if c.LatencyLimitP99 <= 0 {
		return false, detail + "; the fdatasync-4KiB limit was not measured"
	}
	bound := 2 * c.LatencyLimitP99
	return vsPeer >= 1 && rs.Latency.P99 <= bound,
		fmt.Sprintf("%s against 2× the fdatasync-4KiB p99, %.0f µs", detail, bound)
}

// checkW6: rocketstore's broker, driven by the RocketMQ client, spends no
// more CPU per message in its process than the peer's server does in its
// own. Throughput is reported beside it, and the own-client row as
// context: it is not the contender.
func checkW6(c *report.CaseResult) (bool, string) {
	_, peer, why := contenders(c)
	if why != "" {
		return false, why
	}
	rs := ranSubject(c, "rocketstore")
	if rs == nil {
		return false, "rocketstore with the RocketMQ client did not run"
	}
	rsCPU, ok1 := rs.Extra[ExtraServerCPU]
	peerCPU, ok2 := peer.Extra[ExtraServerCPU]
	if !ok1 || !ok2 {
		return false, "the servers' CPU per message was not measured"
	}
	if peerCPU <= 0 {
		return false, fmt.Sprintf("%s's server used no measurable CPU: the run was too short to judge", peer.Name)
	}
	ratio := rsCPU / peerCPU
	detail := fmt.Sprintf("broker CPU %.1f µs/msg against %s's %.1f µs/msg (%.2f×", rsCPU, peer.Name, peerCPU, ratio)
	if ratio > 1 {
		detail += fmt.Sprintf(", %.0f%% over", (ratio-1)*100)
	}
	detail += fmt.Sprintf("); throughput %.2f× %s's", rs.Rate.Median/peer.Rate.Median, peer.Name)
	if own := ranSubject(c, ownClientName); own != nil {
		if cpu, ok := own.Extra[ExtraServerCPU]; ok {
			detail += fmt.Sprintf("; with rocketstore's own client: broker CPU %.1f µs/msg (%.2f×), throughput %.2f×",
				cpu, cpu/peerCPU, own.Rate.Median/peer.Rate.Median)
		}
	}
	return ratio <= 1, detail
}

// ranSubject returns the subject of c named name if it ran, or nil.
func ranSubject(c *report.CaseResult, name string) *report.SubjectResult {
	for i := range c.Subjects {
		if s := &c.Subjects[i]; s.Name == name && s.Ran() {
			return s
		}
	}
	return nil
}

// contenders returns rocketstore and the best peer, or why there are not
// both.
func contenders(c *report.CaseResult) (rs, peer *report.SubjectResult, why string) {
	rs, peer = c.Rocketstore(), c.BestPeer()
	switch {
	case rs == nil:
		return nil, nil, "rocketstore did not run"
	case peer == nil:
		return nil, nil, "no peer ran"
	}
	return rs, peer, ""
}

// checkW8: the 1,000-topic case at least 0.8× the one-topic case's
// throughput in the same run; the detail adds the broker's memory growth
// per topic from the two median peak RSS figures.
func checkW8(c *report.CaseResult) (bool, string) {
	one, many := subjectNamed(c, w8OneTopic), subjectNamed(c, w8ManyTopics)
	switch {
	case one == nil || !one.Ran():
		return false, "the 1-topic case did not run"
	case many == nil || !many.Ran():
		return false, "the 1,000-topic case did not run"
	}
	ratio := many.Rate.Median / one.Rate.Median
	detail := fmt.Sprintf("%.2f× the 1-topic throughput", ratio)
	if one.Latency != nil && many.Latency != nil {
		detail += fmt.Sprintf("; p99 send %.0f µs against %.0f µs", many.Latency.P99, one.Latency.P99)
	}
	if topics := many.Extra[extraTopics] - one.Extra[extraTopics]; topics > 0 {
		growth := (many.Extra[extraPeakRSS] - one.Extra[extraPeakRSS]) * 1e3 / topics
		detail += fmt.Sprintf("; broker peak RSS %.0f MB against %.0f MB: %.1f kB per topic",
			many.Extra[extraPeakRSS], one.Extra[extraPeakRSS], growth)
	}
	return ratio >= 0.8, detail
}

// subjectNamed is the subject of c called name, or nil.
func subjectNamed(c *report.CaseResult, name string) *report.SubjectResult {
	for i := range c.Subjects {
		if c.Subjects[i].Name == name {
			return &c.Subjects[i]
		}
	}
	return nil
}
