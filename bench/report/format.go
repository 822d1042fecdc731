package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// human formats v with three significant digits and a k/M/G/T suffix
// (1.23M, 456k, 12.3, 0.5): figures that vary by a few percent between
// repetitions have no use for more digits, and one style everywhere lets
// the tables and the charts be read side by side.
func human(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'g', -1, 64)
	case v < 0:
		return "-" + human(-v)
	case v == 0:
		return "0"
	}
	// Round before choosing the suffix so that 999.7 becomes "1k", not
	// "1e+03".
	v = round3(v)
	for _, s := range []struct {
		f      float64
		suffix string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if v >= s.f {
			return sig3(v/s.f) + s.suffix
		}
	}
	return sig3(v)
}

// humanMicros formats a latency given in microseconds in the unit that
// keeps it between 1 and 1000: 850 µs, 12.3 ms, 1.5 s.
func humanMicros(us float64) string {
	if math.IsNaN(us) || math.IsInf(us, 0) || us < 0 {
		return human(us) + " µs"
	}
	us = round3(us)
	switch {
	case us == 0:
		return "0 µs"
	case us < 1:
		return sig3(us*1e3) + " ns"
	case us < 1e3:
		return sig3(us) + " µs"
	case us < 1e6:
		return sig3(us/1e3) + " ms"
	default:
		return human(us/1e6) + " s"
	}
}

// humanBytes formats a byte count with binary prefixes (heap profiles
// count bytes of memory, which come in powers of two).
func humanBytes(n float64) string {
	const unit = 1024
	if n < unit {
		return sig3(n) + " B"
	}
	prefixes := "KMGTPE"
	i := -1
	for n >= unit && i < len(prefixes)-1 {
		n /= unit
		i++
	}
	return sig3(round3(n)) + " " + string(prefixes[i]) + "iB"
}

// round3 rounds v to three significant digits.
func round3(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 3, 64), 64)
	return r
}

// sig3 prints v with at most three significant digits and no trailing
// zeros.
func sig3(v float64) string {
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// ratio formats a ratio with two decimals, the precision the noise of a
// shared machine allows.
func ratio(v float64) string { return fmt.Sprintf("%.2f", v) }

// percent formats a fraction as a percentage with one decimal.
func percent(f float64) string { return fmt.Sprintf("%.1f%%", f*100) }

// humanSeconds formats a duration given in seconds, to the second.
func humanSeconds(s float64) string {
	d := time.Duration(s * float64(time.Second))
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// humanProfileTotal formats a profile's total in its unit.
func humanProfileTotal(total int64, unit string) string {
	switch strings.ToLower(unit) {
	case "nanoseconds":
		return humanMicros(float64(total) / 1e3)
	case "bytes":
		return humanBytes(float64(total))
	case "":
		return human(float64(total))
	}
	return human(float64(total)) + " " + unit
}
