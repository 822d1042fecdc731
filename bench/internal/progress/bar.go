// Package progress shows how far a suite run has got: a bar redrawn in
// place on a terminal, plain lines otherwise (a log file, CI output).
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// barWidth is the number of cells between the brackets of the bar.
const barWidth = 20

// eraseLine returns the cursor to the start of the line and clears it, so
// that a shorter line does not leave the tail of a longer one behind.
const eraseLine = "\r\x1b[K"

// Bar reports the progress of a run of a known number of steps. It is meant
// for the single goroutine that runs the steps and draws only when called,
// so it needs no lock and no background goroutine.
type Bar struct {
	w     io.Writer
	total int
	term  bool
	cols  int // terminal width; 0 when unknown, then lines are not cut
	now   func() time.Time

	start     time.Time     // when New was called
	stepStart time.Time     // when the current step began
	label     string        // the current step's label
	done      int           // steps ended
	spent     time.Duration // summed duration of ended steps, for the ETA
}

// New returns a Bar for total steps writing to w. When w is a terminal the
// bar is redrawn in place; otherwise each ended step is one plain line.
func New(w io.Writer, total int) *Bar {
	term, cols := false, 0
	if f, ok := w.(*os.File); ok {
		term, cols = terminal(f)
	}
	return newBar(w, total, term, cols, time.Now)
}

// newBar lets tests force the mode and inject a clock.
func newBar(w io.Writer, total int, term bool, cols int, now func() time.Time) *Bar {
	return &Bar{w: w, total: total, term: term, cols: cols, now: now, start: now()}
}

// Begin marks the start of a step with its label, e.g.
// "W1 1KiB tidwall-wal rep 2/3".
func (b *Bar) Begin(label string) {
	b.label = label
	b.stepStart = b.now()
	if b.term {
		b.draw()
	}
}

// End marks the end of the current step with a one-line result, e.g.
// "312k msgs/s".
func (b *Bar) End(result string) {
	d := b.now().Sub(b.stepStart)
	b.done++
	b.spent += d
	line := fmt.Sprintf("[%d/%d] %s: %s (%s)", b.done, b.total, b.label, result, formatStep(d))
	if !b.term {
		fmt.Fprintln(b.w, line)
		return
	}
	// The result goes above the bar so that results scroll while the bar
	// stays on the bottom line.
	fmt.Fprint(b.w, eraseLine+line+"\n")
	b.label = ""
	b.draw()
}

// Finish clears the bar, if any, and prints the total.
func (b *Bar) Finish() {
	if b.term {
		fmt.Fprint(b.w, eraseLine)
	}
	fmt.Fprintf(b.w, "done: %d steps in %s\n", b.done, formatTotal(b.now().Sub(b.start)))
}

// draw redraws the bar line without a newline.
func (b *Bar) draw() {
	line := b.barLine()
	if b.cols > 0 {
		// A line wider than the terminal wraps, and "\r" would then only
		// redraw its last part.
		line = cut(line, b.cols-1)
	}
	fmt.Fprint(b.w, eraseLine+line)
}

// barLine is e.g. "[#########...........]  12/96  ETA 3m10s  W1 1KiB".
func (b *Bar) barLine() string {
	filled := 0
	if b.total > 0 {
		filled = min(barWidth, b.done*barWidth/b.total)
	}
	line := fmt.Sprintf("[%s%s]  %d/%d  ETA %s",
		strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled),
		b.done, b.total, b.eta())
	if b.label != "" {
		line += "  " + b.label
	}
	return line
}

// eta extrapolates the mean duration of the ended steps over the remaining
// ones; steps of a suite are alike enough for that to be useful.
func (b *Bar) eta() string {
	if b.done == 0 {
		return "?"
	}
	left := max(0, b.total-b.done)
	return formatTotal(b.spent / time.Duration(b.done) * time.Duration(left))
}

// cut shortens s to at most n runes.
func cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
