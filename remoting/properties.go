package remoting

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// ParseProperties reads the Java properties text that UPDATE_BROKER_CONFIG
// and UPDATE_NAMESRV_CONFIG carry in their bodies (RocketMQ's
// MixAll.string2Properties): key=value or key:value lines, blank lines and
// # or ! comments skipped.
func ParseProperties(text []byte) (map[string]string, error) {
	props := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		i := strings.IndexAny(line, "=:")
		if i <= 0 {
			return nil, fmt.Errorf("line %q is not key=value", line)
		}
		props[strings.TrimSpace(line[:i])] = strings.TrimSpace(line[i+1:])
	}
	return props, sc.Err()
}
