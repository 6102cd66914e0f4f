package main

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// module is this module's path.
const module = "github.com/echohf/echohf"

// TestDockerfile checks that the Dockerfile copies every folder of this
// module the app is built from and no other, that its .dockerignore lets
// through exactly what it copies, and then builds the app, offline, from
// exactly those files (without tests, as the .dockerignore says), as
// `docker build` would.
func TestDockerfile(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.TempDir()
	repoRoot, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = repoRoot.Close() }()
	ctxRoot, err := os.OpenRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ctxRoot.Close() }()
	var copied []string
	for _, line := range strings.Split(string(df), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "COPY" || strings.HasPrefix(f[1], "--") {
			continue // not a COPY from the build context
		}
		dest := f[len(f)-1]
		for _, src := range f[1 : len(f)-1] {
			copied = append(copied, src)
			to := dest
			if strings.HasSuffix(dest, "/") {
				to = filepath.Join(dest, filepath.Base(src))
			}
			copyTree(t, repoRoot, ctxRoot, src, to)
		}
	}

	ignore, err := os.ReadFile("Dockerfile.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var allowed []string
	for _, line := range strings.Split(string(ignore), "\n") {
		if p, ok := strings.CutPrefix(strings.TrimSpace(line), "!"); ok {
			allowed = append(allowed, p)
		}
	}
	slices.Sort(copied)
	slices.Sort(allowed)
	if !slices.Equal(copied, allowed) {
		t.Errorf("the Dockerfile copies %q; its .dockerignore lets through %q", copied, allowed)
	}

	bctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// The folders of this module the app is built from, and what is copied.
	list := exec.CommandContext(bctx, "go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "./examples/space")
	list.Dir = root
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var needed []string
	for _, pkg := range strings.Fields(string(out)) {
		if dir, ok := strings.CutPrefix(pkg, module+"/"); ok {
			needed = append(needed, dir)
			if _, err := os.Stat(filepath.Join(ctx, dir)); err != nil {
				t.Errorf("the app needs %s, which the Dockerfile does not copy", pkg)
			}
		}
	}
	for _, c := range copied {
		if c != "go.mod" && c != "go.sum" && !slices.ContainsFunc(needed, func(dir string) bool { return dir == c || strings.HasPrefix(dir, c+"/") }) {
			t.Errorf("the Dockerfile copies %s, which the app does not need", c)
		}
	}

	cmd := exec.CommandContext(bctx, "go", "build", "-trimpath", "-o", filepath.Join(t.TempDir(), "space"), "./examples/space")
	cmd.Dir = ctx
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off", "GOWORK=off", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("go build in the image's build context (%q): %v\n%s", copied, err, out)
	}
}

// copyTree copies the file or folder src of the repository to dst in the
// build context, leaving out tests and testdata as
// Dockerfile.dockerignore does.
func copyTree(t *testing.T, repo, ctx *os.Root, src, dst string) {
	t.Helper()
	err := fs.WalkDir(repo.FS(), src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		to := filepath.Join(dst, strings.TrimPrefix(path, src))
		switch {
		case d.IsDir() && d.Name() == "testdata":
			return filepath.SkipDir
		case d.IsDir():
			return ctx.MkdirAll(to, 0o755)
		case strings.HasSuffix(d.Name(), "_test.go"):
			return nil
		}
		b, err := repo.ReadFile(path)
		if err != nil {
			return err
		}
		if err := ctx.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		return ctx.WriteFile(to, b, 0o600)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}
