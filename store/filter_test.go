package store

import (
	"testing"

	"github.com/rocketstore/rocketstore/filter"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

// countingFilter wraps a filter and counts the records it was shown: the
// tag step must spare the commit-log read of a rejected unit.
type countingFilter struct {
	filter.Filter
	records int
}

func (f *countingFilter) MatchRecord(rec []byte) bool {
	f.records++
	return f.Filter.MatchRecord(rec)
}

func TestGetMessageFiltersByTagHashThenByRecord(t *testing.T) {
	s := openStore(t, "s", testOptions(mappedfile.NewMemFS()))
	defer s.Close()
	for seq := range int64(30) {
		mustPut(t, s, testMessage(seq*testQueues, 100)) // queue 0; tags A, B, C in turn
	}
	mustDispatch(t, s)
	pull := func(f filter.Filter) []string {
		t.Helper()
		r, err := s.GetMessage("g", testTopic, 0, 0, 32, f)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Release()
		if r.NextBeginOffset != 30 {
			t.Fatalf("next offset %d, want 30: the filtered units are passed over", r.NextBeginOffset)
		}
		var keys []string
		for _, e := range r.Messages {
			rec, err := message.Decode(e.Bytes, true)
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, rec.Properties.Get(message.PropertyUniqKey))
		}
		return keys
	}
	tags := &countingFilter{Filter: filter.NewTagFilter("TagC")}
	if got := pull(tags); len(got) != 10 || got[0] != testUniq(2*testQueues) {
		t.Fatalf("TagC: %v", got)
	}
	if tags.records != 10 {
		t.Fatalf("the tag filter saw %d records, want only the 10 its hash let through", tags.records)
	}
	sql, err := filter.ParseSQL92("UNIQ_KEY IN ('" + testUniq(4*testQueues) + "', '" + testUniq(8*testQueues) + "') AND TAGS <> 'TagC'")
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingFilter{Filter: sql}
	if got := pull(counted); len(got) != 1 || got[0] != testUniq(4*testQueues) {
		t.Fatalf("SQL92: %v, want the one message with UNIQ_KEY %s (the other is TagC)", got, testUniq(4*testQueues))
	}
	if counted.records != 30 {
		t.Fatalf("the SQL92 filter saw %d records, want all 30", counted.records)
	}
}
