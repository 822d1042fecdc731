package pprofsum

import "strings"

// shortName strips the package path from a function name up to its last
// "/": "github.com/a/b/commitlog.(*Log).Append" becomes
// "commitlog.(*Log).Append". Only the part before any "(" or "[" counts, so
// that a path inside a generic type argument, as in
// "pkg.F[go.shape.*github.com/a/b.T]", is left alone.
func shortName(name string) string {
	head := name
	if i := strings.IndexAny(name, "(["); i >= 0 {
		head = name[:i]
	}
	if i := strings.LastIndexByte(head, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}
