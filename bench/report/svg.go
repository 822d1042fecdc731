package report

import (
	"fmt"
	"strings"
)

// fontFamily is a generic sans-serif stack: the charts are shown as images,
// which cannot load web fonts.
const fontFamily = "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"

// hatchID names the pattern that fills the limit's bars.
const hatchID = "limit-hatch"

// svgDoc accumulates the text of one SVG document.
type svgDoc struct{ b strings.Builder }

// xmlEscaper escapes text and attribute values; subject names and error
// texts come from outside and may hold any character.
var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")

func esc(s string) string { return xmlEscaper.Replace(s) }

// newSVG starts a document of the given size. It has a white background so
// that it stays readable on a dark page, and a title for screen readers.
func newSVG(width, height float64, title string) *svgDoc {
	d := &svgDoc{}
	fmt.Fprintf(&d.b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" font-family="%s" role="img">`+"\n",
		width, height, width, height, esc(fontFamily))
	fmt.Fprintf(&d.b, "<title>%s</title>\n", esc(title))
	fmt.Fprintf(&d.b, `<defs><pattern id="%s" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">`+
		`<rect width="6" height="6" fill="#e9ecef"/><line x1="0" y1="0" x2="0" y2="6" stroke="#868e96" stroke-width="2.5"/></pattern></defs>`+"\n", hatchID)
	d.rect(0, 0, width, height, "#ffffff", "")
	return d
}

// rect draws a rectangle; extra holds further attributes.
func (d *svgDoc) rect(x, y, w, h float64, fill, extra string) {
	fmt.Fprintf(&d.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"%s/>`+"\n", x, y, w, h, fill, attrs(extra))
}

// line draws a line; dash, when set, is its stroke-dasharray.
func (d *svgDoc) line(x1, y1, x2, y2 float64, stroke string, width float64, dash string) {
	extra := ""
	if dash != "" {
		extra = fmt.Sprintf(` stroke-dasharray="%s"`, dash)
	}
	fmt.Fprintf(&d.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%.1f"%s/>`+"\n", x1, y1, x2, y2, stroke, width, extra)
}

// textStyle says how a text is drawn.
type textStyle struct {
	size   float64
	anchor string // "start", "middle" or "end"
	bold   bool
	fill   string
	rotate bool // turned a quarter anticlockwise around its anchor, to read upwards
}

// text draws s with its anchor at (x, y) on the baseline.
func (d *svgDoc) text(x, y float64, s string, st textStyle) {
	var a strings.Builder
	fmt.Fprintf(&a, ` font-size="%.0f"`, st.size)
	if st.anchor != "" && st.anchor != "start" {
		fmt.Fprintf(&a, ` text-anchor="%s"`, st.anchor)
	}
	if st.bold {
		a.WriteString(` font-weight="bold"`)
	}
	fill := st.fill
	if fill == "" {
		fill = "#212529"
	}
	fmt.Fprintf(&a, ` fill="%s"`, fill)
	if st.rotate {
		fmt.Fprintf(&a, ` transform="rotate(-90 %.1f %.1f)"`, x, y)
	}
	fmt.Fprintf(&d.b, `<text x="%.1f" y="%.1f"%s>%s</text>`+"\n", x, y, a.String(), esc(s))
}

// bytes ends the document and returns it.
func (d *svgDoc) bytes() []byte {
	d.b.WriteString("</svg>\n")
	return []byte(d.b.String())
}

func attrs(extra string) string {
	if extra == "" {
		return ""
	}
	return " " + extra
}

// textWidth estimates the width of s in pixels: SVG has no text metrics
// without a renderer, and an average sans-serif glyph is about 0.6 em wide.
func textWidth(s string, size float64) float64 {
	return float64(len([]rune(s))) * size * 0.6
}
