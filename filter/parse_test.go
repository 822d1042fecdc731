package filter

import (
	"errors"
	"strings"
	"testing"
)

func TestParseGrammar(t *testing.T) {
	for _, tc := range []struct{ in, canonical string }{
		// Comparisons and literals.
		{"a > 5", "(a > 5)"},
		{"a >= 5L", "(a >= 5)"},
		{"a < 1.5", "(a < 1.5)"},
		{"a <= .5", "(a <= 0.5)"},
		{"a > 5.", "(a > 5.0)"},
		{"a > 1e3", "(a > 1000.0)"},
		{"a > 1.5E-3", "(a > 0.0015)"},
		{"a > 1e21", "(a > 1e+21)"},
		{"a = 'x'", "(a = 'x')"},
		{"a <> 'it''s'", "(a <> 'it''s')"},
		{"a = TRUE", "(a = TRUE)"},
		{"a = b", "(a = b)"},
		{"0 < a", "(0 < a)"},
		{"a > -5", "(a > (-5))"},
		{"a > +5", "(a > 5)"},
		{"a > - -5", "(a > (-(-5)))"},
		// BETWEEN, IN, IS NULL, CONTAINS and their NOT forms.
		{"a BETWEEN 1 AND 5", "(a BETWEEN 1 AND 5)"},
		{"a NOT BETWEEN 1 AND 5.5", "(a NOT BETWEEN 1 AND 5.5)"},
		{"a BETWEEN 1 AND 5 AND b = 'x'", "((a BETWEEN 1 AND 5) AND (b = 'x'))"},
		{"a IN ('x')", "(a IN ('x'))"},
		{"a NOT IN ('x', 'y', '')", "(a NOT IN ('x', 'y', ''))"},
		{"a IS NULL", "(a IS NULL)"},
		{"a IS NOT NULL", "(a IS NOT NULL)"},
		{"a CONTAINS 'x'", "(a CONTAINS 'x')"},
		{"a NOT STARTSWITH 'x'", "(a NOT STARTSWITH 'x')"},
		{"a ENDSWITH ''", "(a ENDSWITH '')"},
		// Logic, precedence, parentheses.
		{"a > 1 AND b < 2 OR c = 3", "(((a > 1) AND (b < 2)) OR (c = 3))"},
		{"a > 1 OR b < 2 AND c = 3", "((a > 1) OR ((b < 2) AND (c = 3)))"},
		{"(a > 1 OR b < 2) AND c = 3", "(((a > 1) OR (b < 2)) AND (c = 3))"},
		{"NOT (a > 1)", "(NOT (a > 1))"},
		{"NOT NOT a IS NULL", "((NOT (NOT a)) IS NULL)"}, // NOT binds tighter, as in RocketMQ
		{"a = 1 = TRUE", "((a = 1) = TRUE)"},
		{"a AND b", "(a AND b)"},
		{"a", "a"},
		{"TRUE", "TRUE"},
		{"NULL", "NULL"},
		{"NULL OR a > 1", "(NULL OR (a > 1))"},
		{"TAGS = 'A' OR TAGS = 'C'", "((TAGS = 'A') OR (TAGS = 'C'))"},
		// Case, blanks and comments.
		{"a between 1 and 2 or b is not null", "((a BETWEEN 1 AND 2) OR (b IS NOT NULL))"},
		{"Aa_$1 = true", "(Aa_$1 = TRUE)"},
		{"\ta\r\n>\f5", "(a > 5)"},
		{"a > 5 -- five\n AND /* and */ b < 2", "((a > 5) AND (b < 2))"},
		{"a > 5 -- to the end", "(a > 5)"},
		{"andy = 1", "(andy = 1)"}, // a keyword only as a whole word
	} {
		e, err := ParseSQL92(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got := e.String(); got != tc.canonical {
			t.Errorf("%q prints %q, want %q", tc.in, got, tc.canonical)
		}
	}
}

func TestParseRefusals(t *testing.T) {
	for _, tc := range []struct {
		in     string
		offset int
		reason string
	}{
		{"", 0, "empty"},
		{"   ", 0, "empty"},
		{"a >", 3, "expected a value"},
		{"a > 5 b", 6, "expected an operator"},
		{"(a > 5", 6, "expected )"},
		{"a > 'x'", 2, "cannot be ordered"},
		{"a > TRUE", 2, "cannot be ordered"},
		{"a > NULL", 2, "cannot be ordered"},
		{"(a > 1) > 2", 8, "boolean"},
		{"a BETWEEN 5 AND 1", 2, "above its high bound"},
		{"a BETWEEN 'a' AND 'b'", 2, "cannot be ordered"},
		{"a = NULL", 2, "use IS NULL"},
		{"NULL <> a", 5, "use IS NULL"},
		{"TRUE = 5", 5, "cannot be compared"},
		{"'x' IN ('x')", 4, "IN needs a property"},
		{"a IN ()", 6, "expected string"},
		{"a IN (1)", 6, "expected string"},
		{"a CONTAINS b", 11, "expected string"},
		{"5", 0, "will not result in a boolean"},
		{"'x' AND a", 0, "will not result in a boolean"},
		{"NOT 5", 4, "will not result in a boolean"},
		{"NOT a > 5", 6, "boolean"}, // NOT a is boolean, and cannot be ordered
		{"a NOT b", 2, "expected an operator"},
		{"a IS 5", 5, "expected NULL"},
		{"a != 5", 2, "unexpected character '!'"},
		{"a = 'x", 4, "string is not closed"},
		{"a = 1 /* x", 6, "comment is not closed"},
		{"a = .", 4, "unexpected character '.'"},
		{"a = 007", 5, "expected an operator"},
		{"a = 0L", 5, "expected an operator"},
		{"a = 9223372036854775808", 4, "range of a long"},
		{"a = 1e400", 4, "range of a double"},
		{"a = 5 AND", 9, "expected a value"},
		{"and = 1", 0, "expected a value"},
		{"a.b = 1", 1, "unexpected character '.'"},
		{strings.Repeat("(", 300) + "a" + strings.Repeat(")", 300), 200, "nests deeper"},
		{strings.Repeat("NOT ", 300) + "a", 800, "nests deeper"},
		{"a IN ('" + strings.Repeat("x", MaxExpressionLength) + "')", MaxExpressionLength, "longer than"},
	} {
		_, err := ParseSQL92(tc.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%.40q: error %v, want a *ParseError", tc.in, err)
			continue
		}
		if pe.Offset != tc.offset || !strings.Contains(pe.Reason, tc.reason) {
			t.Errorf("%.40q: %v, want offset %d and %q", tc.in, err, tc.offset, tc.reason)
		}
	}
}

func TestCompileTypes(t *testing.T) {
	for _, typ := range []string{"", "TAG", "tag"} {
		if f, err := Compile(typ, " * "); f != nil || err != nil {
			t.Errorf("Compile(%q, *) = %v, %v; want nil, nil (every message)", typ, f, err)
		}
		if f, err := Compile(typ, "A || B"); err != nil || f == nil {
			t.Errorf("Compile(%q, A || B) = %v, %v", typ, f, err)
		}
	}
	for _, typ := range []string{"SQL92", "sql92"} {
		if f, err := Compile(typ, "a > 5"); err != nil || f == nil {
			t.Errorf("Compile(%q, a > 5) = %v, %v", typ, f, err)
		}
		var pe *ParseError
		if _, err := Compile(typ, "a >"); !errors.As(err, &pe) {
			t.Errorf("Compile(%q, a >) = %v, want a *ParseError", typ, err)
		}
	}
	if _, err := Compile("CLASS", "x"); !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("an unknown type gives %v, want ErrUnsupportedType", err)
	}
}
