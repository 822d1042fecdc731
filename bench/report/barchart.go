package report

// series is one kind of bar of a chart: a subject or the machine limit.
type series struct {
	name  string
	color string
	// hatched marks the machine limit: grey and striped, so that it is
	// never mistaken for a subject.
	hatched bool
}

// bar is one bar of a chart.
type bar struct {
	ok     bool
	v      float64
	lo, hi float64 // whisker ends (min and max); none when hi <= lo
	// missing is shown at the baseline when the subject is part of the
	// group but produced no figure (unsupported or failed).
	missing string
}

// barChart is a grouped bar chart: one group per x label, one bar per
// series in each group, each series in the same slot of every group so
// that a subject is found at the same place throughout.
type barChart struct {
	title  string
	yLabel string
	groups []string
	notes  []string // a second, smaller line under a group's label; may be nil
	series []series
	bars   [][]bar // [group][series]
	log    bool
	format func(float64) string // values and tick labels
}

// Palettes: rocketstore keeps the same strong vermillion in every chart;
// peers take colours of the Okabe–Ito and Tol palettes, which stay apart
// for colour-blind readers, in order of appearance.
var (
	ownColors  = []string{"#d55e00", "#e69f00", "#8c3b00"}
	peerColors = []string{"#0072b2", "#009e73", "#cc79a7", "#56b4e9", "#6a3d9a", "#999933", "#44aa99", "#332288"}
)

const limitColor = "#868e96"

// palette hands out colours: non-peers (rocketstore first) from ownColors,
// peers from peerColors.
type palette struct{ own, peers int }

func (p *palette) next(peer bool) string {
	if peer {
		p.peers++
		return peerColors[(p.peers-1)%len(peerColors)]
	}
	p.own++
	return ownColors[(p.own-1)%len(ownColors)]
}

// Layout, in pixels of the viewBox.
const (
	marginLeft  = 78.0
	marginRight = 20.0
	titleHeight = 38.0
	plotHeight  = 270.0
	minPlotW    = 560.0
	titleSize   = 15.0
	valueSize   = 11.0
	tickSize    = 11.0
	groupSize   = 13.0
	legendSize  = 12.0
	legendRow   = 20.0
)

// render draws the chart.
func (c *barChart) render() []byte {
	nG, nS := float64(len(c.groups)), float64(len(c.series))
	plotW := max(minPlotW, nG*(nS*26+32), textWidth(c.title, titleSize)+40-marginLeft-marginRight)
	width := marginLeft + plotW + marginRight
	groupW := plotW / nG
	barW := min(56, (groupW-max(16, groupW*0.2))/nS)

	// Value labels are written across when they fit over their bar and
	// upwards otherwise; the room above the plot is made for them.
	labelW := 0.0
	var values []float64
	for _, row := range c.bars {
		for _, b := range row {
			if b.ok {
				labelW = max(labelW, textWidth(c.format(b.v), valueSize))
				values = append(values, b.v)
				if b.hi > b.lo {
					values = append(values, b.lo, b.hi)
				}
			}
		}
	}
	rotate := labelW > barW-2
	headroom := 18.0
	if rotate {
		headroom = labelW + 12
	}
	top := titleHeight + headroom
	bottom := top + plotHeight
	groupH := 26.0
	for _, n := range c.notes {
		if n != "" {
			groupH = 44
		}
	}

	// The legend wraps into rows as wide as the plot.
	type item struct{ x, y float64 }
	items := make([]item, len(c.series))
	x, row := marginLeft, 0.0
	for i, s := range c.series {
		w := 12 + 5 + textWidth(s.name, legendSize) + 18
		if x > marginLeft && x+w > width-marginRight {
			x, row = marginLeft, row+1
		}
		items[i] = item{x, row}
		x += w
	}
	legendTop := bottom + groupH + 16
	height := legendTop + (row+1)*legendRow

	d := newSVG(width, height, c.title)
	d.text(width/2, 25, c.title, textStyle{size: titleSize, anchor: "middle", bold: true})

	ax := newAxis(values, c.log, top, bottom)
	for _, t := range ax.ticks() {
		y := ax.y(t)
		d.line(marginLeft, y, marginLeft+plotW, y, "#e9ecef", 1, "")
		d.text(marginLeft-6, y+4, c.format(t), textStyle{size: tickSize, anchor: "end", fill: "#495057"})
	}
	d.text(18, (top+bottom)/2, c.yLabel, textStyle{size: 12, anchor: "middle", rotate: true})

	for g, row := range c.bars {
		gx := marginLeft + float64(g)*groupW + (groupW-nS*barW)/2
		for s, b := range row {
			x := gx + float64(s)*barW
			cx := x + barW/2
			if !b.ok {
				if b.missing != "" {
					d.text(cx, bottom-4, b.missing, textStyle{size: valueSize, anchor: "middle", fill: limitColor})
				}
				continue
			}
			h := max(1, bottom-ax.y(b.v))
			if c.series[s].hatched {
				d.rect(x+1, bottom-h, barW-2, h, "url(#"+hatchID+")", `stroke="`+limitColor+`" stroke-width="1"`)
			} else {
				d.rect(x+1, bottom-h, barW-2, h, c.series[s].color, "")
			}
			labelY := bottom - h
			if b.hi > b.lo {
				ylo, yhi := ax.y(b.lo), ax.y(b.hi)
				capW := min(8, barW*0.3)
				// A white halo keeps the whisker visible over a dark bar.
				for _, st := range []struct {
					color string
					w     float64
				}{{"#ffffff", 3}, {"#212529", 1.2}} {
					d.line(cx, ylo, cx, yhi, st.color, st.w, "")
					d.line(cx-capW/2, ylo, cx+capW/2, ylo, st.color, st.w, "")
					d.line(cx-capW/2, yhi, cx+capW/2, yhi, st.color, st.w, "")
				}
				labelY = min(labelY, yhi)
			}
			if rotate {
				d.text(cx+valueSize*0.35, labelY-4, c.format(b.v), textStyle{size: valueSize, rotate: true})
			} else {
				d.text(cx, labelY-4, c.format(b.v), textStyle{size: valueSize, anchor: "middle"})
			}
		}
	}
	d.line(marginLeft, top, marginLeft, bottom, "#495057", 1, "")
	d.line(marginLeft, bottom, marginLeft+plotW, bottom, "#495057", 1, "")

	for g, name := range c.groups {
		cx := marginLeft + (float64(g)+0.5)*groupW
		d.text(cx, bottom+18, name, textStyle{size: groupSize, anchor: "middle", bold: true})
		if g < len(c.notes) && c.notes[g] != "" {
			d.text(cx, bottom+35, c.notes[g], textStyle{size: valueSize, anchor: "middle", fill: "#495057"})
		}
	}

	for i, s := range c.series {
		x, y := items[i].x, legendTop+items[i].y*legendRow
		if s.hatched {
			d.rect(x, y-10, 12, 12, "url(#"+hatchID+")", `stroke="`+limitColor+`" stroke-width="1"`)
		} else {
			d.rect(x, y-10, 12, 12, s.color, "")
		}
		d.text(x+17, y, s.name, textStyle{size: legendSize})
	}
	return d.bytes()
}
