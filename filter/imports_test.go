package filter

import (
	"go/build"
	"strings"
	"testing"
)

// TestImportsOnlyMessage holds the design: filter depends on the record
// codec and the standard library, nothing else.
func TestImportsOnlyMessage(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.Contains(imp, ".") && imp != "github.com/rocketstore/rocketstore/message" {
			t.Errorf("filter imports %s; it may import only message and the standard library", imp)
		}
	}
}
