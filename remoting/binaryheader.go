package remoting

import (
	"encoding/binary"
	"math"
	"slices"
)

// binaryFixedLength is the binary header without remark and extFields:
// code 2, language 1, version 2, opaque 4, flag 4, remark length 4 and
// extFields length 4.
const binaryFixedLength = 21

// appendBinaryHeader appends c's header in RocketMQSerializable's layout.
// Java writes extFields in HashMap order; any order decodes the same, and
// sorting makes frames reproducible for tests and captures.
func appendBinaryHeader(dst []byte, c *Command) ([]byte, error) {
	start := len(dst)
	dst = binary.BigEndian.AppendUint16(dst, uint16(c.Code))
	dst = append(dst, LanguageCode(c.Language))
	dst = binary.BigEndian.AppendUint16(dst, uint16(c.Version))
	dst = binary.BigEndian.AppendUint32(dst, uint32(c.Opaque))
	dst = binary.BigEndian.AppendUint32(dst, uint32(c.Flag))
	if err := checkLength32(len(c.Remark), len(dst)-start, "remark"); err != nil {
		return dst, err
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(c.Remark)))
	dst = append(dst, c.Remark...)

	extLenAt := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	var scratch [16]string
	for _, k := range sortedKeys(c.ExtFields, scratch[:0]) {
		v := c.ExtFields[k]
		// Java reads the key length as a signed short, so 32767 is the most
		// a key can have and still decode on every peer.
		if len(k) > math.MaxInt16 {
			return dst, frameErr(ErrFieldTooLong, headerOffset+len(dst)-start,
				"extFields key of %d bytes exceeds the int16 key length", len(k))
		}
		if err := checkLength32(len(v), len(dst)-start, "extFields value"); err != nil {
			return dst, err
		}
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(k)))
		dst = append(dst, k...)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
		dst = append(dst, v...)
	}
	extLen := len(dst) - extLenAt - 4
	if err := checkLength32(extLen, extLenAt-start, "extFields"); err != nil {
		return dst, err
	}
	binary.BigEndian.PutUint32(dst[extLenAt:], uint32(extLen))
	return dst, nil
}

// checkLength32 rejects a length an int32 prefix cannot carry; at is the
// field's offset in the header. Only strings over 2 GiB reach it, which the
// 24-bit header length would refuse anyway; checking keeps the cast honest.
func checkLength32(n, at int, what string) error {
	if int64(n) > math.MaxInt32 {
		return frameErr(ErrFrameTooLarge, headerOffset+at, "%s of %d bytes does not fit int32", what, n)
	}
	return nil
}

// sortedKeys appends m's keys to scratch in order. A small stack array
// as scratch keeps the common header (a dozen fields) allocation-free.
func sortedKeys(m map[string]string, scratch []string) []string {
	for k := range m {
		scratch = append(scratch, k)
	}
	slices.Sort(scratch)
	return scratch
}

// decodeBinaryHeader decodes a RocketMQSerializable header. h is exactly
// the header: each length is checked against what remains of it, and bytes
// left over after extFields are an error, since Java would misread them as
// the start of the body.
func decodeBinaryHeader(h []byte) (*Command, error) {
	if len(h) < binaryFixedLength {
		return nil, frameErr(ErrMalformed, headerOffset,
			"binary header of %d bytes is shorter than its %d fixed bytes", len(h), binaryFixedLength)
	}
	c := &Command{
		Code:     int16(binary.BigEndian.Uint16(h[0:])),
		Language: LanguageName(h[2]),
		Version:  int16(binary.BigEndian.Uint16(h[3:])),
		Opaque:   int32(binary.BigEndian.Uint32(h[5:])),
		Flag:     int32(binary.BigEndian.Uint32(h[9:])),
	}
	p := 13
	n, p, err := lengthAt(h, p, len(h), 4, "remark")
	if err != nil {
		return nil, err
	}
	c.Remark = string(h[p : p+n])
	p += n

	n, p, err = lengthAt(h, p, len(h), 4, "extFields")
	if err != nil {
		return nil, err
	}
	extEnd := p + n
	if extEnd != len(h) {
		return nil, frameErr(ErrMalformed, headerOffset+extEnd,
			"%d bytes left in the header after extFields", len(h)-extEnd)
	}
	if n > 0 {
		c.ExtFields = make(map[string]string)
	}
	for p < extEnd {
		var kn, vn int
		if kn, p, err = lengthAt(h, p, extEnd, 2, "extFields key"); err != nil {
			return nil, err
		}
		key := string(h[p : p+kn])
		p += kn
		if vn, p, err = lengthAt(h, p, extEnd, 4, "extFields value"); err != nil {
			return nil, err
		}
		c.ExtFields[key] = string(h[p : p+vn])
		p += vn
	}
	return c, nil
}

// lengthAt reads a signed big-endian length of width 2 or 4 at h[p] and
// checks that it is not negative and that its bytes end by end. It returns
// the length and the position just after the length field.
func lengthAt(h []byte, p, end, width int, what string) (n, next int, err error) {
	if end-p < width {
		return 0, p, frameErr(ErrMalformed, headerOffset+p,
			"%s length needs %d bytes, %d remain", what, width, end-p)
	}
	if width == 2 {
		n = int(int16(binary.BigEndian.Uint16(h[p:])))
	} else {
		n = int(int32(binary.BigEndian.Uint32(h[p:])))
	}
	if n < 0 {
		return 0, p, frameErr(ErrMalformed, headerOffset+p, "negative %s length %d", what, n)
	}
	next = p + width
	if n > end-next {
		return 0, p, frameErr(ErrMalformed, headerOffset+p,
			"%s length %d overruns the %d bytes that remain", what, n, end-next)
	}
	return n, next, nil
}
