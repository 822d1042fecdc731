package report

import "math"

// logSpan is the ratio between the largest and the smallest value above
// which a chart switches to a log scale: beyond it the small bars of a
// linear chart shrink to slivers whose differences cannot be seen.
const logSpan = 30

// chooseLog reports whether values (the bars' heights) span more than
// logSpan. Values of zero or below are ignored: they draw no bar.
func chooseLog(values []float64) bool {
	lo, hi := math.Inf(1), 0.0
	for _, v := range values {
		if v > 0 && !math.IsInf(v, 0) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	return hi > 0 && hi/lo > logSpan
}

// axis maps values to vertical pixel positions, linearly from zero or
// logarithmically between two powers of ten.
type axis struct {
	log    bool
	lo, hi float64 // the domain; powers of ten on a log axis
	step   float64 // distance between ticks on a linear axis
	// top and bottom are the pixel rows of hi and lo (bottom > top).
	top, bottom float64
}

// newAxis makes an axis that holds every value (bars and whiskers).
func newAxis(values []float64, log bool, top, bottom float64) axis {
	a := axis{log: log, top: top, bottom: bottom}
	lo, hi := math.Inf(1), 0.0
	for _, v := range values {
		if v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if log {
		if hi == 0 {
			a.lo, a.hi = 1, 10
			return a
		}
		// The smallest bar stands at least 2× above the baseline, so that
		// one at a power of ten is still a bar and not a line.
		loExp, hiExp := math.Floor(math.Log10(lo/2)), math.Ceil(math.Log10(hi))
		if hiExp <= loExp {
			hiExp = loExp + 1
		}
		a.lo, a.hi = math.Pow(10, loExp), math.Pow(10, hiExp)
		return a
	}
	if hi == 0 {
		hi = 1
	}
	// About five ticks of 1, 2 or 5 times a power of ten.
	a.step = niceStep(hi / 5)
	n := math.Ceil(hi/a.step - 1e-9)
	a.lo, a.hi = 0, n*a.step
	return a
}

// niceStep rounds raw up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	switch f := raw / p; {
	case f <= 1:
		return p
	case f <= 2:
		return 2 * p
	case f <= 5:
		return 5 * p
	}
	return 10 * p
}

// y is the pixel row of v, clamped to the axis.
func (a axis) y(v float64) float64 {
	var f float64
	if a.log {
		if v <= 0 {
			return a.bottom
		}
		f = math.Log10(v/a.lo) / math.Log10(a.hi/a.lo)
	} else {
		f = (v - a.lo) / (a.hi - a.lo)
	}
	f = max(0, min(1, f))
	return a.bottom - f*(a.bottom-a.top)
}

// ticks are the values labelled on the axis: every power of ten on a log
// axis (with 2× and 5× between them when it spans two decades or less, so
// that it has enough labels to read), every step on a linear one.
func (a axis) ticks() []float64 {
	var t []float64
	if a.log {
		loExp, hiExp := int(math.Round(math.Log10(a.lo))), int(math.Round(math.Log10(a.hi)))
		dense := hiExp-loExp <= 2
		for e := loExp; e <= hiExp; e++ {
			p := math.Pow(10, float64(e))
			t = append(t, p)
			if dense && e < hiExp {
				t = append(t, 2*p, 5*p)
			}
		}
		return t
	}
	n := int(math.Round(a.hi / a.step))
	for i := 0; i <= n; i++ {
		t = append(t, float64(i)*a.step)
	}
	return t
}
