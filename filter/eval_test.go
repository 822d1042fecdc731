package filter

import (
	"testing"

	"github.com/rocketstore/rocketstore/message"
)

// outcome evaluates e on props: "TRUE", "FALSE", "NULL" or "ERROR".
func outcome(e *Expr, props message.Properties) string {
	v, err := e.root.eval(props)
	switch {
	case err != nil:
		return "ERROR"
	case v.kind == kindNull:
		return "NULL"
	case v.kind != kindBool:
		return "NOT BOOLEAN"
	case v.b:
		return "TRUE"
	}
	return "FALSE"
}

// The properties the semantics table evaluates on.
var evalProps = message.EncodeProperties(map[string]string{
	"a": "7", "big": "3000000000", "neg": "-2", "half": "2.5", "blank": " 7 ", "s": "hello", "empty": "",
	"t": "TRUE", "f": "no", "TAGS": "TagA", "n7": "7", "n70": "7.0",
})

func TestEvalSemantics(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		// Numbers: a string property read as the literal's kind.
		{"a > 5", "TRUE"}, {"a > 7", "FALSE"}, {"a >= 7", "TRUE"}, {"a < 7.5", "TRUE"}, {"a <= 6.9", "FALSE"},
		{"a = 7", "TRUE"}, {"a = 7.0", "TRUE"}, {"a <> 7", "FALSE"}, {"5 < a", "TRUE"},
		{"big > 5", "TRUE"},                                             // a long beyond 32 bits
		{"neg < 0", "TRUE"}, {"neg = -2", "TRUE"}, {"-neg > 0", "NULL"}, // only numbers negate
		{"half > 2", "ERROR"},                           // 2.5 is not a long
		{"half > 2.0", "TRUE"},                          // but a double
		{"blank = 7.0", "TRUE"}, {"blank = 7", "ERROR"}, // Double.valueOf trims, Long.valueOf does not
		{"s > 5", "ERROR"}, {"s = 5", "ERROR"}, {"s = 5 OR a = 7", "ERROR"}, // an error fails the whole expression
		{"a = 7 OR s = 5", "TRUE"}, // unless OR was decided before it
		{"1 = 1.0", "TRUE"}, {"2 > 1.5", "TRUE"},
		// Strings: equality byte for byte; order only as numbers.
		{"s = 'hello'", "TRUE"}, {"s = 'Hello'", "FALSE"}, {"s <> 'x'", "TRUE"}, {"empty = ''", "TRUE"},
		{"n7 = n70", "FALSE"}, {"n7 < n70", "FALSE"}, {"n7 >= n70", "TRUE"}, {"s > a", "ERROR"},
		{"TAGS = 'TagA'", "TRUE"}, {"TAGS IN ('TagB', 'TagA')", "TRUE"},
		// Booleans.
		{"t = TRUE", "TRUE"}, {"TRUE = t", "TRUE"}, {"f = FALSE", "TRUE"}, {"f = TRUE", "FALSE"},
		{"5 = TRUE", "FALSE"}, {"(a > 5) = TRUE", "TRUE"}, {"a", "FALSE"}, {"NOT a", "TRUE"},
		{"TRUE", "TRUE"}, {"FALSE", "FALSE"}, {"NULL", "NULL"},
		// NULL: a missing property.
		{"x > 5", "NULL"}, {"x = 5", "NULL"}, {"x <> 5", "NULL"}, {"5 = x", "NULL"}, {"x = y", "NULL"},
		{"NOT (x > 5)", "NULL"}, {"x", "NULL"}, {"-x > 1", "NULL"},
		{"x IS NULL", "TRUE"}, {"a IS NULL", "FALSE"}, {"x IS NOT NULL", "FALSE"}, {"empty IS NOT NULL", "TRUE"},
		{"x > 5 AND a > 5", "NULL"}, {"x > 5 AND a > 9", "FALSE"}, {"x > 5 OR a > 5", "TRUE"}, {"x > 5 OR a > 9", "NULL"},
		{"a > 9 AND s = 5", "FALSE"}, // AND decided before the failing comparison
		{"x IN ('a')", "NULL"}, {"x NOT IN ('a')", "NULL"},
		// BETWEEN.
		{"a BETWEEN 7 AND 8", "TRUE"}, {"a BETWEEN 1 AND 6.5", "FALSE"}, {"a NOT BETWEEN 1 AND 6.5", "TRUE"},
		{"a NOT BETWEEN 7 AND 8", "FALSE"}, {"x BETWEEN 1 AND 2", "NULL"}, {"x NOT BETWEEN 1 AND 2", "NULL"},
		{"a BETWEEN x AND 9", "NULL"}, {"a BETWEEN x AND 5", "FALSE"},
		// IN.
		{"s IN ('a', 'hello')", "TRUE"}, {"s NOT IN ('a', 'hello')", "FALSE"}, {"a IN ('7.0')", "FALSE"},
		{"s IN ('1', '2', '3', '4', '5', '6', '7', 'hello')", "TRUE"}, // a set from eight values on
		{"s NOT IN ('1', '2', '3', '4', '5', '6', '7', 'hello')", "FALSE"}, {"a IN ('1', '2', '3', '4', '5', '6', '8', '7.0')", "FALSE"},
		// CONTAINS, STARTSWITH, ENDSWITH: FALSE for NULL, a non-string or an empty search, in both forms.
		{"s CONTAINS 'ell'", "TRUE"}, {"s NOT CONTAINS 'ell'", "FALSE"}, {"s STARTSWITH 'he'", "TRUE"},
		{"s ENDSWITH 'lo'", "TRUE"}, {"s NOT ENDSWITH 'x'", "TRUE"}, {"s STARTSWITH 'lo'", "FALSE"},
		{"x CONTAINS 'a'", "FALSE"}, {"x NOT CONTAINS 'a'", "FALSE"}, {"s CONTAINS ''", "FALSE"},
		{"s NOT CONTAINS ''", "FALSE"}, {"5 CONTAINS '5'", "FALSE"}, {"(a > 5) NOT ENDSWITH 'x'", "FALSE"},
	} {
		e, err := ParseSQL92(tc.expr)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		if got := outcome(e, evalProps); got != tc.want {
			t.Errorf("%q is %s, want %s", tc.expr, got, tc.want)
		}
		if e.Match(evalProps) != (tc.want == "TRUE") {
			t.Errorf("%q: Match disagrees with %s", tc.expr, tc.want)
		}
	}
}

func TestMatchRecordReadsThePropertiesInPlace(t *testing.T) {
	rec := encodeRecord(t, map[string]string{"a": "7", message.PropertyTags: "TagA"})
	for expr, want := range map[string]bool{"a > 5": true, "a > 7": false, "TAGS = 'TagA'": true, "b IS NULL": true} {
		e, err := ParseSQL92(expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.MatchRecord(rec); got != want {
			t.Errorf("%s on the record: %v, want %v", expr, got, want)
		}
		if !e.MatchTagsCode(12345) {
			t.Errorf("%s rejects a tag hash: it cannot know", expr)
		}
		if e.MatchRecord(rec[:len(rec)-1]) {
			t.Errorf("%s matches a truncated record", expr)
		}
	}
}

// encodeRecord encodes a commit-log record with props.
func encodeRecord(t testing.TB, props map[string]string) []byte {
	t.Helper()
	r := message.Record{Message: message.Message{Topic: "T", Body: []byte("body"), Properties: message.EncodeProperties(props)}}
	buf := make([]byte, 512)
	n, err := message.Encode(buf, &r)
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n]
}
