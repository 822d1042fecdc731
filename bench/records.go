package bench

import "fmt"

// appendSizes are W1's record sizes.
var appendSizes = []int{128, 1 << 10, 4 << 10}

// sizeName prints 128 as "128B" and 1024 as "1KiB".
func sizeName(size int) string {
	if size >= 1<<10 && size%(1<<10) == 0 {
		return fmt.Sprintf("%dKiB", size>>10)
	}
	return fmt.Sprintf("%dB", size)
}

// appendCount is how many records W1 (and its memcpy limit) write: 1 GiB,
// at most 2 M records.
func appendCount(env *Env, size int) int {
	return env.Count(min(1<<30/size, 2_000_000), 1000)
}

// Record returns size bytes derived from seq that do not compress to nothing
// (pebble compresses its tables): xorshift from a seed of seq, so a reader
// can check what it got.
func Record(size int, seq int) []byte {
	r := make([]byte, size)
	x := uint32(2463534242) ^ uint32(seq)*2654435761
	if x == 0 {
		x = 1
	}
	for i := range r {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		r[i] = byte(x)
	}
	return r
}

// smokeSegment is the file size of engines in a smoke run.
const smokeSegment = 16 << 20

func openOptions(env *Env, durable bool) OpenOptions {
	o := OpenOptions{Durable: durable}
	if env.Smoke {
		o.SegmentSize = smokeSegment
	}
	return o
}
