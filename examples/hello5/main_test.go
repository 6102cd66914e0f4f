package main

import (
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/echohf/echohf/echohf5"
	"github.com/echohf/echohf/examples/internal/exampletest"
	"github.com/echohf/echohf/mock"
)

// bin is the hello5 program, built once by TestMain: the tests run the
// real binary, reading its environment as `go run ./examples/hello5` does.
var bin string

func TestMain(m *testing.M) { exampletest.Main(m, ".", &bin) }

// TestHello5 signs in through the printed link (mock mode) and through the
// mock provider (real mode), is greeted, sees /me, and logs out.
func TestHello5(t *testing.T) {
	srv := mock.NewServer(t, mock.Config{})
	tests := []struct {
		name string
		env  []string
	}{
		{"mock mode", nil},
		{"real mode", exampletest.RealEnv(srv.URL, "echohf/hello5", "openid profile")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := exampletest.Start(t, bin, tt.env...)
			c := exampletest.NewClient(t)
			wantJSON(t, c.Get(t, p.URL+"/"), http.StatusOK, `{"msg":"Not logged in!"}`)
			wantJSON(t, c.Get(t, p.URL+"/me"), http.StatusUnauthorized, `{"msg":"Not logged in!"}`)

			login := p.URL + echohf5.LoginPath
			if tt.env == nil {
				if r := c.Get(t, login); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "printed") {
					t.Errorf("mock login without the printed link = %d %s; want 403 pointing to it", r.Status, r.Body)
				}
				login = p.SignInURL(t)
				if !strings.HasPrefix(login, p.URL+echohf5.LoginPath+"?mock_key=") {
					t.Errorf("printed sign-in link %q; want %s%s?mock_key=...", login, p.URL, echohf5.LoginPath)
				}
			}
			r := c.Get(t, login)
			wantJSON(t, r, http.StatusOK, `{"msg":"Hello, mockuser!"}`)
			if tt.env != nil && !r.Via(srv.URL+mock.PathAuthorize) {
				t.Errorf("real-mode login did not go through the provider: %v", r.Hops)
			}
			r = c.Get(t, p.URL+"/me")
			var got mock.User
			if err := json.Unmarshal([]byte(r.Body), &got); r.Status != http.StatusOK || err != nil || got.PreferredUsername != "mockuser" {
				t.Errorf("GET /me = %d %s; want 200 with mockuser", r.Status, r.Body)
			}
			if strings.Contains(r.Body, "hf_oauth") {
				t.Errorf("GET /me shows the access token: %s", r.Body)
			}
			wantJSON(t, c.Get(t, p.URL+echohf5.LogoutPath), http.StatusOK, `{"msg":"Not logged in!"}`)
		})
	}
}

// TestHello5BadEnvironment: a bad environment stops hello5 at startup with
// one message naming every setting at fault, and exit status 1.
func TestHello5BadEnvironment(t *testing.T) {
	exampletest.StartupFailure(t, bin, []string{echohf5.EnvSpaceID + "=echohf/hello5", echohf5.EnvMode + "=garbage"},
		echohf5.EnvClientID, echohf5.EnvClientSecret, echohf5.EnvMode, "hf_oauth: true")
}

// TestHello5NoEchoV4 checks that the program does not link Echo v4: an
// Echo v5 app built on echohf5 carries one Echo.
func TestHello5NoEchoV4(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "labstack/echo/v4") {
		t.Errorf("hello5 depends on Echo v4:\n%s", out)
	}
	if !strings.Contains(string(out), "labstack/echo/v5") {
		t.Errorf("hello5 does not depend on Echo v5:\n%s", out)
	}
}

func wantJSON(t *testing.T, r *exampletest.Response, status int, body string) {
	t.Helper()
	if r.Status != status || strings.TrimSpace(r.Body) != body {
		t.Errorf("GET %s = %d %s; want %d %s", r.Hops[0], r.Status, strings.TrimSpace(r.Body), status, body)
	}
}
