package echohf5

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/echohf/echohf/mock"
)

func org(name, role string, restrictions ...string) mock.Org {
	o := mock.NewOrg(name)
	o.RoleInOrg = role
	o.SecurityRestrictions = restrictions
	return o
}

// TestGuards signs users in through the mock provider and checks every
// guard's answer: RequireLogin, RequireOrg by handle and by id, MinRole,
// RefuseRestricted, and the errors the app's error handler sees.
func TestGuards(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	member := mock.NewUser("member")
	member.Orgs = []mock.Org{org("acme", "write"), org("secure", "admin", "mfa")}
	reader := mock.NewUser("reader")
	reader.Orgs = []mock.Org{org("acme", "read")}
	outsider := mock.NewUser("outsider")
	for _, u := range []mock.User{member, reader, outsider} {
		prov.AddUser(u)
	}
	ok := func(c *echo.Context) error { return c.String(http.StatusOK, "ok") }
	a := newApp(t, realConfig(prov), func(e *echo.Echo, o *OAuth) {
		o.Attach(e)
		e.GET("/g/login", ok, RequireLogin())
		e.GET("/g/org", ok, RequireOrg("other", "acme"))
		e.GET("/g/org-sub", ok, RequireOrg(mock.NewOrg("acme").Sub))
		e.GET("/g/write", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"acme"}, MinRole: RoleWrite}))
		e.GET("/g/strict", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"secure"}, RefuseRestricted: true}))
		e.GET("/g/skip", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: []string{"nobody"}, Skipper: func(c *echo.Context) bool { return c.QueryParam("public") == "1" }}))
	})
	paths := []string{"/g/login", "/g/org", "/g/org-sub", "/g/write", "/g/strict", "/g/skip?public=1", "/g/skip"}
	type answer struct {
		status int
		errs   string // the sentinels the error matches (errHeader)
		body   string // a part of the body, for a refusal
	}
	okA := answer{status: 200}
	notMember := answer{403, "not-member", "reserved to members of"}
	tests := []struct {
		user string
		want []answer
	}{
		{"member", []answer{okA, okA, okA, okA, {403, "not-member restricted", "security policy of secure (mfa)"}, okA, notMember}},
		{"reader", []answer{okA, okA, okA, {403, "not-member role-too-low", "needs the write role in acme; you have read"}, notMember, okA, notMember}},
		{"outsider", []answer{okA, notMember, notMember, notMember, notMember, okA, notMember}},
	}
	for _, tt := range tests { // one after the other: SetUser picks who the provider signs in
		t.Run(tt.user, func(t *testing.T) {
			if err := prov.SetUser(tt.user); err != nil {
				t.Fatal(err)
			}
			b := newBrowser(t)
			if w := b.mustLogin(t, a); w.Info.UserInfo.PreferredUsername != tt.user {
				t.Fatalf("logged in as %q; want %q", w.Info.UserInfo.PreferredUsername, tt.user)
			}
			for i, p := range paths {
				f := fetch(t, b.noRedirect(), a.URL+p, "Accept", "application/json")
				want := tt.want[i]
				if f.StatusCode != want.status || f.Header.Get(errHeader) != want.errs && want.status != 200 || !strings.Contains(f.body, want.body) {
					t.Errorf("%s GET %s = %d %q %s; want %d %q with %q", tt.user, p, f.StatusCode, f.Header.Get(errHeader), f.body, want.status, want.errs, want.body)
				}
			}
		})
	}
}

// TestGuardsLoggedOut: a logged-out browser navigation is sent to login,
// coming back to the page; an API call gets 401 with ErrLoginRequired; the
// OAuth's own routes stay open behind an app-wide guard; a guard without
// Auth before it answers 500 with ErrNoAuth.
func TestGuardsLoggedOut(t *testing.T) {
	t.Parallel()
	ok := func(c *echo.Context) error { return c.String(http.StatusOK, "ok") }
	a := newApp(t, Config{Mode: ModeMock}, func(e *echo.Echo, o *OAuth) {
		o.Attach(e)
		g := e.Group("/all", RequireLogin()) // an app-wide guard, on a group
		g.GET("/page", ok)
		e.GET("/org", ok, RequireOrg("acme-research"))
	})
	noAuth := echo.New()
	exposeErrors(noAuth)
	noAuth.GET("/page", ok, RequireLogin())
	bare := newServer(t, noAuth)

	tests := []struct {
		name, url string
		hdr       []string
		status    int
		location  string
		errs      string
	}{
		{"navigation (Sec-Fetch-Mode)", a.URL + "/all/page?x=1", []string{"Sec-Fetch-Mode", "navigate"}, 302, LoginPath + "?_target_url=%2Fall%2Fpage%3Fx%3D1", ""},
		{"navigation (Accept)", a.URL + "/org", []string{"Accept", "text/html"}, 302, LoginPath + "?_target_url=%2Forg", ""},
		{"fetch asking for HTML", a.URL + "/org", []string{"Sec-Fetch-Mode", "cors", "Accept", "text/html"}, 401, "", "login-required"},
		{"API call", a.URL + "/all/page", []string{"Accept", "application/json"}, 401, "", "login-required"},
		{"no Auth", bare + "/page", []string{"Accept", "text/html"}, 500, "", "no-auth"},
	}
	c := &http.Client{Transport: ownTransport(t), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := fetch(t, c, tt.url, tt.hdr...)
			if f.StatusCode != tt.status || f.Header.Get("Location") != tt.location || f.Header.Get(errHeader) != tt.errs {
				t.Errorf("GET %s = %d to %q, errors %q; want %d to %q, errors %q", tt.url, f.StatusCode, f.Header.Get("Location"), f.Header.Get(errHeader), tt.status, tt.location, tt.errs)
			}
		})
	}
}

// TestGuardConfigs: ToMiddleware reports a configuration that cannot work
// as an ErrConfig error, and the WithConfig constructors panic with it.
func TestGuardConfigs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  RequireOrgConfig
		want string // "" for a valid one
	}{
		{"no organization", RequireOrgConfig{}, "at least one organization"},
		{"empty names only", RequireOrgConfig{Orgs: []string{""}}, "at least one organization"},
		{"unknown role", RequireOrgConfig{Orgs: []string{"acme"}, MinRole: "owner"}, `MinRole "owner"`},
		{"valid", RequireOrgConfig{Orgs: []string{"acme"}, MinRole: RoleAdmin}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mw, err := tt.cfg.ToMiddleware()
			if tt.want == "" {
				if err != nil || mw == nil {
					t.Errorf("ToMiddleware() = %v; want a middleware", err)
				}
				return
			}
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) || mw != nil {
				t.Errorf("ToMiddleware() error = %v; want ErrConfig mentioning %q", err, tt.want)
			}
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("RequireOrgWithConfig did not panic")
				}
			}()
			RequireOrgWithConfig(tt.cfg)
		})
	}
	if mw, err := (RequireLoginConfig{}).ToMiddleware(); err != nil || mw == nil {
		t.Errorf("RequireLoginConfig{}.ToMiddleware() = %v", err)
	}
}
