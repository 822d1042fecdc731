// Package lint holds tests that keep the architecture: the storage packages
// import only each other, the standard library and the few modules chosen
// for them. It has no code of its own.
package lint
