package message

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const upperHex = "0123456789ABCDEF"

func appendUpperHex(dst, src []byte) []byte {
	for _, b := range src {
		dst = append(dst, upperHex[b>>4], upperHex[b&0xF])
	}
	return dst
}

// OffsetMsgID is the offset message id of the record at physicalOffset
// stored by storeHost: address bytes (4 or 16), port (4) and offset (8), as
// upper-case hex.
func OffsetMsgID(storeHost netip.AddrPort, physicalOffset int64) string {
	var buf [56]byte
	return string(AppendOffsetMsgID(buf[:0], storeHost, physicalOffset))
}

// AppendOffsetMsgID appends the offset message id to dst.
func AppendOffsetMsgID(dst []byte, storeHost netip.AddrPort, physicalOffset int64) []byte {
	var raw [28]byte
	n := putHost(raw[:], storeHost)
	binary.BigEndian.PutUint64(raw[n:], uint64(physicalOffset))
	return appendUpperHex(dst, raw[:n+8])
}

// ParseOffsetMsgID returns the store host and physical offset of an offset
// message id (32 hex characters for IPv4, 56 for IPv6, either case).
func ParseOffsetMsgID(id string) (netip.AddrPort, int64, error) {
	if len(id) != 32 && len(id) != 56 {
		return netip.AddrPort{}, 0, fmt.Errorf("%w: %d characters", ErrBadMessageID, len(id))
	}
	var raw [28]byte
	n, err := hex.Decode(raw[:], []byte(id))
	if err != nil {
		return netip.AddrPort{}, 0, fmt.Errorf("%w: %w", ErrBadMessageID, err)
	}
	c := cursor{b: raw[:n]}
	host := c.host(n == 28, "STOREHOST")
	offset := int64(c.u64("PHYSICALOFFSET"))
	if c.err != nil {
		return netip.AddrPort{}, 0, fmt.Errorf("%w: %w", ErrBadMessageID, c.err)
	}
	return host, offset, nil
}

// UniqIDGenerator makes client unique ids (the UNIQ_KEY property): a fixed
// prefix of client address, pid and a random per-process number, then the
// milliseconds since the start of the current month and a counter, in
// upper-case hex. It is safe for concurrent use.
type UniqIDGenerator struct {
	prefix  []byte // hex of address, pid, random int
	counter atomic.Uint32

	mu         sync.Mutex
	monthStart time.Time
	nextMonth  time.Time
}

// NewUniqIDGenerator returns a generator for a client at ip with process id pid.
func NewUniqIDGenerator(ip netip.Addr, pid int) *UniqIDGenerator {
	var raw [22]byte
	n := 0
	if ip.Is4() || !ip.IsValid() {
		a := ip.Unmap().As4()
		if !ip.IsValid() {
			a = [4]byte{}
		}
		n = copy(raw[:], a[:])
	} else {
		a := ip.As16()
		n = copy(raw[:], a[:])
	}
	binary.BigEndian.PutUint16(raw[n:], uint16(pid))
	binary.BigEndian.PutUint32(raw[n+2:], rand.Uint32())
	g := &UniqIDGenerator{prefix: appendUpperHex(nil, raw[:n+6])}
	g.counter.Store(rand.Uint32())
	return g
}

// Next returns a new unique id.
func (g *UniqIDGenerator) Next() string {
	now := time.Now()
	g.mu.Lock()
	if !now.Before(g.nextMonth) || now.Before(g.monthStart) {
		g.monthStart = startOfMonth(now)
		g.nextMonth = g.monthStart.AddDate(0, 1, 0)
	}
	diff := now.Sub(g.monthStart).Milliseconds()
	g.mu.Unlock()
	var tail [6]byte
	binary.BigEndian.PutUint32(tail[:], uint32(diff))
	binary.BigEndian.PutUint16(tail[4:], uint16(g.counter.Add(1)))
	buf := make([]byte, 0, len(g.prefix)+12)
	buf = append(buf, g.prefix...)
	return string(appendUpperHex(buf, tail[:]))
}

func startOfMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
}

// UniqIDTime returns the creation time a unique id carries, to the
// millisecond. The id holds only the time since the start of a month: it is
// read against the month of now, or the month before when that would put it
// in the future.
func UniqIDTime(id string, now time.Time) (time.Time, error) {
	if len(id) < 12 || len(id)%2 != 0 {
		return time.Time{}, fmt.Errorf("%w: %d characters", ErrBadMessageID, len(id))
	}
	var tail [6]byte
	if _, err := hex.Decode(tail[:], []byte(strings.ToUpper(id[len(id)-12:]))); err != nil {
		return time.Time{}, fmt.Errorf("%w: %w", ErrBadMessageID, err)
	}
	// Unsigned: past the 25th day of a month the milliseconds no longer
	// fit in an int32 (Java writes the int regardless, wrapping it).
	diff := time.Duration(binary.BigEndian.Uint32(tail[:])) * time.Millisecond
	t := startOfMonth(now).Add(diff)
	if t.After(now) {
		t = startOfMonth(now).AddDate(0, -1, 0).Add(diff)
	}
	return t, nil
}
