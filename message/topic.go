package message

import "fmt"

// legalTopicChar marks the bytes RocketMQ allows in a topic (and group)
// name: its validator's pattern is ^[%|a-zA-Z0-9_-]+$.
var legalTopicChar = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '%' || c == '|' || c == '-' || c == '_'
	}
	return t
}()

// ValidateTopicChars checks that topic is not empty and holds only the
// characters RocketMQ allows in a topic name: letters, digits, '%', '|',
// '-' and '_'. Its length is the layout's to limit (see EncodedSize); a
// broker limits it further. EncodedSize applies it to every message a
// commit log stores, and a commit log's recovery to every record it keeps:
// a torn write leaves zeros, which no topic holds.
func ValidateTopicChars(topic string) error { return topicChars(topic) }

func topicChars[T string | []byte](topic T) error {
	if len(topic) == 0 {
		return ErrEmptyTopic
	}
	for i := 0; i < len(topic); i++ {
		if !legalTopicChar[topic[i]] {
			return fmt.Errorf("%w: %q has %q at byte %d; allowed are letters, digits, %%, |, - and _", ErrIllegalTopic, topic, topic[i], i)
		}
	}
	return nil
}
