package message

// JavaStringHash is Java's String.hashCode of s: s[0]*31^(n-1) + ... +
// s[n-1] over UTF-16 code units, in int32 arithmetic. RocketMQ uses it for
// tag codes and index slots, so it must match Java exactly, including
// characters outside the Basic Multilingual Plane (two surrogate units).
func JavaStringHash(s string) int32 {
	var h int32
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x80 {
			h = 31*h + int32(c)
			continue
		}
		// Non-ASCII: decode the rest rune by rune.
		for _, r := range s[i:] {
			if r >= 0x10000 {
				r -= 0x10000
				h = 31*h + int32(0xD800+(r>>10))
				h = 31*h + int32(0xDC00+(r&0x3FF))
			} else {
				h = 31*h + int32(r)
			}
		}
		return h
	}
	return h
}

// TagsCode is the tag hash stored in consume-queue units: the Java hash of
// the TAGS value, sign-extended, or 0 without tags.
func TagsCode(tags string) int64 {
	if tags == "" {
		return 0
	}
	return int64(JavaStringHash(tags))
}
