package bench

import (
	"strings"
	"testing"

	"github.com/rocketstore/rocketstore/bench/report"
)

// w6Case builds a W6 result: rocketstore (RocketMQ client), the NATS peer
// and the own-client row, each with a rate and a server CPU per message.
func w6Case(rsRate, rsCPU, natsRate, natsCPU, ownRate, ownCPU float64) *report.CaseResult {
	row := func(name string, peer bool, rate, cpu float64) report.SubjectResult {
		return report.SubjectResult{
			Name: name, Peer: peer,
			Rate:  report.Summarize([]float64{rate}),
			Extra: map[string]float64{ExtraServerCPU: cpu, ExtraClientCPU: 10, ExtraServerPeakRSS: 50},
		}
	}
	return &report.CaseResult{Subjects: []report.SubjectResult{
		row("rocketstore", false, rsRate, rsCPU),
		row("nats-jetstream", true, natsRate, natsCPU),
		row(ownClientName, false, ownRate, ownCPU),
	}}
}

func TestCheckW6JudgesBrokerCPUPerMessage(t *testing.T) {
	// Less CPU per message meets the target even at a lower throughput:
	// the throughput is reported, not judged.
	met, detail := checkW6(w6Case(8000, 20, 20000, 25, 18000, 18))
	if !met {
		t.Errorf("20 µs/msg against 25 was judged missed: %s", detail)
	}
	for _, want := range []string{"20.0 µs/msg", "25.0 µs/msg", "0.80×", "throughput 0.40×", "own client: broker CPU 18.0 µs/msg"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail %q lacks %q", detail, want)
		}
	}
	if strings.Contains(detail, "over") {
		t.Errorf("a met target says it is over: %q", detail)
	}

	// More CPU per message misses it, however fast, and says by how much.
	met, detail = checkW6(w6Case(30000, 30, 20000, 24, 30000, 10))
	if met {
		t.Errorf("30 µs/msg against 24 was judged met: %s", detail)
	}
	if !strings.Contains(detail, "1.25×, 25% over") || !strings.Contains(detail, "throughput 1.50×") {
		t.Errorf("detail %q does not say by how much the target is missed", detail)
	}

	// The own-client row is context: its lower CPU does not meet the target.
	if met, _ := checkW6(w6Case(8000, 40, 20000, 25, 18000, 5)); met {
		t.Error("the own-client row's CPU met the target for the RocketMQ-client row")
	}
}

func TestCheckW6WithoutFigures(t *testing.T) {
	c := w6Case(8000, 20, 20000, 25, 18000, 18)
	delete(c.Subjects[1].Extra, ExtraServerCPU)
	if met, detail := checkW6(c); met || !strings.Contains(detail, "not measured") {
		t.Errorf("no peer CPU figure: met %v, %q", met, detail)
	}
	if met, detail := checkW6(w6Case(8000, 0, 20000, 0, 18000, 0)); met || !strings.Contains(detail, "too short") {
		t.Errorf("a peer CPU of zero: met %v, %q", met, detail)
	}
	c = w6Case(8000, 20, 20000, 25, 18000, 18)
	c.Subjects[0].Err = "broker failed"
	if met, detail := checkW6(c); met || !strings.Contains(detail, "RocketMQ client did not run") {
		t.Errorf("rocketstore row failed: met %v, %q", met, detail)
	}
}
