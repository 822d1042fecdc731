// Package fuzz holds the fuzz targets that cross packages, such as the
// recovery of damaged store directories and a broker (its real processors,
// ACL on) driven by mixed, partly malformed requests on several
// connections while a well-behaved client keeps working. Targets that exercise one decoder
// or file format live beside it as FuzzXxx in its package's tests.
package fuzz
