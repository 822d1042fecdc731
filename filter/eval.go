package filter

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/rocketstore/rocketstore/message"
)

// Evaluation errors. They make a message "not matched"; they are sentinels
// so that a failing evaluation, which may repeat for every record of a
// queue, allocates nothing of its own.
var (
	errNotNumber  = errors.New("filter: value is not a number")
	errNotBoolean = errors.New("filter: operand is not boolean")
)

func (c *constant) eval(message.Properties) (value, error) { return c.v, nil }

func (p *property) eval(props message.Properties) (value, error) {
	v, ok := props.Lookup(p.name)
	if !ok {
		return null, nil
	}
	return value{kind: kindString, s: v}, nil
}

// eval: Java's boolean cast of a property, which is always a string, so
// never TRUE.
func (c *boolCast) eval(props message.Properties) (value, error) {
	v, err := c.p.eval(props)
	if err != nil || v.kind == kindNull {
		return v, err
	}
	return falseVal, nil
}

func (n *negate) eval(props message.Properties) (value, error) {
	v, err := n.x.eval(props)
	switch {
	case err != nil:
		return v, err
	case v.kind == kindLong:
		return value{kind: kindLong, l: -v.l}, nil
	case v.kind == kindDouble:
		return value{kind: kindDouble, d: -v.d}, nil
	}
	return null, nil // only numbers negate
}

func (n *not) eval(props message.Properties) (value, error) {
	v, err := n.x.eval(props)
	switch {
	case err != nil || v.kind == kindNull:
		return v, err
	case v.kind != kindBool:
		return null, errNotBoolean
	}
	return boolValue(!v.b), nil
}

func (n *logic) eval(props message.Properties) (value, error) {
	return logic3(n.or, func() (value, error) { return n.l.eval(props) },
		func() (value, error) { return n.r.eval(props) })
}

// logic3 is three-valued AND / OR, evaluating r only when l does not decide.
func logic3(or bool, l, r func() (value, error)) (value, error) {
	decides := func(v value) bool { return v.kind == kindBool && v.b == or }
	lv, err := l()
	if err != nil {
		return lv, err
	}
	if lv.kind != kindBool && lv.kind != kindNull {
		return null, errNotBoolean
	}
	if decides(lv) {
		return lv, nil
	}
	rv, err := r()
	if err != nil {
		return rv, err
	}
	if rv.kind != kindBool && rv.kind != kindNull {
		return null, errNotBoolean
	}
	switch {
	case decides(rv):
		return rv, nil
	case lv.kind == kindNull || rv.kind == kindNull:
		return null, nil
	}
	return boolValue(!or), nil
}

func (n *compare) eval(props message.Properties) (value, error) {
	if n.op != tokEq && n.op != tokNe {
		return order(n.op, n.l, n.r, props)
	}
	l, err := n.l.eval(props)
	if err != nil {
		return l, err
	}
	r, err := n.r.eval(props)
	if err != nil {
		return r, err
	}
	if l.kind == kindNull || r.kind == kindNull {
		return null, nil
	}
	c, err := compareValues(l, r)
	if err != nil {
		return null, err
	}
	return boolValue((c == 0) != (n.op == tokNe)), nil
}

// order evaluates l op r for op one of < <= > >=.
func order(op tokenKind, ln, rn node, props message.Properties) (value, error) {
	l, err := ln.eval(props)
	if err != nil || l.kind == kindNull {
		return l, err
	}
	r, err := rn.eval(props)
	if err != nil || r.kind == kindNull {
		return r, err
	}
	var c int
	if l.kind == kindString && r.kind == kindString {
		// Two properties: ordered only as numbers.
		ld, lerr := parseDouble(l.s)
		rd, rerr := parseDouble(r.s)
		if lerr != nil || rerr != nil {
			return null, errNotNumber
		}
		c = compareDoubles(ld, rd)
	} else if c, err = compareValues(l, r); err != nil {
		return null, err
	}
	switch op {
	case tokLt:
		return boolValue(c < 0), nil
	case tokLe:
		return boolValue(c <= 0), nil
	case tokGt:
		return boolValue(c > 0), nil
	}
	return boolValue(c >= 0), nil
}

// compareValues compares two non-NULL values as RocketMQ does: a string
// meeting a number or a boolean is read as one, a long meeting a double
// becomes a double; values that cannot meet (a boolean and a number) are
// unequal and the left one is "less".
func compareValues(l, r value) (int, error) {
	if l.kind == kindString && r.kind != kindString {
		c, err := compareValues(r, l)
		return -c, err
	}
	switch {
	case l.kind == r.kind:
		switch l.kind {
		case kindBool:
			return compareBools(l.b, r.b), nil
		case kindLong:
			return compareLongs(l.l, r.l), nil
		case kindDouble:
			return compareDoubles(l.d, r.d), nil
		}
		return bytes.Compare(l.s, r.s), nil
	case l.kind == kindLong && r.kind == kindDouble:
		return compareDoubles(float64(l.l), r.d), nil
	case l.kind == kindDouble && r.kind == kindLong:
		return compareDoubles(l.d, float64(r.l)), nil
	case r.kind != kindString:
		return -1, nil // a boolean and a number
	}
	switch l.kind { // r is a string
	case kindBool:
		return compareBools(l.b, parseBool(r.s)), nil
	case kindLong:
		n, err := strconv.ParseInt(string(r.s), 10, 64)
		if err != nil {
			return 0, errNotNumber
		}
		return compareLongs(l.l, n), nil
	}
	d, err := parseDouble(r.s)
	if err != nil {
		return 0, errNotNumber
	}
	return compareDoubles(l.d, d), nil
}

func compareBools(a, b bool) int {
	switch {
	case a == b:
		return 0
	case b:
		return -1
	}
	return 1
}

func compareLongs(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareDoubles is Java's Double.compare: -0.0 below 0.0, NaN above every
// other value and equal to itself.
func compareDoubles(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	ab, bb := int64(math.Float64bits(a)), int64(math.Float64bits(b))
	if math.IsNaN(a) {
		ab = 0x7ff8000000000000
	}
	if math.IsNaN(b) {
		bb = 0x7ff8000000000000
	}
	return compareLongs(ab, bb)
}

// parseBool is Java's Boolean.valueOf: "true" in any case, else false.
func parseBool(s []byte) bool { return len(s) == 4 && strings.EqualFold(string(s), "true") }

// parseDouble reads a double as Java's Double.valueOf does, which ignores
// leading and trailing control characters and spaces; a value too large
// for a double is an infinity, not an error.
func parseDouble(s []byte) (float64, error) {
	for len(s) > 0 && s[0] <= ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] <= ' ' {
		s = s[:len(s)-1]
	}
	d, err := strconv.ParseFloat(string(s), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, errNotNumber
	}
	return d, nil
}

func (n *between) eval(props message.Properties) (value, error) {
	// Java builds (x >= lo AND x <= hi), or (x < lo OR x > hi) for NOT.
	loOp, hiOp := tokGe, tokLe
	if n.not {
		loOp, hiOp = tokLt, tokGt
	}
	return logic3(n.not, func() (value, error) { return order(loOp, n.x, n.lo, props) },
		func() (value, error) { return order(hiOp, n.x, n.hi, props) })
}

func (n *in) eval(props message.Properties) (value, error) {
	v, err := n.p.eval(props)
	if err != nil || v.kind == kindNull {
		return v, err
	}
	var found bool
	if n.set != nil {
		_, found = n.set[string(v.s)]
	} else {
		found = slices.Contains(n.list, string(v.s))
	}
	return boolValue(found != n.not), nil
}

func (n *isNull) eval(props message.Properties) (value, error) {
	v, err := n.x.eval(props)
	if err != nil {
		return v, err
	}
	return boolValue((v.kind == kindNull) != n.not), nil
}

func (n *match) eval(props message.Properties) (value, error) {
	if len(n.search) == 0 {
		return falseVal, nil
	}
	v, err := n.x.eval(props)
	if err != nil {
		return v, err
	}
	if v.kind != kindString {
		return falseVal, nil // NULL, or not a string: FALSE, in both forms
	}
	var found bool
	switch n.op {
	case tokContains:
		found = bytes.Contains(v.s, n.search)
	case tokStartsWith:
		found = bytes.HasPrefix(v.s, n.search)
	default:
		found = bytes.HasSuffix(v.s, n.search)
	}
	return boolValue(found != n.not), nil
}
