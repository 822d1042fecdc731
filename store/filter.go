package store

import (
	"strings"

	"github.com/rocketstore/rocketstore/message"
)

// TagFilter matches messages by tag, as a TAG subscription expression
// ("TagA || TagC") does in RocketMQ: by the tag hashes in the consume queue.
// Hashes can collide, so a consumer re-checks the tag string.
type TagFilter struct {
	codes []int64
}

// NewTagFilter parses a subscription expression. "", "*" and an expression
// without tags match everything and give nil.
func NewTagFilter(expr string) *TagFilter {
	expr = strings.TrimSpace(expr)
	if expr == "" || expr == "*" {
		return nil
	}
	var f TagFilter
	for tag := range strings.SplitSeq(expr, "||") {
		if tag = strings.TrimSpace(tag); tag != "" {
			f.codes = append(f.codes, message.TagsCode(tag))
		}
	}
	if len(f.codes) == 0 {
		return nil
	}
	return &f
}

// MatchTagsCode implements MessageFilter.
func (f *TagFilter) MatchTagsCode(code int64) bool {
	for _, c := range f.codes {
		if c == code {
			return true
		}
	}
	return false
}

// MatchRecord implements MessageFilter: tags were matched by hash already.
func (f *TagFilter) MatchRecord([]byte) bool { return true }
