package progress

import (
	"fmt"
	"time"
)

// formatStep formats a step's duration: "350ms", "1.2s", "2m05s".
func formatStep(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return formatTotal(d)
}

// formatTotal formats a long duration to the second: "42s", "11m02s",
// "1h05m00s"; time.Duration's own String is too precise to read at a glance.
func formatTotal(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d/time.Minute%60), int(d/time.Second%60)
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}
