package main

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/echohf/echohf/examples/internal/exampletest"
	"github.com/echohf/echohf/hfauth"
	"github.com/echohf/echohf/mock"
)

// bin is the nethttp program, built once by TestMain.
var bin string

func TestMain(m *testing.M) { exampletest.Main(m, ".", &bin) }

// TestNetHTTP signs in through the printed link (mock mode) and through the
// mock provider (real mode), is greeted, passes the organization guard, and
// logs out; logged out, the guard sends a page load to login and answers an
// API call with 401.
func TestNetHTTP(t *testing.T) {
	srv := mock.NewServer(t, mock.Config{})
	tests := []struct {
		name string
		env  []string
	}{
		{"mock mode", nil},
		{"real mode", exampletest.RealEnv(srv.URL, "echohf/nethttp", "openid profile read-memberships")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := exampletest.Start(t, bin, tt.env...)
			c := exampletest.NewClient(t)
			wantJSON(t, c.Get(t, p.URL+"/"), http.StatusOK, `{"msg":"Not logged in!"}`)
			if r := c.GetNoRedirect(t, p.URL+"/members", "Accept: application/json"); r.Status != http.StatusUnauthorized {
				t.Errorf("GET /members logged out, as an API call = %d %s; want 401", r.Status, r.Body)
			}
			r := c.GetNoRedirect(t, p.URL+"/members", "Sec-Fetch-Mode: navigate")
			if loc := r.Header.Get("Location"); r.Status != http.StatusFound || loc != hfauth.LoginPath+"?_target_url=%2Fmembers" {
				t.Errorf("GET /members logged out, as a page load = %d to %q; want 302 to login", r.Status, loc)
			}

			login := p.URL + hfauth.LoginPath
			if tt.env == nil {
				if r := c.Get(t, login); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "printed") {
					t.Errorf("mock login without the printed link = %d %s; want 403 pointing to it", r.Status, r.Body)
				}
				login = p.SignInURL(t)
			}
			r = c.Get(t, login+sep(login)+"_target_url=/members")
			wantJSON(t, r, http.StatusOK, `{"msg":"Welcome, member mockuser!"}`)
			if tt.env != nil && !r.Via(srv.URL+mock.PathAuthorize) {
				t.Errorf("real-mode login did not go through the provider: %v", r.Hops)
			}
			wantJSON(t, c.Get(t, p.URL+"/"), http.StatusOK, `{"msg":"Hello, mockuser!"}`)
			if r := c.Get(t, p.URL+"/me"); r.Status != http.StatusOK || !strings.Contains(r.Body, `"preferred_username":"mockuser"`) || strings.Contains(r.Body, "hf_oauth") {
				t.Errorf("GET /me = %d %s; want 200 with mockuser and no token", r.Status, r.Body)
			}
			wantJSON(t, c.Get(t, p.URL+hfauth.LogoutPath), http.StatusOK, `{"msg":"Not logged in!"}`)
		})
	}
}

// TestNetHTTPNotMember: a signed-in user outside ORG_NAME gets 403.
func TestNetHTTPNotMember(t *testing.T) {
	p := exampletest.Start(t, bin, "ORG_NAME=some-other-org")
	c := exampletest.NewClient(t)
	r := c.Get(t, p.SignInURL(t)+"&_target_url=/members")
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "reserved to members of some-other-org") {
		t.Errorf("GET /members as a non-member = %d %s; want 403", r.Status, r.Body)
	}
}

// TestNetHTTPNoEcho checks that the program links no web framework.
func TestNetHTTPNoEcho(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "labstack/echo") {
		t.Errorf("nethttp depends on Echo:\n%s", out)
	}
}

// sep is the separator before another query parameter of u.
func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

func wantJSON(t *testing.T, r *exampletest.Response, status int, body string) {
	t.Helper()
	if r.Status != status || strings.TrimSpace(r.Body) != body {
		t.Errorf("GET %s = %d %s; want %d %s", r.Hops[0], r.Status, strings.TrimSpace(r.Body), status, body)
	}
}
