package remoting

import (
	"maps"
	"testing"
)

func TestParseProperties(t *testing.T) {
	got, err := ParseProperties([]byte("# comment\n! also\n\n a = 1 \nb:2\nc=x=y\n"))
	if want := map[string]string{"a": "1", "b": "2", "c": "x=y"}; err != nil || !maps.Equal(got, want) {
		t.Fatalf("got %v %v, want %v", got, err, want)
	}
	for _, bad := range []string{"novalue", "=1"} {
		if _, err := ParseProperties([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
