package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/examples/internal/exampletest"
	"github.com/echohf/echohf/mock"
)

// bin is the hello program, built once by TestMain: the tests run the real
// binary, with echohf.Attach and echohf.Auth reading its environment exactly
// as `go run ./examples/hello` does.
var bin string

func TestMain(m *testing.M) { exampletest.Main(m, ".", &bin) }

func TestHello(t *testing.T) {
	srv := mock.NewServer(t, mock.Config{})
	tests := []struct {
		name string
		env  []string
	}{
		{"mock mode", nil},
		{"real mode", exampletest.RealEnv(srv.URL, "echohf/hello", "openid profile")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := exampletest.Start(t, bin, tt.env...)
			c := exampletest.NewClient(t)

			wantJSON(t, c.Get(t, p.URL+"/"), http.StatusOK, `{"msg":"Not logged in!"}`)
			wantJSON(t, c.Get(t, p.URL+"/me"), http.StatusUnauthorized, `{"msg":"Not logged in!"}`)

			login := p.URL + echohf.LoginPath
			if tt.env == nil {
				// Mock mode signs in only a browser that opened the link
				// printed at startup, as the person at the console does.
				r := c.Get(t, login)
				if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "printed") {
					t.Errorf("mock login without the printed link = %d %s; want 403 pointing to it", r.Status, r.Body)
				}
				login = p.SignInURL(t)
				if !strings.HasPrefix(login, p.URL+echohf.LoginPath+"?mock_key=") {
					t.Errorf("printed sign-in link %q; want %s%s?mock_key=...", login, p.URL, echohf.LoginPath)
				}
			}
			r := c.Get(t, login)
			wantJSON(t, r, http.StatusOK, `{"msg":"Hello, mockuser!"}`)
			if r.URL != p.URL+"/" {
				t.Errorf("login landed on %s; want %s/", r.URL, p.URL)
			}
			if tt.env != nil && !r.Via(srv.URL+mock.PathAuthorize) {
				t.Errorf("real-mode login did not go through the provider: %v", r.Hops)
			}

			r = c.Get(t, p.URL+"/me")
			if r.Status != http.StatusOK {
				t.Fatalf("GET /me logged in = %d %s; want 200", r.Status, r.Body)
			}
			var got mock.User
			if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
				t.Fatalf("GET /me: %v in %s", err, r.Body)
			}
			want := mock.DefaultUser()
			if got.Sub != want.Sub || got.PreferredUsername != want.PreferredUsername || got.Name != want.Name || len(got.Orgs) != len(want.Orgs) {
				t.Errorf("GET /me = %+v; want the mock default user %+v", got, want)
			}
			for _, leak := range []string{"hf_oauth", "access_token\""} {
				if strings.Contains(r.Body, leak) {
					t.Errorf("GET /me body contains %q: %s", leak, r.Body)
				}
			}

			r = c.Get(t, p.URL+echohf.LogoutPath)
			wantJSON(t, r, http.StatusOK, `{"msg":"Not logged in!"}`)
			wantJSON(t, c.Get(t, p.URL+"/me"), http.StatusUnauthorized, `{"msg":"Not logged in!"}`)

			// Signing in again takes the plain login route.
			wantJSON(t, c.Get(t, p.URL+echohf.LoginPath), http.StatusOK, `{"msg":"Hello, mockuser!"}`)
		})
	}
}

// TestHelloLoginTarget checks that _target_url brings the user back to /me.
func TestHelloLoginTarget(t *testing.T) {
	p := exampletest.Start(t, bin)
	c := exampletest.NewClient(t)
	r := c.Get(t, p.SignInURL(t)+"&_target_url=/me")
	if r.Status != http.StatusOK || r.URL != p.URL+"/me" || !strings.Contains(r.Body, `"preferred_username":"mockuser"`) {
		t.Errorf("login with _target_url=/me = %d at %s: %s; want 200 at /me with the user", r.Status, r.URL, r.Body)
	}
}

// TestHelloBadEnvironment checks that a bad environment stops hello at
// startup with one message naming every setting at fault, and exit status 1
// rather than a panic.
func TestHelloBadEnvironment(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{"Space without hf_oauth", []string{echohf.EnvSpaceID + "=echohf/hello"},
			[]string{echohf.EnvClientID, echohf.EnvClientSecret, echohf.EnvScopes, echohf.EnvProviderURL, "hf_oauth: true"}},
		{"unknown mode", []string{echohf.EnvMode + "=garbage"}, []string{echohf.EnvMode, "real", "mock"}},
		{"DisallowMock on", []string{echohf.EnvDisallowMock + "=on"}, []string{echohf.EnvDisallowMock, "mock mode"}},
		{"unknown boolean", []string{echohf.EnvDisallowMock + "=maybe"}, []string{echohf.EnvDisallowMock, "yes/no, on/off"}},
		{"short session secret and bad mode", []string{echohf.EnvSessionSecret + "=abc", echohf.EnvMode + "=Garbage"},
			[]string{echohf.EnvSessionSecret, "32 bytes", echohf.EnvMode}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := exampletest.StartupFailure(t, bin, tt.env, tt.want...)
			if strings.Contains(out, "=abc") || strings.Contains(out, `"abc"`) {
				t.Errorf("the session secret is echoed:\n%s", out)
			}
		})
	}
}

func wantJSON(t *testing.T, r *exampletest.Response, status int, body string) {
	t.Helper()
	if r.Status != status || strings.TrimSpace(r.Body) != body {
		t.Errorf("GET %s = %d %s; want %d %s", r.Hops[0], r.Status, strings.TrimSpace(r.Body), status, body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q; want application/json", r.Hops[0], ct)
	}
}

// TestHelloStopsCleanly checks that the program exits with status 0 on
// SIGTERM (what a Space or a test sends). That the shutdown waits for
// requests in flight is serve.TestUntilWaitsForInFlight's part.
func TestHelloStopsCleanly(t *testing.T) {
	p := exampletest.Start(t, bin)
	if err := p.Stop(); err != nil {
		t.Errorf("hello after SIGTERM: %v; want a clean exit", err)
	}
}
