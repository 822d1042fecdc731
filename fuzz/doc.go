// Package fuzz holds the fuzz targets that cross packages, such as the
// recovery of damaged store directories. Targets that exercise one decoder
// or file format live beside it as FuzzXxx in its package's tests.
package fuzz
