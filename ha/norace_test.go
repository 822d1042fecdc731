//go:build !race

package ha

// raceEnabled is whether the race detector is on; see race_test.go.
const raceEnabled = false
