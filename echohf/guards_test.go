package echohf

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/mock"
)

// guardedApp serves routes behind every guard variant.
func guardedApp(t *testing.T, cfg Config) *app {
	ok := func(c echo.Context) error { return c.String(http.StatusOK, "ok") }
	return serveApp(t, cfg, serveOpts{routes: func(e *echo.Echo, o *OAuth) {
		o.Attach(e)
		e.GET("/g/login", ok, RequireLogin())
		e.GET("/g/skip", ok, RequireLoginWithConfig(RequireLoginConfig{Skipper: func(c echo.Context) bool { return c.QueryParam("public") == "1" }}))
		e.GET("/g/org", ok, RequireOrg("other", "acme"))
		e.GET("/g/org-sub", ok, RequireOrg(mock.NewOrg("acme").Sub))
		e.GET("/g/contrib", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"acme"}, MinRole: RoleContributor}))
		e.GET("/g/write", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"acme"}, MinRole: RoleWrite}))
		e.GET("/g/admin", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"acme"}, MinRole: RoleAdmin}))
		e.GET("/g/secure", ok, RequireOrg("secure"))
		e.GET("/g/secure-strict", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"secure"}, RefuseRestricted: true}))
		e.GET("/g/clean-strict", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"acme"}, RefuseRestricted: true}))
		e.GET("/g/org-skip", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"nobody"}, Skipper: func(c echo.Context) bool { return c.QueryParam("public") == "1" }}))
	}})
}

func org(name, role string, restrictions ...string) mock.Org {
	o := mock.NewOrg(name)
	o.RoleInOrg = role
	o.SecurityRestrictions = restrictions
	return o
}

func TestGuards(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	member := mock.NewUser("member")
	member.Orgs = []mock.Org{org("acme", "write"), org("secure", "admin", "mfa")}
	reader := mock.NewUser("reader")
	reader.Orgs = []mock.Org{org("acme", "read"), org("secure", "admin")}
	norole := mock.NewUser("norole")
	norole.Orgs = []mock.Org{org("acme", "")}
	outsider := mock.NewUser("outsider")
	for _, u := range []mock.User{member, reader, norole, outsider} {
		prov.AddUser(u)
	}
	a := guardedApp(t, realConfig(prov))

	paths := []string{"/g/login", "/g/org", "/g/org-sub", "/g/contrib", "/g/write", "/g/admin", "/g/secure", "/g/secure-strict", "/g/clean-strict"}
	want := map[string][]int{
		"member":   {200, 200, 200, 200, 200, 403, 200, 403, 200},
		"reader":   {200, 200, 200, 403, 403, 403, 200, 200, 200},
		"norole":   {200, 200, 200, 403, 403, 403, 403, 403, 200},
		"outsider": {200, 403, 403, 403, 403, 403, 403, 403, 403},
	}
	for _, name := range []string{"member", "reader", "norole", "outsider"} {
		t.Run(name, func(t *testing.T) {
			if err := prov.SetUser(name); err != nil {
				t.Fatal(err)
			}
			b := newBrowser(t)
			if w := b.mustLogin(t, a); w.Info.UserInfo.PreferredUsername != name {
				t.Fatalf("logged in as %q; want %q", w.Info.UserInfo.PreferredUsername, name)
			}
			for i, p := range paths {
				for _, hdr := range [][]string{{"Accept", "application/json"}, {"Accept", "text/html"}} {
					f := fetch(t, b.noRedirect(), a.URL+p, hdr...)
					if f.StatusCode != want[name][i] {
						t.Errorf("%s GET %s (%s) = %d %s; want %d", name, p, hdr[1], f.StatusCode, f.body, want[name][i])
					}
					if f.StatusCode == http.StatusForbidden && !strings.Contains(f.body, "reserved to members") {
						t.Errorf("403 body %q: want a clear message", f.body)
					}
				}
			}
		})
	}

	t.Run("logged out", func(t *testing.T) {
		for _, p := range append(paths, "/g/skip") {
			for _, hdr := range [][]string{{"Accept", "text/html,application/xhtml+xml"}, {"Sec-Fetch-Mode", "navigate"}} {
				f := fetch(t, plainClient(), a.URL+p+"?x=1&y=%2F", hdr...)
				if f.StatusCode != http.StatusFound {
					t.Fatalf("navigation %s (%s) = %d %s; want 302", p, hdr[0], f.StatusCode, f.body)
				}
				u, err := url.Parse(f.rawLocation())
				if err != nil || u.Path != LoginPath || u.Query().Get(paramTarget) != p+"?x=1&y=%2F" {
					t.Errorf("navigation %s: Location %q; want %s?_target_url=%s", p, f.rawLocation(), LoginPath, p+"?x=1&y=%2F")
				}
			}
			for _, hdr := range [][]string{{"Accept", "application/json"}, {"Sec-Fetch-Mode", "cors"}, {"Accept", "text/html", "Sec-Fetch-Mode", "cors"}, {}} {
				f := fetch(t, plainClient(), a.URL+p, hdr...)
				var msg map[string]any
				if f.StatusCode != http.StatusUnauthorized || json.Unmarshal([]byte(f.body), &msg) != nil || msg["message"] == nil {
					t.Errorf("API %s %v = %d %q; want 401 JSON", p, hdr, f.StatusCode, f.body)
				}
			}
		}
		// A POST is never a navigation.
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/g/login", nil)
		req.Header.Set("Accept", "text/html")
		res, err := plainClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized && res.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST = %d", res.StatusCode)
		}
		// The full round trip: navigation → login → back to the guarded page.
		setUser(t, prov, "member")
		b := newBrowser(t)
		req, _ = http.NewRequest(http.MethodGet, a.URL+"/g/write?q=1", nil)
		req.Header.Set("Accept", "text/html")
		res, err = b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Request.URL.RequestURI() != "/g/write?q=1" {
			t.Errorf("guarded navigation round trip ended at %d %s", res.StatusCode, res.Request.URL)
		}
	})

	t.Run("skipper", func(t *testing.T) {
		for _, p := range []string{"/g/skip?public=1", "/g/org-skip?public=1"} {
			if f := fetch(t, plainClient(), a.URL+p); f.StatusCode != http.StatusOK {
				t.Errorf("skipped %s = %d; want 200", p, f.StatusCode)
			}
		}
		if f := fetch(t, plainClient(), a.URL+"/g/org-skip"); f.StatusCode != http.StatusUnauthorized {
			t.Errorf("unskipped org guard = %d; want 401", f.StatusCode)
		}
	})
}

func TestGuardsInMockMode(t *testing.T) {
	t.Parallel()
	// The default mock user: orgs of different roles, one restricted.
	u := mock.DefaultUser()
	var restricted, clean string
	for _, o := range u.Orgs {
		if len(o.SecurityRestrictions) > 0 {
			restricted = o.PreferredUsername
		} else {
			clean = o.PreferredUsername
		}
	}
	if restricted == "" || clean == "" {
		t.Fatalf("mock.DefaultUser orgs %+v: want a restricted and an unrestricted one", u.Orgs)
	}
	ok := func(c echo.Context) error { return c.String(http.StatusOK, "ok") }
	a := serveApp(t, Config{Mode: ModeMock}, serveOpts{routes: func(e *echo.Echo, o *OAuth) {
		o.Attach(e)
		e.GET("/login", ok, RequireLogin())
		e.GET("/restricted", ok, RequireOrg(restricted))
		e.GET("/restricted-strict", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{restricted}, RefuseRestricted: true}))
		e.GET("/clean-strict", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{clean}, RefuseRestricted: true}))
	}})
	b := newBrowser(t)
	b.mustLogin(t, a)
	for p, want := range map[string]int{"/login": 200, "/restricted": 200, "/restricted-strict": 403, "/clean-strict": 200} {
		if f := fetch(t, b.noRedirect(), a.URL+p); f.StatusCode != want {
			t.Errorf("mock mode GET %s = %d; want %d", p, f.StatusCode, want)
		}
	}
}

func TestRequireOrgConfigPanics(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]RequireOrgConfig{
		"no orgs":      {},
		"unknown role": {Orgs: []string{"a"}, MinRole: "owner"},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: RequireOrgWithConfig did not panic", name)
				}
			}()
			RequireOrgWithConfig(cfg)
		}()
	}
}

func TestRoleRank(t *testing.T) {
	t.Parallel()
	s := func(v string) *string { return &v }
	order := []*string{nil, s("owner"), s(RoleRead), s(RoleContributor), s(RoleWrite), s(RoleAdmin)}
	for i := 2; i < len(order); i++ {
		if roleRank(order[i]) <= roleRank(order[i-1]) {
			t.Errorf("roleRank(%s) <= roleRank(%v)", *order[i], order[i-1])
		}
	}
	if roleRank(nil) >= 0 || roleRank(s("owner")) >= 0 {
		t.Error("an unknown role ranks at or above read")
	}
}
