package filter

import (
	"testing"

	"github.com/rocketstore/rocketstore/message"
)

func TestTagFilter(t *testing.T) {
	for _, all := range []string{"", "*", " * ", "||", " || "} {
		if f := NewTagFilter(all); f != nil {
			t.Errorf("NewTagFilter(%q) = %v, want nil (every message)", all, f)
		}
	}
	f := NewTagFilter(" TagA ||TagC|| TagA ")
	if len(f.codes) != 2 {
		t.Errorf("codes %v: a repeated tag is kept once", f.codes)
	}
	for tag, want := range map[string]bool{"TagA": true, "TagC": true, "TagB": false, "": false, "TagA ": false} {
		if got := f.MatchTagsCode(message.TagsCode(tag)); got != want {
			t.Errorf("%q: %v, want %v", tag, got, want)
		}
	}
	if !f.MatchRecord(nil) {
		t.Error("MatchRecord rejects: the tag hash decides alone")
	}
}
