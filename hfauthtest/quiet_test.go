package hfauthtest_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/echohf/echohf/hfauth"
	"github.com/echohf/echohf/hfauthtest"
)

// quietEnv runs TestKitQuietHelper in a child process; its value is the
// file the helper writes its mock key to.
const quietEnv = "HFAUTHTEST_QUIET_HELPER"

// TestKitQuiet runs a test that uses a Kit the way an app's tests do, in a
// child process, and reads everything the child writes: a Kit is quiet by
// default, so no MOCK MODE warning and never the mock key reach the test
// output, even with -v. A Logger in the Config still gets the instance's
// lines.
func TestKitQuiet(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "key")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKitQuietHelper$", "-test.v", "-test.count=1") //nolint:gosec // G702: this test binary, running one of its own tests
	cmd.Env = append(os.Environ(), quietEnv+"="+keyFile)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper failed: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("--- PASS: TestKitQuietHelper")) {
		t.Fatalf("helper did not run:\n%s", out)
	}
	key, err := os.ReadFile(keyFile)
	if err != nil || len(key) < 8 {
		t.Fatalf("helper wrote no mock key (%v)", err)
	}
	if bytes.Contains(out, []byte("MOCK MODE")) || bytes.Contains(out, key) || bytes.Contains(out, []byte("mock_key")) {
		t.Errorf("test output has a MOCK MODE warning or the mock key %q:\n%s", key, out)
	}
}

// TestKitQuietHelper is TestKitQuiet's child: it builds a mock-mode Kit
// with no Logger, mounts its routes (where the sign-in link is logged
// when logging is on), serves a signed-in request, and writes the mock key
// for the parent to look for. It also checks that a Logger passed in the
// Config is used. Outside TestKitQuiet it does nothing.
func TestKitQuietHelper(t *testing.T) {
	keyFile := os.Getenv(quietEnv)
	if keyFile == "" {
		return // only as TestKitQuiet's child
	}
	kit := hfauthtest.New(t, hfauth.Config{Mode: hfauth.ModeMock})
	mux := http.NewServeMux()
	mux.Handle("/oauth/huggingface/", kit.OAuth().Handler()) // mounting logs the sign-in link
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(hfauth.Info(r).UserInfo.PreferredUsername)) //nolint:gosec // G705: a plain-text answer in a test
	})
	e := kit.OAuth().Middleware(mux)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	kit.Login(req, hfauthtest.User("alice"))
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Body.String() != "alice" {
		t.Fatalf("GET / = %d %q; want alice", rec.Code, rec.Body)
	}
	link := kit.OAuth().MockLoginURL("")
	_, key, ok := strings.Cut(link, "mock_key=")
	if !ok {
		t.Fatalf("MockLoginURL = %q has no mock_key", link)
	}
	if err := os.WriteFile(keyFile, []byte(key), 0o600); err != nil { //nolint:gosec // G703: a file in the parent test's TempDir
		t.Fatal(err)
	}

	var logs bytes.Buffer
	loud := hfauthtest.New(t, hfauth.Config{Mode: hfauth.ModeMock, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	loud.OAuth().Handler()
	if !strings.Contains(logs.String(), "MOCK MODE") {
		t.Errorf("a Kit given a Logger logged nothing to it:\n%s", logs.String())
	}
}
