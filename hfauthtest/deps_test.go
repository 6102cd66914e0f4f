package hfauthtest_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoFramework: the kit brings no web framework into an app's tests:
// package hfauthtest depends on no package of github.com/labstack (Echo v4
// or v5). go test puts the go command that runs it first on PATH.
func TestNoFramework(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "github.com/echohf/echohf/hfauthtest").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || !contains(deps, "github.com/echohf/echohf/hfauth") {
		t.Fatalf("go list -deps gave %d packages, without hfauth: %v", len(deps), deps)
	}
	for _, d := range deps {
		if strings.HasPrefix(d, "github.com/labstack/") {
			t.Errorf("hfauthtest depends on %s", d)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
