package eksemu_test

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/eksemu/eksemu"

type goPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []goPackage {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	require.NoError(t, err)
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []goPackage
	for dec.More() {
		var p goPackage
		require.NoError(t, dec.Decode(&p))
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestLayering enforces DESIGN.md §3's package rules (aesthetics.md G15).
func TestLayering(t *testing.T) {
	surfaces := []string{module + "/emulator/eksapi", module + "/emulator/stsapi", module + "/emulator/iamapi"}
	for _, p := range listPackages(t) {
		has := func(list []string, x string) bool {
			for _, y := range list {
				if y == x || strings.HasPrefix(y, x+"/") {
					return true
				}
			}
			return false
		}
		switch {
		case p.ImportPath == module+"/store":
			assert.False(t, has(p.Deps, "net/http"), "store must not depend on net/http")
		case p.ImportPath == module+"/authn" || p.ImportPath == module+"/authz" || p.ImportPath == module+"/fixtures":
			assert.False(t, has(p.Imports, module+"/emulator"), "%s must not import emulator packages", p.ImportPath)
		}
		for _, s := range surfaces {
			if strings.HasPrefix(p.ImportPath, s) {
				for _, other := range surfaces {
					if other != s {
						assert.False(t, has(p.Deps, other), "surface %s imports surface %s", p.ImportPath, other)
					}
				}
			}
		}
		if p.ImportPath != module+"/emulator/emulatortest" {
			assert.NotContains(t, p.Imports, "testing", "production package %s imports testing", p.ImportPath)
		}
	}
}

// TestEveryPackageHasDocGo enforces aesthetics.md G14: one doc.go with the package comment.
func TestEveryPackageHasDocGo(t *testing.T) {
	for _, p := range listPackages(t) {
		dir := "." + strings.TrimPrefix(p.ImportPath, module)
		doc := filepath.Join(dir, "doc.go")
		src, err := os.ReadFile(doc)
		if !assert.NoError(t, err, "package %s has no doc.go", p.ImportPath) {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), doc, src, parser.ParseComments|parser.PackageClauseOnly)
		require.NoError(t, err)
		assert.NotNil(t, f.Doc, "%s has no package comment", doc)
		comments := 0
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			b, _ := os.ReadFile(name)
			g, err := parser.ParseFile(token.NewFileSet(), name, b, parser.ParseComments|parser.PackageClauseOnly)
			if err == nil && g.Doc != nil && strings.HasPrefix(g.Doc.Text(), "Package ") {
				comments++
			}
		}
		assert.LessOrEqual(t, comments, 1, "%s: the package comment must be in doc.go only", p.ImportPath)
	}
}
