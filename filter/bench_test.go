package filter

import (
	"testing"

	"github.com/rocketstore/rocketstore/message"
)

// BenchmarkMatchRecord evaluates SQL92 expressions on a record with ten
// properties, as a pull does for every unit that passed the tag hash.
func BenchmarkMatchRecord(b *testing.B) {
	props := map[string]string{message.PropertyTags: "TagA", message.PropertyKeys: "order-1", "UNIQ_KEY": "7F000001ABCD",
		"region": "eu-west", "a": "7", "price": "12.5", "vip": "true", "c1": "x", "c2": "y", "c3": "z"}
	rec := encodeRecord(b, props)
	for _, expr := range []string{
		"a > 5",
		"region = 'eu-west' AND price BETWEEN 10.0 AND 20.5",
		"TAGS IN ('TagA', 'TagB') AND vip = TRUE AND region STARTSWITH 'eu'",
		"missing > 5 OR c3 = 'z'",
	} {
		e, err := ParseSQL92(expr)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(expr, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(rec)))
			for b.Loop() {
				if !e.MatchRecord(rec) {
					b.Fatal("no match")
				}
			}
		})
	}
}

// BenchmarkParse compiles a typical subscription.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSQL92("region = 'eu-west' AND (price BETWEEN 10 AND 20.5 OR vip IS NOT NULL)"); err != nil {
			b.Fatal(err)
		}
	}
}
