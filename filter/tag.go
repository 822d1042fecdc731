package filter

import (
	"slices"
	"strings"

	"github.com/rocketstore/rocketstore/message"
)

// TagFilter matches messages by tag, as a TAG expression ("TagA || TagC")
// does in RocketMQ's broker: by the tag hashes the consume queue keeps, so
// that no commit-log record is read for a message it rejects. Hashes can
// collide, so a consumer checks the tag string again (clients do).
type TagFilter struct {
	codes []int64
}

// NewTagFilter compiles a TAG expression: tags separated by "||", blanks
// around them ignored. "", "*" and an expression without tags match every
// message and give nil.
func NewTagFilter(expr string) *TagFilter {
	expr = strings.TrimSpace(expr)
	if expr == "" || expr == "*" {
		return nil
	}
	var f TagFilter
	for tag := range strings.SplitSeq(expr, "||") {
		if tag = strings.TrimSpace(tag); tag != "" {
			if c := message.TagsCode(tag); !slices.Contains(f.codes, c) {
				f.codes = append(f.codes, c)
			}
		}
	}
	if len(f.codes) == 0 {
		return nil
	}
	return &f
}

// MatchTagsCode implements Filter.
func (f *TagFilter) MatchTagsCode(code int64) bool { return slices.Contains(f.codes, code) }

// MatchRecord implements Filter: the tag hash has decided already.
func (f *TagFilter) MatchRecord([]byte) bool { return true }
