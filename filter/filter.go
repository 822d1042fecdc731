package filter

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rocketstore/rocketstore/message"
)

// The expression types (RocketMQ's ExpressionType).
const (
	TypeTag   = "TAG"
	TypeSQL92 = "SQL92"
)

// ErrUnsupportedType reports an expression type other than TAG and SQL92.
var ErrUnsupportedType = errors.New("unsupported expression type")

// Filter selects the messages of a subscription, in the two steps of the
// store's pull (it is the store's MessageFilter): MatchTagsCode on a
// consume-queue unit's tag hash, then, for the units it let through,
// MatchRecord on the raw commit-log record.
type Filter interface {
	MatchTagsCode(tagsCode int64) bool
	MatchRecord(record []byte) bool
}

// IsTag reports whether typ names the TAG type: "TAG", or empty as RocketMQ
// takes a missing type. Case is ignored.
func IsTag(typ string) bool { return typ == "" || strings.EqualFold(typ, TypeTag) }

// IsSQL92 reports whether typ names the SQL92 type, ignoring case.
func IsSQL92(typ string) bool { return strings.EqualFold(typ, TypeSQL92) }

// Compile compiles expr of type typ. A nil Filter with a nil error means
// every message matches (a TAG expression "", "*" or without tags). The
// error is a *ParseError for an SQL92 expression that does not compile, or
// wraps ErrUnsupportedType.
func Compile(typ, expr string) (Filter, error) {
	switch {
	case IsTag(typ):
		if f := NewTagFilter(expr); f != nil {
			return f, nil
		}
		return nil, nil
	case IsSQL92(typ):
		e, err := ParseSQL92(expr)
		if err != nil {
			return nil, err
		}
		return e, nil
	}
	return nil, fmt.Errorf("%w %q (want TAG or SQL92)", ErrUnsupportedType, typ)
}

// Expr is a compiled SQL92 expression; a Filter that passes every tag hash
// and evaluates the expression on the record's properties.
type Expr struct {
	root node
}

// ParseSQL92 compiles an SQL92 expression; the error is a *ParseError.
func ParseSQL92(s string) (*Expr, error) {
	root, err := parseSQL92(s)
	if err != nil {
		return nil, err
	}
	return &Expr{root: root}, nil
}

// String is the expression in canonical form: every operation in
// parentheses, keywords in capitals. It compiles to the same expression.
func (e *Expr) String() string { return text(e.root) }

// Match reports whether a message with these properties matches: the
// expression is TRUE (not FALSE, not NULL, and its evaluation did not fail).
func (e *Expr) Match(props message.Properties) bool {
	v, err := e.root.eval(props)
	return err == nil && v.kind == kindBool && v.b
}

// MatchTagsCode implements Filter: the tag hash says nothing about the
// properties.
func (e *Expr) MatchTagsCode(int64) bool { return true }

// MatchRecord implements Filter: it reads the record's properties in place
// and evaluates the expression on them. A record that does not frame does
// not match.
func (e *Expr) MatchRecord(record []byte) bool {
	f, err := message.CheckFrame(record)
	return err == nil && e.Match(f.Properties)
}
