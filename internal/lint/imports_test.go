package lint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/rocketstore/rocketstore"

// storagePackages are the packages of the storage engine, with their
// subpackages (mappedfile/errorfs...).
var storagePackages = []string{"message", "mappedfile", "flush", "commitlog", "consumequeue", "index", "store", "ha", "timer"}

// allowedModules are the only modules storage packages may import.
var allowedModules = []string{
	"github.com/edsrzf/mmap-go",
	"github.com/cespare/xxhash/v2",
	"github.com/dgraph-io/ristretto/v2",
	"github.com/google/pprof",
	"github.com/HdrHistogram/hdrhistogram-go",
	"golang.org/x/sys",
}

// pkg is what `go list -json` says of a package, as far as this test needs.
type pkg struct {
	ImportPath string
	Standard   bool
	Imports    []string
	Module     *struct{ Path string }
}

func isStorage(path string) bool {
	rel, ok := strings.CutPrefix(path, module+"/")
	if !ok {
		return false
	}
	for _, s := range storagePackages {
		if rel == s || strings.HasPrefix(rel, s+"/") {
			return true
		}
	}
	return false
}

// violations lists every import of a storage package (among pkgs, which
// holds it and its dependencies) that is not the standard library,
// another storage package or a package of an allowed module. Dependencies
// of allowed modules are theirs to choose.
func violations(pkgs []pkg) []string {
	byPath := map[string]pkg{}
	for _, p := range pkgs {
		byPath[p.ImportPath] = p
	}
	var bad []string
	for _, p := range pkgs {
		if !isStorage(p.ImportPath) {
			continue
		}
		for _, imp := range p.Imports {
			dep, known := byPath[imp]
			switch {
			case known && dep.Standard, isStorage(imp):
			case strings.HasPrefix(imp, module+"/"):
				bad = append(bad, fmt.Sprintf("%s imports %s, which is not a storage package", p.ImportPath, imp))
			case !known || dep.Module == nil || !slices.Contains(allowedModules, dep.Module.Path):
				bad = append(bad, fmt.Sprintf("%s imports %s, from a module outside the allowed list", p.ImportPath, imp))
			}
		}
	}
	return bad
}

// goList runs go list -json with args in the module's root and decodes
// every package it prints.
func goList(t *testing.T, args ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json"}, args...)...)
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list %v: %v\n%s", args, err, ee.Stderr)
		}
		t.Fatalf("go list %v: %v", args, err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
}

// TestStoragePackagesImportOnlyAllowedPackages fails when a storage package
// imports remoting, nameserver, broker or any other package of the module
// that is not a storage package, or a module outside the allowed list.
func TestStoragePackagesImportOnlyAllowedPackages(t *testing.T) {
	var roots []string
	for _, p := range goList(t, "./...") {
		if isStorage(p.ImportPath) {
			roots = append(roots, p.ImportPath)
		}
	}
	if len(roots) < 7 {
		t.Fatalf("found only %v among the module's packages", roots)
	}
	deps := goList(t, append([]string{"-deps"}, roots...)...)
	for _, v := range violations(deps) {
		t.Error(v)
	}
}

// TestViolationsAreFound checks the checker on made-up packages.
func TestViolationsAreFound(t *testing.T) {
	mod := func(path string) *struct{ Path string } { return &struct{ Path string }{path} }
	pkgs := []pkg{
		{ImportPath: "fmt", Standard: true},
		{ImportPath: module + "/remoting", Module: mod(module)},
		{ImportPath: "github.com/cespare/xxhash/v2", Module: mod("github.com/cespare/xxhash/v2")},
		{ImportPath: "github.com/sirupsen/logrus", Module: mod("github.com/sirupsen/logrus")},
		{ImportPath: module + "/index", Module: mod(module), Imports: []string{"fmt", "github.com/cespare/xxhash/v2"}},
		{ImportPath: module + "/store", Module: mod(module), Imports: []string{"fmt", module + "/index", module + "/remoting", "github.com/sirupsen/logrus"}},
		{ImportPath: module + "/broker", Module: mod(module), Imports: []string{"github.com/sirupsen/logrus"}},
	}
	got := violations(pkgs)
	if len(got) != 2 || !strings.Contains(got[0], "store imports "+module+"/remoting") || !strings.Contains(got[1], "logrus") {
		t.Fatalf("violations %q", got)
	}
}
