package filter

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MaxExpressionLength bounds an SQL92 expression, in bytes: 128 KiB, room
// for an IN list of thousands of values.
const MaxExpressionLength = 128 << 10

// maxNesting bounds how deep parentheses and unary operators nest.
const maxNesting = 200

// ParseError reports an SQL92 expression that does not compile: where
// (a byte offset) and why.
type ParseError struct {
	Offset int
	Reason string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("invalid SQL92 expression at offset %d: %s", e.Offset, e.Reason)
}

func parseErrorf(offset int, format string, args ...any) *ParseError {
	return &ParseError{Offset: offset, Reason: fmt.Sprintf(format, args...)}
}

// parser is a recursive-descent parser of RocketMQ's SQL92 grammar (see
// the package documentation), one token of lookahead plus a peek.
type parser struct {
	lex     lexer
	tok     token
	nesting int
}

// parseSQL92 compiles s into an expression tree.
func parseSQL92(s string) (node, error) {
	if strings.TrimSpace(s) == "" {
		return nil, parseErrorf(0, "the expression is empty")
	}
	if len(s) > MaxExpressionLength {
		return nil, parseErrorf(MaxExpressionLength, "the expression is longer than %d bytes", MaxExpressionLength)
	}
	p := &parser{lex: lexer{src: s}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	start := p.tok.pos
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, p.unexpected("an operator or the end")
	}
	return asBoolean(n, start)
}

func (p *parser) advance() error {
	t, err := p.lex.next()
	p.tok = t
	return err
}

// peek returns the token after the current one without consuming it.
func (p *parser) peek() token {
	l := p.lex
	t, err := l.next()
	if err != nil {
		return token{kind: tokEOF}
	}
	return t
}

func (p *parser) unexpected(want string) error {
	found := p.tok.kind.String()
	if p.tok.kind == tokIdent || p.tok.kind == tokLong || p.tok.kind == tokDouble {
		found += " " + p.tok.text
	}
	return parseErrorf(p.tok.pos, "expected %s, found %s", want, found)
}

func (p *parser) expect(k tokenKind) (token, error) {
	t := p.tok
	if t.kind != k {
		return t, p.unexpected(k.String())
	}
	return t, p.advance()
}

func (p *parser) or() (node, error)  { return p.logic(tokOr, p.and) }
func (p *parser) and() (node, error) { return p.logic(tokAnd, p.equality) }

// logic parses operand { op operand } for op AND or OR, left-associative.
func (p *parser) logic(op tokenKind, operand func() (node, error)) (node, error) {
	pos := p.tok.pos
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == op {
		if err := p.advance(); err != nil {
			return nil, err
		}
		rpos := p.tok.pos
		r, err := operand()
		if err != nil {
			return nil, err
		}
		if l, err = asBoolean(l, pos); err != nil {
			return nil, err
		}
		if r, err = asBoolean(r, rpos); err != nil {
			return nil, err
		}
		l = &logic{or: op == tokOr, l: l, r: r}
	}
	return l, nil
}

func (p *parser) equality() (node, error) {
	l, err := p.comparison()
	if err != nil {
		return nil, err
	}
	for {
		switch op := p.tok; op.kind {
		case tokEq, tokNe:
			if err := p.advance(); err != nil {
				return nil, err
			}
			r, err := p.comparison()
			if err != nil {
				return nil, err
			}
			if err := checkEquatable(l, r, op.pos); err != nil {
				return nil, err
			}
			l = &compare{op: op.kind, l: l, r: r}
		case tokIs:
			if err := p.advance(); err != nil {
				return nil, err
			}
			negated := p.tok.kind == tokNot
			if negated {
				if err := p.advance(); err != nil {
					return nil, err
				}
			}
			if _, err := p.expect(tokNull); err != nil {
				return nil, err
			}
			l = &isNull{not: negated, x: l}
		default:
			return l, nil
		}
	}
}

func (p *parser) comparison() (node, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		op := p.tok
		negated := op.kind == tokNot
		if negated {
			switch p.peek().kind {
			case tokBetween, tokIn, tokContains, tokStartsWith, tokEndsWith:
			default:
				return l, nil // a NOT that is not ours: the caller reports it
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			op = p.tok
		}
		switch op.kind {
		case tokGt, tokGe, tokLt, tokLe:
			l, err = p.ordering(l, op)
		case tokBetween:
			l, err = p.between(l, negated, op.pos)
		case tokIn:
			l, err = p.in(l, negated, op.pos)
		case tokContains, tokStartsWith, tokEndsWith:
			if err := p.advance(); err != nil {
				return nil, err
			}
			var s token
			if s, err = p.expect(tokString); err == nil {
				l = &match{op: op.kind, not: negated, x: l, search: []byte(s.text)}
			}
		default:
			return l, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (p *parser) ordering(l node, op token) (node, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	r, err := p.unary()
	if err != nil {
		return nil, err
	}
	if err := checkOrderable(op.pos, l, r); err != nil {
		return nil, err
	}
	return &compare{op: op.kind, l: l, r: r}, nil
}

func (p *parser) between(x node, negated bool, pos int) (node, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	lo, err := p.unary()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tokAnd); err != nil {
		return nil, err
	}
	hi, err := p.unary()
	if err != nil {
		return nil, err
	}
	if !negated {
		if err := checkRange(lo, hi, pos); err != nil {
			return nil, err
		}
	}
	if err := checkOrderable(pos, x, lo, hi); err != nil {
		return nil, err
	}
	return &between{not: negated, x: x, lo: lo, hi: hi}, nil
}

func (p *parser) in(x node, negated bool, pos int) (node, error) {
	prop, ok := x.(*property)
	if !ok {
		return nil, parseErrorf(pos, "IN needs a property on its left")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if _, err := p.expect(tokLParen); err != nil {
		return nil, err
	}
	n := &in{not: negated, p: prop}
	for {
		s, err := p.expect(tokString)
		if err != nil {
			return nil, err
		}
		n.list = append(n.list, s.text)
		if p.tok.kind != tokComma {
			break
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	if _, err := p.expect(tokRParen); err != nil {
		return nil, err
	}
	if len(n.list) >= inSetSize {
		n.set = make(map[string]struct{}, len(n.list))
		for _, s := range n.list {
			n.set[s] = struct{}{}
		}
	}
	return n, nil
}

func (p *parser) unary() (node, error) {
	if p.nesting++; p.nesting > maxNesting {
		return nil, parseErrorf(p.tok.pos, "the expression nests deeper than %d", maxNesting)
	}
	defer func() { p.nesting-- }()
	switch t := p.tok; t.kind {
	case tokPlus, tokMinus, tokNot:
		if err := p.advance(); err != nil {
			return nil, err
		}
		pos := p.tok.pos
		x, err := p.unary()
		switch {
		case err != nil:
			return nil, err
		case t.kind == tokPlus:
			return x, nil
		case t.kind == tokMinus:
			return &negate{x: x}, nil
		}
		if x, err = asBoolean(x, pos); err != nil {
			return nil, err
		}
		return &not{x: x}, nil
	}
	return p.primary()
}

func (p *parser) primary() (node, error) {
	t := p.tok
	var n node
	switch t.kind {
	case tokLParen:
		if err := p.advance(); err != nil {
			return nil, err
		}
		inner, err := p.or()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokRParen); err != nil {
			return nil, err
		}
		return inner, nil
	case tokIdent:
		n = &property{name: t.text}
	case tokString:
		n = &constant{value{kind: kindString, s: []byte(t.text)}}
	case tokTrue, tokFalse:
		n = &constant{boolValue(t.kind == tokTrue)}
	case tokNull:
		n = &constant{null}
	case tokLong:
		v, err := strconv.ParseInt(strings.TrimRight(t.text, "lL"), 10, 64)
		if err != nil {
			return nil, parseErrorf(t.pos, "%s is out of the range of a long", t.text)
		}
		n = &constant{value{kind: kindLong, l: v}}
	case tokDouble:
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil || math.IsInf(v, 0) {
			return nil, parseErrorf(t.pos, "%s is out of the range of a double", t.text)
		}
		n = &constant{value{kind: kindDouble, d: v}}
	default:
		return nil, p.unexpected("a value, a property or (")
	}
	return n, p.advance()
}

// asBoolean returns n where a boolean is needed: a boolean expression as
// is, a bare property cast to one; anything else does not compile.
func asBoolean(n node, pos int) (node, error) {
	if isBoolean(n) {
		return n, nil
	}
	if prop, ok := n.(*property); ok {
		return &boolCast{p: prop}, nil
	}
	return nil, parseErrorf(pos, "%s will not result in a boolean value", text(n))
}

// checkEquatable refuses what RocketMQ refuses on either side of = and <>:
// NULL (IS NULL is the test for it), and TRUE or FALSE against another
// kind of literal.
func checkEquatable(l, r node, pos int) error {
	for _, n := range []node{l, r} {
		if c, ok := n.(*constant); ok && c.v.kind == kindNull {
			return parseErrorf(pos, "NULL cannot be compared with = or <>; use IS NULL")
		}
	}
	lc, lok := l.(*constant)
	rc, rok := r.(*constant)
	if lok && rok && lc.v.kind == kindBool && rc.v.kind != kindBool {
		return parseErrorf(pos, "%s cannot be compared with %s", text(l), text(r))
	}
	return nil
}

// checkOrderable refuses operands that cannot be ordered: literals other
// than numbers, and boolean expressions.
func checkOrderable(pos int, operands ...node) error {
	for _, n := range operands {
		if c, ok := n.(*constant); ok && c.v.kind != kindLong && c.v.kind != kindDouble {
			return parseErrorf(pos, "%s cannot be ordered: only numbers can", text(n))
		}
		if isBoolean(n) {
			return parseErrorf(pos, "the boolean %s cannot be ordered", text(n))
		}
	}
	return nil
}

// checkRange refuses a BETWEEN whose literal bounds are reversed.
func checkRange(lo, hi node, pos int) error {
	lc, lok := lo.(*constant)
	hc, hok := hi.(*constant)
	if !lok || !hok || lc.v.kind == kindNull || hc.v.kind == kindNull {
		return nil // NULL bounds fail the ordering check
	}
	if c, err := compareValues(hc.v, lc.v); err == nil && c < 0 {
		return parseErrorf(pos, "the low bound %s of BETWEEN is above its high bound %s", text(lo), text(hi))
	}
	return nil
}

// text prints n for an error message.
func text(n node) string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}
