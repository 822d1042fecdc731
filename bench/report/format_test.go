package report

import "testing"

func TestHuman(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 0.5: "0.5", 12.34: "12.3", 456: "456", 999.7: "1k", 1000: "1k",
		1234: "1.23k", 456_000: "456k", 1_234_567: "1.23M", 2.5e9: "2.5G", -1500: "-1.5k",
	} {
		if got := human(v); got != want {
			t.Errorf("human(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestHumanMicros(t *testing.T) {
	for v, want := range map[float64]string{
		0.25: "250 ns", 100: "100 µs", 850: "850 µs", 999.9: "1 ms", 1000: "1 ms",
		12_345: "12.3 ms", 1_500_000: "1.5 s",
	} {
		if got := humanMicros(v); got != want {
			t.Errorf("humanMicros(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestHumanBytes(t *testing.T) {
	for v, want := range map[float64]string{512: "512 B", 1536: "1.5 KiB", 3 << 20: "3 MiB"} {
		if got := humanBytes(v); got != want {
			t.Errorf("humanBytes(%v) = %q, want %q", v, got, want)
		}
	}
}
