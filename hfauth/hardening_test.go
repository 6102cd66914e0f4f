package hfauth

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// A page that fires many logins with long, incompressible targets and the
// most org ids a state carries (a cookie bomb) cannot grow the browser's
// cookies past the pending-login cap: each login cookie stays one small
// cookie, and chunked leftovers count and are pruned too.
func TestLoginCookieBomb(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	c := jarClient(t)
	u, _ := url.Parse(a.URL)
	// Leftover chunked login cookies, as an older version or a forger might leave.
	c.Jar.SetCookies(u, []*http.Cookie{
		{Name: "hf_login_AAAAAAAAAAAAAAAAAAAAAA.0", Value: "2~x"},
		{Name: "hf_login_AAAAAAAAAAAAAAAAAAAAAA.1", Value: "y"},
	})
	for i := range 10 {
		target := "/p?x=" + randomString(1500) // cut to its path
		if i%2 == 1 {
			target = "/p?x=" + randomString(1500)[:maxStateTarget-len("/p?x=")] // kept whole
		}
		orgs := make([]string, maxLoginOrgIDs)
		for j := range orgs {
			orgs[j] = randomString(48) // 64 characters, the longest org id
		}
		f := fetch(t, c, a.URL+LoginPath+"?_target_url="+url.QueryEscape(target)+"&orgIds="+strings.Join(orgs, ","))
		if f.StatusCode != http.StatusFound {
			t.Fatalf("login = %d", f.StatusCode)
		}
	}
	var names []string
	header := 0
	for _, ck := range c.Jar.Cookies(u) {
		if strings.HasPrefix(ck.Name, "hf_login_") {
			names = append(names, ck.Name)
			header += len(ck.Name) + len(ck.Value) + 2
		}
	}
	if len(names) > a.oauth.cfg.MaxPendingLogins {
		t.Errorf("%d login cookies %v; want at most %d", len(names), names, a.oauth.cfg.MaxPendingLogins)
	}
	for _, n := range names {
		if strings.Contains(n, ".") {
			t.Errorf("login cookie %s is a chunk; want single cookies only", n)
		}
	}
	if header > 4*1024 {
		t.Errorf("login cookies weigh %d bytes in the Cookie header; want a few KB at most", header)
	}
}

// A long target survives as its path when it cannot fit in the state.
func TestStateTargetBound(t *testing.T) {
	t.Parallel()
	long := "/report?q=" + strings.Repeat("x", 3000)
	tests := []struct{ in, want string }{
		{"/a?b=c", "/a?b=c"},
		{long, "/report"},
		{"/" + strings.Repeat("p", 2000), "/"},
	}
	for _, tt := range tests {
		st, ok := parseState(newState(0, tt.in, nil).String())
		if got := st.target; !ok || got != tt.want {
			t.Errorf("state target of %.20q… = %.20q, %v; want %.20q", tt.in, st.target, ok, tt.want)
		}
	}
}

// An organization named after another organization's id is not that
// organization: ids match ids, handles match handles.
func TestOrgIDIsNotAHandle(t *testing.T) {
	t.Parallel()
	victim := mock.NewOrg("victim-org")
	impostor := mock.NewOrg(victim.Sub) // a handle that spells the victim's id
	impostor.RoleInOrg = "admin"
	u := OAuthUserInfo{Orgs: []OAuthOrgInfo{{Sub: impostor.Sub, PreferredUsername: impostor.PreferredUsername}}}
	if org := u.Org(victim.Sub); org != nil {
		t.Fatalf("Org(%s) = %+v; an org whose handle is that id must not match", victim.Sub, org)
	}
	member := OAuthUserInfo{Orgs: []OAuthOrgInfo{{Sub: victim.Sub, PreferredUsername: "victim-org"}}}
	if member.Org(victim.Sub) == nil || member.Org("victim-org") == nil {
		t.Fatal("a member is found neither by id nor by handle")
	}

	prov := mock.NewServer(t, mock.Config{})
	attacker := mock.NewUser("attacker")
	attacker.Orgs = []mock.Org{impostor}
	prov.AddUser(attacker)
	setUser(t, prov, "attacker")
	a := serveApp(t, realConfig(prov), serveOpts{routes: func(mux *http.ServeMux, o *OAuth) {
		mountRoutes(mux, o)
		mux.Handle("GET /guarded", requireOrg(RequireOrgConfig{Orgs: []string{victim.Sub}, MinRole: RoleAdmin}, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { text(w, http.StatusOK, "in") })))
	}})
	b := newBrowser(t)
	b.mustLogin(t, a)
	if status, body := b.get(t, a.URL+"/guarded"); status != http.StatusForbidden {
		t.Fatalf("GET /guarded as the impostor = %d %q; want 403", status, body)
	}
}

// A JWKS outage at the very first login must not poison the logins that
// follow: once the JWKS answers again, the next login verifies.
func TestJWKSOutageAtFirstLogin(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	prov.SetFaults(mock.Faults{JWKSStatus: http.StatusInternalServerError})
	if status, _ := newBrowser(t).login(t, a); status != http.StatusBadGateway {
		t.Fatalf("login with the JWKS down = %d; want 502", status)
	}
	prov.SetFaults(mock.Faults{})
	if status, body := newBrowser(t).login(t, a); status != http.StatusOK || body != "page" {
		t.Fatalf("login once the JWKS is back = %d %q; want 200 page; logs:\n%s", status, body, a.logs)
	}
}

// An https provider whose discovery names a plain-http endpoint is refused:
// the code and tokens would cross the network in clear.
func TestHTTPSProviderNeedsHTTPSEndpoints(t *testing.T) {
	t.Parallel()
	var disc *httptest.Server
	disc = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"issuer":%q,"authorization_endpoint":%q,"token_endpoint":"http://insecure.example/token","userinfo_endpoint":%q,"jwks_uri":%q}`,
			disc.URL, disc.URL+"/authorize", disc.URL+"/userinfo", disc.URL+"/jwks")
	}))
	defer disc.Close()
	cfg := Config{Mode: ModeReal, ClientID: "id", ClientSecret: "secret", Scopes: []string{"openid"}, ProviderURL: disc.URL, HTTPClient: disc.Client()}
	a := newApp(t, cfg)
	f := fetch(t, plainClient(t), a.URL+LoginPath)
	if f.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("login = %d; want 503", f.StatusCode)
	}
	if !strings.Contains(a.logs.String(), "token_endpoint") {
		t.Errorf("log does not name the bad endpoint:\n%s", a.logs)
	}
}

// Another site cannot log a user out: a cross-site logout is refused and
// the session stays; the site's own logout link works.
func TestLogoutCrossSite(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	b := newBrowser(t)
	b.mustLogin(t, a)
	name := a.oauth.sessions.Name()
	value := b.cookie(t, a.URL, name)
	tests := []struct {
		site    string
		cleared bool
	}{
		{"cross-site", false},
		{"same-origin", true},
		{"same-site", true},
		{"none", true},
		{"", true}, // not a browser that says
	}
	for _, tt := range tests {
		hdr := []string{"Cookie", name + "=" + value}
		if tt.site != "" {
			hdr = append(hdr, "Sec-Fetch-Site", tt.site)
		}
		f := fetch(t, plainClient(t), a.URL+LogoutPath, hdr...)
		if got := f.expired(name); got != tt.cleared {
			t.Errorf("logout with Sec-Fetch-Site %q: cleared = %v (status %d); want %v", tt.site, got, f.StatusCode, tt.cleared)
		}
		if !tt.cleared && f.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site logout = %d; want 403", f.StatusCode)
		}
	}
}

// A visitor who gives up while discovery is under way does not fail
// discovery for everyone: the next login, a moment later, works. It is not
// parallel: its sleeps race discovery, and other tests' load would slow it.
func TestDiscoveryOutlivesTheVisitor(t *testing.T) {
	var prov *mock.Provider
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/openid-configuration") {
			time.Sleep(300 * time.Millisecond)
		}
		prov.ServeHTTP(w, r)
	}))
	defer srv.Close()
	var err error
	if prov, err = mock.New(srv.URL, mock.Config{Clients: []mock.Client{{ID: mock.TestClientID, Secret: mock.TestClientSecret, RedirectURIs: mock.LoopbackRedirectURIs()}}}); err != nil {
		t.Fatal(err)
	}
	cfg := realConfig(&mock.Server{Provider: prov, URL: srv.URL})
	a := newApp(t, cfg)
	impatient := &http.Client{Timeout: 100 * time.Millisecond, Transport: ownTransport(t), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if res, err := impatient.Get(a.URL + LoginPath); err == nil {
		res.Body.Close()
		t.Fatalf("the impatient visitor got an answer (%d); want a timeout", res.StatusCode)
	}
	time.Sleep(400 * time.Millisecond) // discovery finishes meanwhile, well inside the retry window
	if f := fetch(t, plainClient(t), a.URL+LoginPath); f.StatusCode != http.StatusFound {
		t.Fatalf("next login = %d %s; want 302 to the provider; logs:\n%s", f.StatusCode, f.body, a.logs)
	}
}
