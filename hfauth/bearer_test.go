package hfauth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// Personal tokens the bearer tests register on the fake Hub.
const (
	patMockuser = "hf_bearerTestMockuser0123456789abcd"
	patAlice    = "hf_bearerTestAlice0123456789abcdefg"
)

// hub is a mock provider that is also the Hub: it knows mockuser (the
// default user, in acme-research) and alice (in no organization), each with
// a personal token.
func hub(t testing.TB) *mock.Server {
	t.Helper()
	srv := mock.NewServer(t, mock.Config{})
	srv.AddUser(mock.NewUser("alice"))
	srv.AddToken(patMockuser, "mockuser")
	srv.AddToken(patAlice, "alice")
	return srv
}

// bearerConfig is a configuration accepting bearer tokens checked against
// srv, in real or mock mode.
func bearerConfig(srv *mock.Server, mode Mode) Config {
	cfg := Config{Mode: ModeMock}
	if mode == ModeReal {
		cfg = realConfig(srv)
	}
	cfg.AcceptBearer = true
	cfg.HFEndpoint = srv.URL
	return cfg
}

// bearerApp serves cfg with the OAuth routes, /whoami, /via (how the
// request is logged in), /private behind RequireLogin, /acme behind
// RequireOrg("acme-research") and /open behind RequireOrg("open-models")
// with RefuseRestricted.
func bearerApp(t *testing.T, cfg Config) *app {
	t.Helper()
	return serveApp(t, cfg, serveOpts{routes: func(mux *http.ServeMux, o *OAuth) {
		mountRoutes(mux, o)
		mux.HandleFunc("GET /via", func(w http.ResponseWriter, r *http.Request) {
			switch info := Info(r); {
			case info == nil:
				text(w, http.StatusOK, "logged out")
			case info.FromBearer():
				text(w, http.StatusOK, "bearer "+info.UserInfo.PreferredUsername)
			default:
				text(w, http.StatusOK, "cookie "+info.UserInfo.PreferredUsername)
			}
		})
		mux.Handle("GET /private", requireLogin(okHandler))
		mux.Handle("GET /acme", requireOrg(RequireOrgConfig{Orgs: []string{"acme-research"}}, okHandler))
		mux.Handle("GET /open", requireOrg(RequireOrgConfig{Orgs: []string{"open-models"}, RefuseRestricted: true}, okHandler))
	}})
}

// bearerGet fetches a.URL+path with the Authorization header auth ("" for
// none) and the extra headers hdr.
func bearerGet(t *testing.T, a *app, path, auth string, hdr ...string) fetched {
	t.Helper()
	if auth != "" {
		hdr = append(hdr, "Authorization", auth)
	}
	return fetch(t, plainClient(t), a.URL+path, hdr...)
}

// TestBearer: with AcceptBearer, a request carrying a Hugging Face token
// the Hub accepts is logged in as the token's owner, in real and in mock
// mode; a token the Hub refuses, or one that cannot be a Hugging Face token,
// is logged out, and the guards answer it 401 with an RFC 6750 challenge,
// never a redirect. Only well-formed tokens cost a whoami call, and no
// answer sets a cookie.
func TestBearer(t *testing.T) {
	t.Parallel()
	srv := hub(t)
	for _, mode := range []Mode{ModeReal, ModeMock} {
		t.Run(mode.String(), func(t *testing.T) {
			a := bearerApp(t, bearerConfig(srv, mode))
			tests := []struct {
				name  string
				hdr   []string // Authorization headers
				via   string   // /via's answer
				calls int      // whoami calls the first request costs
			}{
				{"personal token", []string{"Bearer " + patMockuser}, "bearer mockuser", 1},
				{"scheme in any case", []string{"bEARER " + patAlice}, "bearer alice", 1},
				{"unknown token", []string{"Bearer hf_unknownToken0123456789abcdefgh"}, "logged out", 1},
				{"not a Hugging Face token", []string{"Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"}, "logged out", 0},
				{"too long", []string{"Bearer hf_" + strings.Repeat("a", 300)}, "logged out", 0},
				{"empty", []string{"Bearer "}, "logged out", 0},
				{"space inside", []string{"Bearer hf_abc def"}, "logged out", 0},
				{"two headers", []string{"Bearer " + patMockuser, "Bearer " + patAlice}, "logged out", 0},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					var hdr []string
					for _, h := range tt.hdr {
						hdr = append(hdr, "Authorization", h)
					}
					before := srv.Requests(mock.EndpointWhoami)
					f := fetch(t, plainClient(t), a.URL+"/via", hdr...)
					if f.StatusCode != http.StatusOK || f.body != tt.via {
						t.Fatalf("/via = %d %q; want %q; logs:\n%s", f.StatusCode, f.body, tt.via, a.logs)
					}
					if n := srv.Requests(mock.EndpointWhoami) - before; n != tt.calls {
						t.Errorf("whoami calls = %d; want %d", n, tt.calls)
					}
					// A browser-like Accept header does not send an API client to login.
					p := fetch(t, plainClient(t), a.URL+"/private", append(hdr, "Accept", "text/html", "Sec-Fetch-Mode", "navigate")...)
					challenge := p.Header.Get("WWW-Authenticate")
					if tt.via == "logged out" {
						if p.StatusCode != http.StatusUnauthorized || challenge != `Bearer error="invalid_token"` {
							t.Errorf("/private = %d, WWW-Authenticate %q; want 401 with Bearer error=\"invalid_token\"", p.StatusCode, challenge)
						}
					} else if p.StatusCode != http.StatusOK || challenge != "" {
						t.Errorf("/private = %d %q, WWW-Authenticate %q; want 200", p.StatusCode, p.body, challenge)
					}
					for _, r := range []fetched{f, p} {
						if sc := r.Header.Values("Set-Cookie"); len(sc) > 0 {
							t.Errorf("%s answered Set-Cookie %q to a bearer request", r.Request.URL.Path, sc)
						}
					}
				})
			}
			if strings.Contains(a.logs.String(), "hf_") {
				t.Errorf("a token reached the logs:\n%s", a.logs)
			}
		})
	}
}

// TestBearerInfo: Info carries the token as AccessToken and the owner's
// profile and organizations from whoami; with AcceptBearerOAuthTokens, an
// OAuth access token that a login issued works as a bearer token too.
func TestBearerInfo(t *testing.T) {
	t.Parallel()
	srv := hub(t)
	cfg := bearerConfig(srv, ModeReal)
	cfg.AcceptBearerOAuthTokens = true
	a := bearerApp(t, cfg)
	w := newBrowser(t).mustLogin(t, a)
	for _, token := range []string{patMockuser, w.Token} {
		f := bearerGet(t, a, "/whoami", "Bearer "+token)
		var got whoamiAnswer
		if err := json.Unmarshal([]byte(f.body), &got); err != nil || !got.LoggedIn {
			t.Fatalf("/whoami with %.12s… = %s (%v); want logged in", token, f.body, err)
		}
		want := mock.DefaultUser()
		u := got.Info.UserInfo
		if got.Token != token || u.Sub != want.Sub || u.PreferredUsername != want.PreferredUsername || u.Name != want.Name || len(u.Orgs) != len(want.Orgs) {
			t.Errorf("/whoami with %.12s… = %s; want the token and %s with %d orgs", token, f.body, want.PreferredUsername, len(want.Orgs))
		}
		if r := u.Org("acme-research"); r == nil || r.RoleInOrg == nil || *r.RoleInOrg != RoleAdmin {
			t.Errorf("acme-research = %+v; want admin", r)
		}
	}
}

// TestBearerOAuthTokens: an OAuth access token ("hf_oauth_…") was granted
// to an app, possibly another one: any Space the user signed in to, even
// with only "openid profile", holds one and could replay it here as the
// user (its audience is never checked: whoami-v2 is the only check). So
// AcceptBearer refuses such tokens, without asking the Hub, unless
// AcceptBearerOAuthTokens says otherwise; personal tokens pass either way.
func TestBearerOAuthTokens(t *testing.T) {
	t.Parallel()
	prov := hub(t)
	prov.AddClient(mock.Client{ID: "other-space", Secret: "other-space-secret-0123456789abcdef", RedirectURIs: mock.LoopbackRedirectURIs()})
	otherCfg := realConfig(prov)
	otherCfg.ClientID, otherCfg.ClientSecret = "other-space", "other-space-secret-0123456789abcdef"
	otherCfg.Scopes = []string{"openid", "profile"}
	stolen := newBrowser(t).mustLogin(t, newApp(t, otherCfg)).Token // what the other Space's server holds
	if !strings.HasPrefix(stolen, "hf_oauth_") {
		t.Fatalf("the provider issued %.12s…; want an hf_oauth_ token", stolen)
	}
	for _, tt := range []struct {
		name       string
		allow      bool // Config.AcceptBearerOAuthTokens
		token, via string
		calls      int // whoami calls
	}{
		{"another app's OAuth token", false, stolen, "logged out", 0},
		{"a personal token", false, patMockuser, "bearer mockuser", 1},
		{"another app's OAuth token, allowed", true, stolen, "bearer mockuser", 1},
		{"a personal token, OAuth tokens allowed", true, patMockuser, "bearer mockuser", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := bearerConfig(prov, ModeReal)
			cfg.AcceptBearerOAuthTokens = tt.allow
			a := bearerApp(t, cfg)
			before := prov.Requests(mock.EndpointWhoami)
			if f := bearerGet(t, a, "/via", "Bearer "+tt.token); f.body != tt.via {
				t.Errorf("/via = %d %q; want %q", f.StatusCode, f.body, tt.via)
			}
			if n := prov.Requests(mock.EndpointWhoami) - before; n != tt.calls {
				t.Errorf("whoami calls = %d; want %d", n, tt.calls)
			}
			if tt.via == "logged out" {
				f := bearerGet(t, a, "/private", "Bearer "+tt.token)
				if challenge := f.Header.Get("WWW-Authenticate"); f.StatusCode != http.StatusUnauthorized || challenge != `Bearer error="invalid_token"` {
					t.Errorf("/private = %d, WWW-Authenticate %q; want 401 with Bearer error=\"invalid_token\"", f.StatusCode, challenge)
				}
			}
		})
	}
}

// TestBearerGuards: RequireOrg judges a bearer-authenticated user by the
// organizations whoami lists; whoami does not say whether the token meets
// an organization's security policy, so RefuseRestricted refuses it, while
// the same user's cookie session (whose userinfo says so) passes.
func TestBearerGuards(t *testing.T) {
	t.Parallel()
	srv := hub(t)
	a := bearerApp(t, bearerConfig(srv, ModeReal))
	tests := []struct {
		path, token string
		want        int
	}{
		{"/acme", patMockuser, http.StatusOK},
		{"/acme", patAlice, http.StatusForbidden},
		{"/open", patMockuser, http.StatusForbidden},
	}
	for _, tt := range tests {
		if f := bearerGet(t, a, tt.path, "Bearer "+tt.token); f.StatusCode != tt.want {
			t.Errorf("%s with %.16s… = %d %s; want %d", tt.path, tt.token, f.StatusCode, f.body, tt.want)
		}
	}
	b := newBrowser(t)
	b.mustLogin(t, a)
	if status, body := b.get(t, a.URL+"/open"); status != http.StatusOK {
		t.Errorf("/open with a cookie session = %d %s; want 200", status, body)
	}
}

// TestBearerChallenge: with AcceptBearer, a logged-out API call with no
// token gets 401 with a bare Bearer challenge, while a browser is still sent
// to login; without AcceptBearer there is no challenge and the header is
// ignored.
func TestBearerChallenge(t *testing.T) {
	t.Parallel()
	srv := hub(t)
	on := bearerApp(t, bearerConfig(srv, ModeReal))
	offCfg := bearerConfig(srv, ModeReal)
	offCfg.AcceptBearer = false
	off := bearerApp(t, offCfg)

	if f := bearerGet(t, on, "/private", ""); f.StatusCode != http.StatusUnauthorized || f.Header.Get("WWW-Authenticate") != "Bearer" {
		t.Errorf("API call = %d, WWW-Authenticate %q; want 401 with Bearer", f.StatusCode, f.Header.Get("WWW-Authenticate"))
	}
	if f := bearerGet(t, on, "/private", "", "Sec-Fetch-Mode", "navigate"); f.StatusCode != http.StatusFound {
		t.Errorf("navigation = %d; want 302 to login", f.StatusCode)
	}
	before := srv.Requests(mock.EndpointWhoami)
	f := bearerGet(t, off, "/private", "Bearer "+patMockuser)
	if f.StatusCode != http.StatusUnauthorized || f.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("without AcceptBearer = %d, WWW-Authenticate %q; want 401 with no challenge", f.StatusCode, f.Header.Get("WWW-Authenticate"))
	}
	if n := srv.Requests(mock.EndpointWhoami) - before; n != 0 {
		t.Errorf("without AcceptBearer the token cost %d whoami calls; want 0", n)
	}
}

// TestBearerDecides: a bearer header alone decides a request that also
// carries a session cookie, and whatever it decides, the cookie session is
// left as it is (never cleared).
func TestBearerDecides(t *testing.T) {
	t.Parallel()
	srv := hub(t)
	a := bearerApp(t, bearerConfig(srv, ModeReal))
	b := newBrowser(t)
	b.mustLogin(t, a)
	nr := b.noRedirect()
	tests := []struct {
		auth, want string
	}{
		{"", "cookie mockuser"},
		{"Bearer " + patAlice, "bearer alice"},
		{"Bearer hf_refusedToken0123456789abcdefgh", "logged out"},
		{"Bearer not-a-token", "logged out"},
		{"Basic dXNlcjpwYXNz", "cookie mockuser"}, // not a bearer token: the cookie decides
	}
	for _, tt := range tests {
		var hdr []string
		if tt.auth != "" {
			hdr = []string{"Authorization", tt.auth}
		}
		f := fetch(t, nr, a.URL+"/via", hdr...)
		if f.body != tt.want {
			t.Errorf("/via with %q = %q; want %q", tt.auth, f.body, tt.want)
		}
		if sc := f.Header.Values("Set-Cookie"); len(sc) > 0 {
			t.Errorf("/via with %q set cookies %q", tt.auth, sc)
		}
	}
	if f := fetch(t, nr, a.URL+"/via"); f.body != "cookie mockuser" {
		t.Errorf("after the bearer requests the cookie session says %q; want cookie mockuser", f.body)
	}
}

// TestBearerCache: whoami answers are cached per token: 50 requests with
// one token cost one call, concurrent first requests share one, an accepted
// token is checked again after 5 minutes and a refused one after 30
// seconds.
func TestBearerCache(t *testing.T) {
	t.Parallel()
	srv := hub(t)
	clock := stoppedClock()
	cfg := bearerConfig(srv, ModeReal)
	cfg.Now = clock.Now
	a := bearerApp(t, cfg)
	calls := func() int { return srv.Requests(mock.EndpointWhoami) }
	via := func(auth string) string { return bearerGet(t, a, "/via", auth).body }

	start := calls()
	for i := range 50 {
		if got := via("Bearer " + patMockuser); got != "bearer mockuser" {
			t.Fatalf("request %d = %q", i, got)
		}
	}
	if n := calls() - start; n != 1 {
		t.Errorf("50 requests with one token cost %d whoami calls; want 1", n)
	}
	clock.Advance(bearerTTL - time.Second)
	via("Bearer " + patMockuser)
	if n := calls() - start; n != 1 {
		t.Errorf("within the TTL: %d whoami calls; want 1", n)
	}
	clock.Advance(2 * time.Second)
	via("Bearer " + patMockuser)
	if n := calls() - start; n != 2 {
		t.Errorf("after the TTL: %d whoami calls; want 2", n)
	}

	const refused = "Bearer hf_refusedToken0123456789abcdefgh"
	start = calls()
	for range 10 {
		if got := via(refused); got != "logged out" {
			t.Fatalf("refused token = %q", got)
		}
	}
	if n := calls() - start; n != 1 {
		t.Errorf("10 requests with a refused token cost %d whoami calls; want 1", n)
	}
	clock.Advance(bearerRefusedTTL + time.Second)
	via(refused)
	if n := calls() - start; n != 2 {
		t.Errorf("after the refusal's TTL: %d whoami calls; want 2", n)
	}

	// Concurrent first requests: the Hub is slow enough that they overlap.
	srv.SetFaults(mock.Faults{HubDelay: 300 * time.Millisecond})
	start = calls()
	var wg sync.WaitGroup
	got := make([]string, 20)
	for i := range got {
		wg.Go(func() { got[i] = via("Bearer " + patAlice) })
	}
	wg.Wait()
	for i, g := range got {
		if g != "bearer alice" {
			t.Errorf("concurrent request %d = %q", i, g)
		}
	}
	if n := calls() - start; n != 1 {
		t.Errorf("20 concurrent first requests cost %d whoami calls; want 1", n)
	}
}

// TestBearerCacheHoldsNoToken: the cache is keyed by the token's hash and
// its entries hold no token.
func TestBearerCacheHoldsNoToken(t *testing.T) {
	t.Parallel()
	srv := hub(t)
	a := bearerApp(t, bearerConfig(srv, ModeReal))
	bearerGet(t, a, "/via", "Bearer "+patMockuser)
	bearerGet(t, a, "/via", "Bearer hf_refusedToken0123456789abcdefgh")
	c := &a.oauth.bearers.cache
	c.mu.Lock()
	dump := fmt.Sprintf("%+v %+v", c.ok.entries, c.failed.entries)
	n, m := len(c.ok.entries), len(c.failed.entries)
	c.mu.Unlock()
	if n != 1 || m != 1 {
		t.Fatalf("cache = %s; want one accepted and one refused entry", dump)
	}
	if strings.Contains(dump, "hf_") || strings.Contains(dump, "TestMockuser") {
		t.Errorf("the cache holds a token: %s", dump)
	}
}

// TestBearerCacheBounded: the cache never holds more than bearerCacheSize
// entries of each kind.
func TestBearerCacheBounded(t *testing.T) {
	t.Parallel()
	var c bearerCache
	now := time.Now()
	for i := range 3 * bearerCacheSize {
		c.failed.put(bearerKey(fmt.Sprintf("hf_%d", i)), bearerEntry{expires: now.Add(time.Hour)}, now)
	}
	if n := len(c.failed.entries); n != bearerCacheSize {
		t.Errorf("cache holds %d entries; want %d", n, bearerCacheSize)
	}
}

// TestBearerHubDown: a Hub that fails or is slow leaves the request logged
// out, never a 5xx, answers the guards' 401 without calling the token
// invalid, logs the failure without the token, and is asked again a second
// later.
func TestBearerHubDown(t *testing.T) {
	t.Parallel()
	srv := hub(t)
	clock := stoppedClock()
	cfg := bearerConfig(srv, ModeReal)
	cfg.Now = clock.Now
	cfg.Timeout = 300 * time.Millisecond
	a := bearerApp(t, cfg)
	for _, f := range []mock.Faults{{HubStatus: http.StatusServiceUnavailable}, {HubStatus: http.StatusTooManyRequests}, {HubDelay: 5 * time.Second}} {
		srv.SetFaults(f)
		start := time.Now()
		if got := bearerGet(t, a, "/via", "Bearer "+patMockuser); got.StatusCode != http.StatusOK || got.body != "logged out" {
			t.Errorf("%+v: /via = %d %q; want 200 logged out", f, got.StatusCode, got.body)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%+v: the request waited %v; want about the 300ms Timeout", f, d)
		}
		p := bearerGet(t, a, "/private", "Bearer "+patMockuser)
		if p.StatusCode != http.StatusUnauthorized || p.Header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("%+v: /private = %d, WWW-Authenticate %q; want 401 with a bare Bearer challenge", f, p.StatusCode, p.Header.Get("WWW-Authenticate"))
		}
		clock.Advance(bearerRetry + time.Millisecond)
	}
	srv.SetFaults(mock.Faults{})
	if got := bearerGet(t, a, "/via", "Bearer "+patMockuser).body; got != "bearer mockuser" {
		t.Errorf("once the Hub is back: %q; want bearer mockuser", got)
	}
	logs := a.logs.String()
	if !strings.Contains(logs, "whoami") || strings.Contains(logs, patMockuser) || strings.Contains(logs, "TestMockuser") {
		t.Errorf("logs should name the whoami failure without the token:\n%s", logs)
	}
}

// BenchmarkAuthBearer is a GET through o.Middleware with a bearer token
// whose whoami answer is cached: a SHA-256 and a map lookup per request.
func BenchmarkAuthBearer(b *testing.B) {
	srv := mock.NewServer(b, mock.Config{})
	srv.AddToken(patMockuser, "mockuser")
	o, err := New(Config{Mode: ModeMock, AcceptBearer: true, HFEndpoint: srv.URL, Logger: discardLogger()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(o.Close)
	runGreetWith(b, o.Middleware(http.HandlerFunc(greet)), "Hello, mockuser!", "Authorization", "Bearer "+patMockuser)
	if n := srv.Requests(mock.EndpointWhoami); n != 1 {
		b.Errorf("whoami calls = %d; want 1", n)
	}
}

// TestWhoamiLax: a whoami-v2 answer is read as leniently as userinfo: a
// field of an unexpected type (the deprecated plan as an object, say) is
// dropped, and an organization that is not an object is skipped, without
// losing the user, for bearer tokens and for mock mode's HF_TOKEN alike.
func TestWhoamiLax(t *testing.T) {
	t.Parallel()
	const token = "hf_laxWhoamiToken0123456789abcdefgh"
	body := `{"type":"user","id":"u-alice","name":"alice","fullname":7,"email":null,"isPro":"yes",
		"avatarUrl":"https://cdn.example/alice.png","periodEnd":1700000000,"plan":{"name":"pro"},
		"orgs":[42,{"type":"org","id":"o-acme","name":"acme","fullname":"Acme","plan":{"name":"team"},"roleInOrg":["admin"],"canPay":"no","isEnterprise":true}],
		"auth":{"type":"access_token","accessToken":{"displayName":"x","role":"fineGrained","fineGrained":{"scoped":[]}}}}`
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/whoami-v2" || r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, `{"error":"Invalid credentials"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(hub.Close)
	a := newApp(t, Config{Mode: ModeMock, AcceptBearer: true, HFEndpoint: hub.URL, HFToken: token})
	check := func(how string, u OAuthUserInfo) {
		t.Helper()
		if u.Sub != "u-alice" || u.PreferredUsername != "alice" || u.Name != "" || u.IsPro || u.Email != nil || u.Picture != "https://cdn.example/alice.png" {
			t.Errorf("%s: user = %+v; want alice with the mistyped fields dropped", how, u)
		}
		if len(u.Orgs) != 1 || u.Orgs[0].PreferredUsername != "acme" || u.Orgs[0].Plan != nil || u.Orgs[0].RoleInOrg != nil || u.Orgs[0].CanPay != nil || !u.Orgs[0].IsEnterprise {
			t.Errorf("%s: orgs = %+v; want acme alone, its mistyped fields dropped", how, u.Orgs)
		}
	}
	var w whoamiAnswer
	if err := json.Unmarshal([]byte(bearerGet(t, a, "/whoami", "Bearer "+token).body), &w); err != nil || !w.LoggedIn {
		t.Fatalf("bearer: not logged in (%v); logs:\n%s", err, a.logs)
	}
	check("bearer", w.Info.UserInfo)
	check("mock mode", newBrowser(t).mustLogin(t, a).Info.UserInfo)
}
