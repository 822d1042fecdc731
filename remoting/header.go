package remoting

import (
	"strconv"
	"strings"
)

// Typed access to ExtFields. RocketMQ carries every request and response
// header field as a string (Java's RemotingCommand.makeCustomHeaderToNet
// and decodeCommandCustomHeader); these helpers do the parsing with the
// same rules and report problems as *FieldError naming the key.

// Lookup returns the ExtFields value for key and whether it is present.
func (c *Command) Lookup(key string) (string, bool) {
	v, ok := c.ExtFields[key]
	return v, ok
}

// Field returns the value of a required string field. It is not named
// String so that Command can be a fmt.Stringer.
func (c *Command) Field(key string) (string, error) {
	f := fields{m: c.ExtFields}
	v := f.str(key)
	return v, f.err
}

// Int32 parses a required int32 field.
func (c *Command) Int32(key string) (int32, error) {
	f := fields{m: c.ExtFields}
	v := f.int32(key)
	return v, f.err
}

// Int64 parses a required int64 field.
func (c *Command) Int64(key string) (int64, error) {
	f := fields{m: c.ExtFields}
	v := f.int64(key)
	return v, f.err
}

// Bool parses a required boolean field: "true" or "false" in any case.
func (c *Command) Bool(key string) (bool, error) {
	f := fields{m: c.ExtFields}
	v := f.bool(key)
	return v, f.err
}

// Set stores a string field, creating ExtFields if needed.
func (c *Command) Set(key, value string) {
	c.ExtFields = setField(c.ExtFields, key, value)
}

// SetInt32 stores an int32 field in decimal.
func (c *Command) SetInt32(key string, v int32) {
	c.Set(key, strconv.FormatInt(int64(v), 10))
}

// SetInt64 stores an int64 field in decimal.
func (c *Command) SetInt64(key string, v int64) {
	c.Set(key, strconv.FormatInt(v, 10))
}

// SetBool stores a boolean field as "true" or "false".
func (c *Command) SetBool(key string, v bool) {
	c.Set(key, strconv.FormatBool(v))
}

// setField stores key in m, allocating m when nil, and returns m.
func setField(m map[string]string, key, value string) map[string]string {
	if m == nil {
		m = make(map[string]string)
	}
	m[key] = value
	return m
}

// fields reads typed values out of ExtFields and keeps the first error, so
// a header's Decode reads all its fields in a row and checks once. Required
// getters fail on absence; opt* getters return a default instead, the way
// Java leaves an unannotated or @CFNullable field null.
type fields struct {
	m   map[string]string
	err error
}

func (f *fields) fail(key, value, want string, sentinel error) {
	if f.err == nil {
		f.err = &FieldError{Key: key, Value: value, Want: want, Err: sentinel}
	}
}

// get returns a required value, recording ErrMissingField when absent.
func (f *fields) get(key, want string) (string, bool) {
	v, ok := f.m[key]
	if !ok {
		f.fail(key, "", want, ErrMissingField)
	}
	return v, ok
}

func (f *fields) str(key string) string {
	v, _ := f.get(key, "string")
	return v
}

func (f *fields) optStr(key string) string { return f.m[key] }

func (f *fields) int32(key string) int32 {
	if v, ok := f.get(key, "int32"); ok {
		return f.parseInt32(key, v)
	}
	return 0
}

func (f *fields) optInt32(key string, absent int32) int32 {
	if v, ok := f.m[key]; ok {
		return f.parseInt32(key, v)
	}
	return absent
}

func (f *fields) int64(key string) int64 {
	if v, ok := f.get(key, "int64"); ok {
		return f.parseInt64(key, v)
	}
	return 0
}

func (f *fields) bool(key string) bool {
	if v, ok := f.get(key, "bool"); ok {
		return f.parseBool(key, v)
	}
	return false
}

func (f *fields) optBool(key string) bool {
	if v, ok := f.m[key]; ok {
		return f.parseBool(key, v)
	}
	return false
}

// parseInt32 accepts what Java's Integer.parseInt accepts: optional sign,
// decimal digits, in range.
func (f *fields) parseInt32(key, v string) int32 {
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		f.fail(key, v, "int32", ErrInvalidField)
	}
	return int32(n)
}

func (f *fields) parseInt64(key, v string) int64 {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		f.fail(key, v, "int64", ErrInvalidField)
	}
	return n
}

// parseBool accepts "true" and "false" in any case. Java's
// Boolean.parseBoolean reads anything else as false; refusing it instead
// surfaces a client bug rather than silently flipping a flag.
func (f *fields) parseBool(key, v string) bool {
	switch {
	case strings.EqualFold(v, "true"):
		return true
	case strings.EqualFold(v, "false"):
		return false
	}
	f.fail(key, v, "bool", ErrInvalidField)
	return false
}

// Formatting helpers for the headers' Encode methods.

func formatInt32(v int32) string { return strconv.FormatInt(int64(v), 10) }
func formatInt64(v int64) string { return strconv.FormatInt(v, 10) }
