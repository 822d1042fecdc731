package filter

import (
	"strings"
)

// tokenKind is a token of the SQL92 grammar.
type tokenKind uint8

const (
	tokEOF tokenKind = iota
	tokIdent
	tokLong   // decimal literal, optional L suffix
	tokDouble // floating-point literal
	tokString // quoted literal; text holds the decoded value
	tokNot
	tokAnd
	tokOr
	tokBetween
	tokIn
	tokTrue
	tokFalse
	tokNull
	tokIs
	tokContains
	tokStartsWith
	tokEndsWith
	tokEq     // =
	tokNe     // <>
	tokLt     // <
	tokLe     // <=
	tokGt     // >
	tokGe     // >=
	tokLParen // (
	tokRParen // )
	tokComma  // ,
	tokPlus   // +
	tokMinus  // -
)

// keywords are the reserved words, matched case-insensitively: a word
// spelled like one is never a property name.
var keywords = map[string]tokenKind{
	"NOT": tokNot, "AND": tokAnd, "OR": tokOr, "BETWEEN": tokBetween, "IN": tokIn,
	"TRUE": tokTrue, "FALSE": tokFalse, "NULL": tokNull, "IS": tokIs,
	"CONTAINS": tokContains, "STARTSWITH": tokStartsWith, "ENDSWITH": tokEndsWith,
}

var tokenNames = [...]string{
	tokEOF: "end of expression", tokIdent: "property", tokLong: "number", tokDouble: "number",
	tokString: "string", tokNot: "NOT", tokAnd: "AND", tokOr: "OR", tokBetween: "BETWEEN", tokIn: "IN",
	tokTrue: "TRUE", tokFalse: "FALSE", tokNull: "NULL", tokIs: "IS", tokContains: "CONTAINS",
	tokStartsWith: "STARTSWITH", tokEndsWith: "ENDSWITH", tokEq: "=", tokNe: "<>", tokLt: "<",
	tokLe: "<=", tokGt: ">", tokGe: ">=", tokLParen: "(", tokRParen: ")", tokComma: ",",
	tokPlus: "+", tokMinus: "-",
}

func (k tokenKind) String() string { return tokenNames[k] }

// token is one lexeme: its kind, its text (a string literal's decoded
// value) and its byte offset in the expression.
type token struct {
	kind tokenKind
	text string
	pos  int
}

// lexer splits an expression into tokens, as RocketMQ's grammar does: the
// longest match wins, a keyword before a property name of the same length.
type lexer struct {
	src string
	pos int
}

// next returns the next token, or a *ParseError.
func (l *lexer) next() (token, error) {
	if err := l.skipSpaceAndComments(); err != nil {
		return token{}, err
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tokEOF, pos: start}, nil
	}
	c := l.src[l.pos]
	switch {
	case isIdentStart(c):
		for l.pos < len(l.src) && isIdentPart(l.src[l.pos]) {
			l.pos++
		}
		word := l.src[start:l.pos]
		if k, ok := keywords[strings.ToUpper(word)]; ok {
			return token{kind: k, text: word, pos: start}, nil
		}
		return token{kind: tokIdent, text: word, pos: start}, nil
	case isDigit(c) || c == '.':
		return l.number()
	case c == '\'':
		return l.quoted()
	}
	two := ""
	if l.pos+1 < len(l.src) {
		two = l.src[l.pos : l.pos+2]
	}
	switch two {
	case "<>":
		l.pos += 2
		return token{kind: tokNe, pos: start}, nil
	case "<=":
		l.pos += 2
		return token{kind: tokLe, pos: start}, nil
	case ">=":
		l.pos += 2
		return token{kind: tokGe, pos: start}, nil
	}
	if k := punctuation[c]; k != tokEOF {
		l.pos++
		return token{kind: k, pos: start}, nil
	}
	return token{}, parseErrorf(start, "unexpected character %q", c)
}

// punctuation maps the one-byte operators to their tokens (tokEOF: none).
var punctuation = [256]tokenKind{'=': tokEq, '<': tokLt, '>': tokGt, '(': tokLParen, ')': tokRParen,
	',': tokComma, '+': tokPlus, '-': tokMinus}

func (l *lexer) skipSpaceAndComments() error {
	for l.pos < len(l.src) {
		switch rest := l.src[l.pos:]; {
		case strings.ContainsRune(" \t\n\r\f", rune(rest[0])):
			l.pos++
		case strings.HasPrefix(rest, "--"):
			// To the end of the line (or of the expression).
			if i := strings.IndexAny(rest, "\r\n"); i >= 0 {
				l.pos += i + 1
			} else {
				l.pos = len(l.src)
			}
		case strings.HasPrefix(rest, "/*"):
			i := strings.Index(rest[2:], "*/")
			if i < 0 {
				return parseErrorf(l.pos, "comment is not closed")
			}
			l.pos += 2 + i + 2
		default:
			return nil
		}
	}
	return nil
}

// number reads the longest numeric literal: a double ("1.5", ".5", "5.",
// "5e3", "1.5E-3") or a long ("0", or a non-zero digit and digits, with an
// optional L). "007" is the long 0 followed by the long 7, as in RocketMQ.
func (l *lexer) number() (token, error) {
	start := l.pos
	src := l.src
	digits := func(i int) int {
		for i < len(src) && isDigit(src[i]) {
			i++
		}
		return i
	}
	exponent := func(i int) int { // the end of an exponent at i, or i
		if i >= len(src) || src[i]|0x20 != 'e' {
			return i
		}
		j := i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if k := digits(j); k > j {
			return k
		}
		return i
	}
	// The longest double.
	doubleEnd := -1
	intEnd := digits(start)
	if intEnd < len(src) && src[intEnd] == '.' && (intEnd > start || digits(intEnd+1) > intEnd+1) {
		doubleEnd = exponent(digits(intEnd + 1))
	} else if intEnd > start {
		if e := exponent(intEnd); e > intEnd {
			doubleEnd = e
		}
	}
	// The longest long.
	longEnd := -1
	if src[start] == '0' {
		longEnd = start + 1
	} else if intEnd > start {
		longEnd = intEnd
		if longEnd < len(src) && src[longEnd]|0x20 == 'l' {
			longEnd++
		}
	}
	switch {
	case doubleEnd > longEnd:
		l.pos = doubleEnd
		return token{kind: tokDouble, text: src[start:doubleEnd], pos: start}, nil
	case longEnd > start:
		l.pos = longEnd
		return token{kind: tokLong, text: src[start:longEnd], pos: start}, nil
	}
	return token{}, parseErrorf(start, "unexpected character '.'")
}

// quoted reads a string literal; two quotes inside stand for one.
func (l *lexer) quoted() (token, error) {
	start := l.pos
	var b strings.Builder
	for i := start + 1; i < len(l.src); i++ {
		if l.src[i] != '\'' {
			b.WriteByte(l.src[i])
			continue
		}
		if i+1 < len(l.src) && l.src[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		l.pos = i + 1
		return token{kind: tokString, text: b.String(), pos: start}, nil
	}
	return token{}, parseErrorf(start, "string is not closed")
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' || c == '_' || c == '$' }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }
