package hfauth

import (
	"encoding/base64"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// flip changes the byte at i of s to another base64url character.
func flip(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

// TestBadSessionCookies: every bad session cookie leaves the request
// logged out and never yields a 5xx. The cookie is expired, except one
// signed with a key the instance does not know, which another replica may
// have (TestRollingRotation).
func TestBadSessionCookies(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	valid := sessionValue(t, a)
	parts := strings.Split(valid, ".")
	if len(parts) != 3 {
		t.Fatalf("session cookie %q is not a compact JWS", valid)
	}
	foreignCfg := realConfig(prov)
	foreignCfg.SessionSecret = "another-session-secret-0123456789abcdef"
	foreign := sessionValue(t, newApp(t, foreignCfg))

	enc := base64.RawURLEncoding.EncodeToString
	algNone := enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	hs256NoKid := enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2]

	tests := []struct {
		name, value string
		kept        bool // signed with an unknown key: the cookie is left alone
	}{
		{"signature flipped", parts[0] + "." + parts[1] + "." + flip(parts[2], len(parts[2])/2), false},
		{"payload flipped", parts[0] + "." + flip(parts[1], len(parts[1])/2) + "." + parts[2], false},
		{"header flipped", flip(parts[0], 3) + "." + parts[1] + "." + parts[2], false},
		{"signature dropped", parts[0] + "." + parts[1] + ".", false},
		{"foreign secret", foreign, true},
		{"alg none", algNone, false},
		{"header without kid", hs256NoKid, false},
		{"garbage", "garbage", false},
		{"dots", "...", false},
		{"10KB", strings.Repeat("a", 10<<10), false},
		{"10KB JWS-like", parts[0] + "." + strings.Repeat("b", 10<<10) + "." + parts[2], false},
	}
	name := a.oauth.sessions.Name()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/whoami", "/page", "/nowhere"} {
				f := withCookie(t, a.URL+path, name, tt.value)
				if f.StatusCode >= 500 {
					t.Fatalf("GET %s = %d %s", path, f.StatusCode, f.body)
				}
				if f.expired(name) == tt.kept {
					t.Errorf("GET %s: cookie %s expired: %v; want %v (Set-Cookie %q)", path, name, f.expired(name), !tt.kept, f.Header.Values("Set-Cookie"))
				}
				if path == "/whoami" && strings.Contains(f.body, `"logged_in":true`) {
					t.Errorf("logged in with a %s cookie", tt.name)
				}
			}
		})
	}
	t.Run("valid still works", func(t *testing.T) {
		f := withCookie(t, a.URL+"/whoami", name, valid)
		if !strings.Contains(f.body, `"logged_in":true`) || f.expired(name) {
			t.Fatalf("valid cookie: %d %s %q", f.StatusCode, f.body, f.Header.Values("Set-Cookie"))
		}
	})
}

// TestExpiredSession: a session past its access token's expiry is logged
// out and its cookie expired, even though it is still in the cache. It ends
// when the access token does, not Leeway later: Info never hands out a
// token the Hub already refuses. (Refreshing is off here: a refresh gives
// the session a new token, see TestRefresh.)
func TestExpiredSession(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a, clk := clockedApp(t, prov, func(c *Config) { c.RefreshBefore = -1 })
	b := newBrowser(t)
	w := b.mustLogin(t, a)
	value := b.cookie(t, a.URL, a.oauth.sessions.Name())
	clk.Advance(time.Until(w.Info.AccessTokenExpiresAt) - time.Minute)
	if f := withCookie(t, a.URL+"/whoami", a.oauth.sessions.Name(), value); !strings.Contains(f.body, `"logged_in":true`) {
		t.Fatalf("logged out a minute before expiry: %s", f.body)
	}
	clk.Advance(55 * time.Second)
	if f := withCookie(t, a.URL+"/whoami", a.oauth.sessions.Name(), value); !strings.Contains(f.body, `"logged_in":true`) {
		t.Fatalf("logged out 5 s before the token expires: %s", f.body)
	}
	clk.Advance(7 * time.Second)
	if f := withCookie(t, a.URL+"/whoami", a.oauth.sessions.Name(), value); strings.Contains(f.body, `"logged_in":true`) {
		t.Fatalf("still logged in 2 s after the token expired: %s", f.body)
	}
	clk.Advance(a.oauth.cfg.Leeway + 3*time.Minute)
	f := withCookie(t, a.URL+"/whoami", a.oauth.sessions.Name(), value)
	if f.StatusCode != http.StatusOK || strings.Contains(f.body, `"logged_in":true`) {
		t.Fatalf("expired session: %d %s; want 200 logged out", f.StatusCode, f.body)
	}
	if !f.expired(a.oauth.sessions.Name()) {
		t.Errorf("expired session cookie not cleared: %q", f.Header.Values("Set-Cookie"))
	}
	// And through the browser: the jar drops the cookie.
	if w := b.whoami(t, a.URL); w.LoggedIn {
		t.Fatal("browser still logged in after expiry")
	}
	if names := b.cookieNames(t, a.URL); hasPrefixAny(names, "hf_session") {
		t.Errorf("session cookie still in the jar: %v", names)
	}
}

// TestShortTokenSessionEnds: a session without a refresh token ends the
// moment its access token expires, with no clock-skew leeway added, even
// when the token lives only a couple of seconds: Info is nil from then on
// and the cookie is expired. (With a refresh token, the session is
// refreshed instead: TestIdleReturn.)
func TestShortTokenSessionEnds(t *testing.T) {
	prov := mock.NewServer(t, mock.Config{AccessTokenTTL: 2 * time.Second})
	tests := []struct {
		name  string
		after time.Duration // how long after the token's expiry to ask
	}{
		{"at expiry", 0},
		{"just past expiry", time.Millisecond},
		{"5 s later", 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, clk := clockedApp(t, prov, func(c *Config) { c.RefreshBefore = -1 }) // a fresh clock, so the login happens at real time
			b := newBrowser(t)
			w := b.mustLogin(t, a)
			exp := w.Info.AccessTokenExpiresAt
			if d := time.Until(exp); d > 2*time.Second {
				t.Fatalf("access token expires in %v; want at most 2 s", d)
			}
			value := b.cookie(t, a.URL, a.oauth.sessions.Name())
			clk.Advance(time.Until(exp) + tt.after)
			f := withCookie(t, a.URL+"/whoami", a.oauth.sessions.Name(), value)
			if f.StatusCode != http.StatusOK || !strings.Contains(f.body, `"logged_in":false`) {
				t.Fatalf("%v after the token expired: %d, logged in %v; want 200 logged out", tt.after, f.StatusCode, strings.Contains(f.body, `"logged_in":true`))
			}
			if !f.expired(a.oauth.sessions.Name()) {
				t.Errorf("session cookie not cleared: %q", f.Header.Values("Set-Cookie"))
			}
		})
	}
}

// TestNoCookieNoSetCookie: a request without any session cookie gets no
// Set-Cookie from Auth.
func TestNoCookieNoSetCookie(t *testing.T) {
	t.Parallel()
	a := newApp(t, Config{Mode: ModeMock})
	f := fetch(t, plainClient(t), a.URL+"/page")
	if f.StatusCode != http.StatusOK || len(f.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("GET /page = %d, Set-Cookie %q; want 200 and none", f.StatusCode, f.Header.Values("Set-Cookie"))
	}
}

// TestLogoutClearsCookies: logout expires the session cookie and redirects.
func TestLogoutClearsCookies(t *testing.T) {
	t.Parallel()
	a := newApp(t, Config{Mode: ModeMock})
	value := sessionValue(t, a)
	name := a.oauth.sessions.Name()
	f := fetch(t, plainClient(t), a.URL+LogoutPath+"?_target_url=/page", "Cookie", name+"="+value)
	if f.StatusCode != http.StatusFound || f.rawLocation() != "/page" {
		t.Fatalf("logout = %d Location %q; want 302 /page", f.StatusCode, f.rawLocation())
	}
	if !f.expired(name) {
		t.Errorf("logout did not expire %s: %q", name, f.Header.Values("Set-Cookie"))
	}
}

// TestCrossSiteUnsafeRequests: a request that another site made a browser
// send (Sec-Fetch-Site: cross-site) with an unsafe method is logged out, so
// a form on another site cannot act as the user through the session cookie
// (SameSite=None in a Space). Its cookie is neither read nor cleared. Safe
// methods, requests from the site itself or from clients that do not send
// Sec-Fetch-Site, and bearer tokens are not affected.
func TestCrossSiteUnsafeRequests(t *testing.T) {
	t.Parallel()
	srv := hub(t)
	var reached atomic.Int32
	a := serveApp(t, bearerConfig(srv, ModeReal), serveOpts{routes: func(mux *http.ServeMux, o *OAuth) {
		mountRoutes(mux, o)
		mux.HandleFunc("/via", func(w http.ResponseWriter, r *http.Request) {
			via := "logged out"
			if info := Info(r); info != nil {
				via = "cookie " + info.UserInfo.PreferredUsername
				if info.FromBearer() {
					via = "bearer " + info.UserInfo.PreferredUsername
				}
			}
			w.Header().Set("X-Via", via)
			text(w, http.StatusOK, via)
		})
		mux.Handle("POST /delete", requireLogin(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			reached.Add(1)
			text(w, http.StatusOK, "deleted")
		})))
	}})
	b := newBrowser(t)
	b.mustLogin(t, a)
	nr := b.noRedirect()
	tests := []struct {
		method, site, auth, want string
	}{
		{http.MethodPost, "cross-site", "", "logged out"},
		{http.MethodPut, "cross-site", "", "logged out"},
		{http.MethodPatch, "cross-site", "", "logged out"},
		{http.MethodDelete, "cross-site", "", "logged out"},
		{http.MethodPost, "same-origin", "", "cookie mockuser"},
		{http.MethodPost, "same-site", "", "cookie mockuser"},
		{http.MethodPost, "none", "", "cookie mockuser"}, // typed in or bookmarked
		{http.MethodPost, "", "", "cookie mockuser"},     // an older browser, or not a browser
		{http.MethodGet, "cross-site", "", "cookie mockuser"},
		{http.MethodHead, "cross-site", "", "cookie mockuser"},
		{http.MethodOptions, "cross-site", "", "cookie mockuser"},
		{http.MethodPost, "cross-site", "Bearer " + patAlice, "bearer alice"},
	}
	for _, tt := range tests {
		var hdr []string
		if tt.site != "" {
			hdr = append(hdr, "Sec-Fetch-Site", tt.site)
		}
		if tt.auth != "" {
			hdr = append(hdr, "Authorization", tt.auth)
		}
		f := fetchMethod(t, nr, tt.method, a.URL+"/via", hdr...)
		if got := f.Header.Get("X-Via"); got != tt.want {
			t.Errorf("%s /via, Sec-Fetch-Site %q, Authorization %q: %q; want %q", tt.method, tt.site, tt.auth, got, tt.want)
		}
		if sc := f.Header.Values("Set-Cookie"); len(sc) > 0 {
			t.Errorf("%s /via, Sec-Fetch-Site %q: Set-Cookie %q; want the cookies left alone", tt.method, tt.site, sc)
		}
	}
	if f := fetchMethod(t, nr, http.MethodPost, a.URL+"/delete", "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate", "Origin", "https://evil.example"); f.StatusCode != http.StatusUnauthorized || reached.Load() != 0 {
		t.Errorf("cross-site POST to a RequireLogin route = %d %q; want 401, the handler not run", f.StatusCode, f.body)
	}
	if f := fetchMethod(t, nr, http.MethodPost, a.URL+"/delete", "Sec-Fetch-Site", "same-origin"); f.StatusCode != http.StatusOK || reached.Load() != 1 {
		t.Errorf("same-origin POST to a RequireLogin route = %d %q; want 200", f.StatusCode, f.body)
	}
	if f := fetch(t, nr, a.URL+"/via"); f.body != "cookie mockuser" {
		t.Errorf("after the cross-site requests the session says %q; want cookie mockuser", f.body)
	}
}
