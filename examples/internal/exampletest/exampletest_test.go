package exampletest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestClearedCoversEchohf reads the echohf package's source and requires
// the value of every exported Env* constant (a variable echohf reads from
// the environment) to be in cleared: a variable added to echohf must not
// leak from a developer's shell into the example tests.
func TestClearedCoversEchohf(t *testing.T) {
	const dir = "../../../echohf"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	found := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if !id.IsExported() || !strings.HasPrefix(id.Name, "Env") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					found++
					if !slices.Contains(cleared, v) {
						t.Errorf("echohf.%s (%s) is not in cleared: a value set in the test's environment would reach the example", id.Name, v)
					}
				}
			}
		}
	}
	if found == 0 {
		t.Fatalf("no Env* string constant found in %s", dir)
	}
}

// TestEnv checks that Env drops the cleared variables, keeps the others,
// listens on a free loopback port and lets kv win.
func TestEnv(t *testing.T) {
	for _, name := range cleared {
		t.Setenv(name, "from-the-developer")
	}
	t.Setenv("EXAMPLETEST_KEPT", "kept")
	env := Env("ORG_NAME=acme")
	for _, e := range env {
		if strings.HasSuffix(e, "=from-the-developer") {
			t.Errorf("Env kept %s", e)
		}
	}
	for _, want := range []string{"EXAMPLETEST_KEPT=kept", "HOST=127.0.0.1", "PORT=0", "ORG_NAME=acme"} {
		if !slices.Contains(env, want) {
			t.Errorf("Env lacks %s", want)
		}
	}
}
