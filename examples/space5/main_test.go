package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/echohf/echohf/echohf5"
	"github.com/echohf/echohf/examples/internal/exampletest"
	"github.com/echohf/echohf/mock"
)

// bin is the space5 program, built once by TestMain.
var bin string

func TestMain(m *testing.M) { exampletest.Main(m, ".", &bin) }

// page is the header of a page load in a browser.
const page = "Accept: text/html"

// TestSpace5 checks the Echo v5 layer of the app (the pages themselves are
// examples/space's, tested there and, in a browser, by examples/e2e):
// every route answers, logged out and then signed in through the mock
// provider, with the status, the page and the headers it should.
func TestSpace5(t *testing.T) {
	prov := mock.NewServer(t, mock.Config{})
	prov.AddToken("hf_test_mockuser", "mockuser")
	p := exampletest.Start(t, bin, append(exampletest.RealEnv(prov.URL, "echohf/space5", "openid profile read-repos read-memberships"),
		"INSTANCE_ID=five", echohf5.EnvHFEndpoint+"="+prov.URL)...)
	c := exampletest.NewClient(t)
	type row struct {
		path, accept string
		status       int
		has          string
	}
	check := func(t *testing.T, rows []row) {
		t.Helper()
		for _, r := range rows {
			var hdr []string
			if r.accept != "" {
				hdr = append(hdr, r.accept)
			}
			got := c.GetNoRedirect(t, p.URL+r.path, hdr...)
			if got.Status != r.status || !strings.Contains(got.Body, r.has) {
				t.Errorf("GET %s (%s) = %d; want %d with %q:\n%.400s", r.path, r.accept, got.Status, r.status, r.has, got.Body)
			}
			if got.Header.Get("X-Instance") != "five" || got.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("GET %s: X-Instance %q, Cache-Control %q", r.path, got.Header.Get("X-Instance"), got.Header.Get("Cache-Control"))
			}
		}
	}
	t.Run("logged out", func(t *testing.T) {
		check(t, []row{
			{"/", page, http.StatusOK, `id="signin"`},
			{"/private", page, http.StatusFound, ""},
			{"/private", "Accept: */*", http.StatusUnauthorized, "Please sign in"},
			{"/private", "Accept: application/json", http.StatusUnauthorized, `"message":"Please sign in to see this page."`},
			{"/api/me", "", http.StatusUnauthorized, `"message"`},
			{"/nope", page, http.StatusNotFound, "There is no page at /nope."},
		})
	})
	// Sign in through the provider, coming back to /private.
	if r := c.Get(t, p.URL+"/private", page); r.Status != http.StatusOK || !r.Via(prov.URL+mock.PathAuthorize) || !strings.Contains(r.Body, `id="private"`) {
		t.Fatalf("sign-in from /private = %d at %s (via %v)", r.Status, r.URL, r.Hops)
	}
	t.Run("signed in", func(t *testing.T) {
		check(t, []row{
			{"/", page, http.StatusOK, "@mockuser"},
			{"/private", page, http.StatusOK, "read-repos"},
			{"/members", page, http.StatusOK, `<span id="role">admin</span>`},
			{"/models", page, http.StatusOK, `data-model="mockuser/`},
			{"/api/members", "", http.StatusOK, `"org":"acme-research"`},
		})
		var me struct {
			Auth string `json:"auth"`
			User struct {
				Name string `json:"preferred_username"`
			} `json:"user"`
		}
		if r := c.Get(t, p.URL+"/api/me"); json.Unmarshal([]byte(r.Body), &me) != nil || me.Auth != "session" || me.User.Name != "mockuser" {
			t.Errorf("GET /api/me = %d %s; want the session's user", r.Status, r.Body)
		}
	})
	t.Run("bearer", func(t *testing.T) {
		r := exampletest.NewClient(t).Get(t, p.URL+"/api/me", "Authorization: Bearer hf_test_mockuser")
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `"auth":"bearer"`) {
			t.Errorf("GET /api/me with a Hub token = %d %s; want the token's user", r.Status, r.Body)
		}
	})
	t.Run("logged out again", func(t *testing.T) {
		if r := c.Get(t, p.URL+echohf5.LogoutPath, page); !strings.Contains(r.Body, `id="logged-out"`) {
			t.Errorf("logout landed on %s:\n%.400s", r.URL, r.Body)
		}
		check(t, []row{{"/members", page, http.StatusFound, ""}})
	})
}
