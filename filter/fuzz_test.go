package filter

import (
	"reflect"
	"testing"
)

// FuzzParse: no input panics the parser, and a compiled expression prints
// to text that compiles to the same tree, prints the same and evaluates
// the same.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"a > 5", "a BETWEEN 1 AND 2.5e3 OR b NOT IN ('x', 'it''s')", "NOT (TAGS IS NULL) AND c CONTAINS 'z'",
		"a NOT STARTSWITH 'p' AND -b <= -1.5", "(x = TRUE) = FALSE", "n7 = n70 -- c\n", "a /* c */ IS NOT NULL",
		"s ENDSWITH 'lo' OR NULL", "+a > .5", "big >= 3000000000L", "a", "NOT NOT a",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseSQL92(s)
		if err != nil {
			return
		}
		printed := e.String()
		again, err := ParseSQL92(printed)
		if err != nil {
			t.Fatalf("%q printed as %q, which does not compile: %v", s, printed, err)
		}
		if !reflect.DeepEqual(e, again) {
			t.Fatalf("%q printed as %q compiles to another tree", s, printed)
		}
		if p2 := again.String(); p2 != printed {
			t.Fatalf("%q prints %q, then %q", s, printed, p2)
		}
		if a, b := outcome(e, evalProps), outcome(again, evalProps); a != b {
			t.Fatalf("%q is %s, printed as %q it is %s", s, a, printed, b)
		}
	})
}
