package admin

import (
	"encoding/json"
	"fmt"

	"github.com/rocketstore/rocketstore/remoting"
)

// RocketMQ's brokers and name servers encode bodies with fastjson, which
// writes a map's keys as whatever the key is: a MessageQueue key becomes an
// object and a Long key a bare number. Neither is JSON;
// remoting.NormalizeFastJSON makes it JSON, and MessageQueue.UnmarshalText
// and Go's integer map keys then read the keys back.

// errJavaJSON is wrapped by every error decodeJavaJSON returns.
var errJavaJSON = remoting.ErrFastJSON

// decodeJavaJSON decodes a fastjson-encoded body into v.
func decodeJavaJSON(body []byte, v any) error {
	norm, err := remoting.NormalizeFastJSON(body)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(norm, v); err != nil {
		return fmt.Errorf("%w: %v", errJavaJSON, err)
	}
	return nil
}
