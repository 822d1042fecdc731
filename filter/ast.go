package filter

import (
	"strconv"
	"strings"

	"github.com/rocketstore/rocketstore/message"
)

// kind is the type of an SQL92 value.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindLong
	kindDouble
	kindString
)

// value is one SQL92 value. A string aliases either the compiled literal or
// the record being matched: it is valid only during the evaluation.
type value struct {
	kind kind
	b    bool
	l    int64
	d    float64
	s    []byte
}

var (
	null      = value{kind: kindNull}
	trueValue = value{kind: kindBool, b: true}
	falseVal  = value{kind: kindBool}
)

func boolValue(b bool) value {
	if b {
		return trueValue
	}
	return falseVal
}

// node is one node of a compiled expression. eval computes its value on a
// message's properties; write prints it in the canonical form, which parses
// back to the same tree.
type node interface {
	eval(props message.Properties) (value, error)
	write(b *strings.Builder)
}

// constant is a literal: a string, long, double, TRUE, FALSE or NULL.
type constant struct{ v value }

// property is a message property by name; NULL when the message lacks it.
type property struct{ name string }

// negate is unary minus.
type negate struct{ x node }

// not is NOT of a boolean operand.
type not struct{ x node }

// boolCast is a bare property where a boolean is needed ("a AND b").
type boolCast struct{ p *property }

// logic is AND or OR.
type logic struct {
	or   bool
	l, r node
}

// compare is = <> < <= > >=; op is the operator's token.
type compare struct {
	op   tokenKind
	l, r node
}

// between is x [NOT] BETWEEN lo AND hi.
type between struct {
	not       bool
	x, lo, hi node
}

// in is property [NOT] IN ('a', 'b', ...). A long list is also a set, so
// that a message costs one lookup, not a scan of the list.
type in struct {
	not  bool
	p    *property
	list []string
	set  map[string]struct{} // the list, when it has inSetSize values or more
}

// inSetSize is the list length from which IN looks values up in a set.
const inSetSize = 8

// isNull is x IS [NOT] NULL.
type isNull struct {
	not bool
	x   node
}

// match is x [NOT] CONTAINS / STARTSWITH / ENDSWITH 'search'; op is the
// keyword's token.
type match struct {
	op     tokenKind
	not    bool
	x      node
	search []byte
}

func (c *constant) write(b *strings.Builder) {
	switch c.v.kind {
	case kindNull:
		b.WriteString("NULL")
	case kindBool:
		b.WriteString(strings.ToUpper(strconv.FormatBool(c.v.b)))
	case kindLong:
		b.WriteString(strconv.FormatInt(c.v.l, 10))
	case kindDouble:
		s := strconv.FormatFloat(c.v.d, 'g', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0" // stays a double when parsed again
		}
		b.WriteString(s)
	case kindString:
		writeQuoted(b, c.v.s)
	}
}

func writeQuoted(b *strings.Builder, s []byte) {
	b.WriteByte('\'')
	for _, c := range s {
		if c == '\'' {
			b.WriteByte('\'')
		}
		b.WriteByte(c)
	}
	b.WriteByte('\'')
}

func (p *property) write(b *strings.Builder) { b.WriteString(p.name) }
func (c *boolCast) write(b *strings.Builder) { c.p.write(b) }

func (n *negate) write(b *strings.Builder) {
	b.WriteString("(-")
	n.x.write(b)
	b.WriteByte(')')
}

func (n *not) write(b *strings.Builder) {
	b.WriteString("(NOT ")
	n.x.write(b)
	b.WriteByte(')')
}

func (n *logic) write(b *strings.Builder) {
	op := tokAnd
	if n.or {
		op = tokOr
	}
	writeBinary(b, n.l, op, n.r)
}

func (n *compare) write(b *strings.Builder) { writeBinary(b, n.l, n.op, n.r) }

func writeBinary(b *strings.Builder, l node, op tokenKind, r node) {
	b.WriteByte('(')
	l.write(b)
	b.WriteByte(' ')
	b.WriteString(op.String())
	b.WriteByte(' ')
	r.write(b)
	b.WriteByte(')')
}

// writeOpen opens the print of a postfix operation: "(x KEYWORD", or
// "(x NOT KEYWORD" when negated.
func writeOpen(b *strings.Builder, x node, negated bool, keyword string) {
	b.WriteByte('(')
	x.write(b)
	if negated {
		b.WriteString(" NOT")
	}
	b.WriteByte(' ')
	b.WriteString(keyword)
}

func (n *between) write(b *strings.Builder) {
	writeOpen(b, n.x, n.not, "BETWEEN ")
	n.lo.write(b)
	b.WriteString(" AND ")
	n.hi.write(b)
	b.WriteByte(')')
}

func (n *in) write(b *strings.Builder) {
	writeOpen(b, n.p, n.not, "IN (")
	for i, s := range n.list {
		if i > 0 {
			b.WriteString(", ")
		}
		writeQuoted(b, []byte(s))
	}
	b.WriteString("))")
}

func (n *isNull) write(b *strings.Builder) {
	writeOpen(b, n.x, false, "IS")
	if n.not {
		b.WriteString(" NOT")
	}
	b.WriteString(" NULL)")
}

func (n *match) write(b *strings.Builder) {
	writeOpen(b, n.x, n.not, n.op.String()+" ")
	writeQuoted(b, n.search)
	b.WriteByte(')')
}

// isBoolean reports whether n is a boolean expression in RocketMQ's sense:
// a comparison, a logical operator, or TRUE, FALSE or NULL.
func isBoolean(n node) bool {
	switch n := n.(type) {
	case *constant:
		return n.v.kind == kindBool || n.v.kind == kindNull
	case *property, *negate:
		return false
	}
	return true
}
