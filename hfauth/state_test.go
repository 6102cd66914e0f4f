package hfauth

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// TestCallbackLostLoginCookie follows the reference's retry: back to login
// with _nb_redirects bumped and the target kept, then out of the iframe to
// https://{SpaceHost}, and without a Space host a clear 400.
func TestCallbackLostLoginCookie(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	plain := newApp(t, realConfig(prov))
	spaceCfg := realConfig(prov)
	spaceCfg.SpaceHost = "user-space.hf.space"
	spaceCfg.InsecureCookie = true // the test talks plain http to it
	space := newApp(t, spaceCfg)

	tests := []struct {
		name      string
		a         *app
		retries   int
		want      int
		wantLoc   string // prefix of the Location
		wantCount string
	}{
		{"first miss", plain, 0, http.StatusFound, LoginPath + "?", "1"},
		{"second miss", plain, 1, http.StatusFound, LoginPath + "?", "2"},
		{"break-out without SpaceHost", plain, 2, http.StatusBadRequest, "", ""},
		{"first miss in a Space", space, 0, http.StatusFound, LoginPath + "?", "1"},
		{"break-out", space, 2, http.StatusFound, "https://user-space.hf.space" + LoginPath + "?", "3"},
		{"after break-out", space, 3, http.StatusFound, "https://user-space.hf.space" + LoginPath + "?", "4"},
		{"gives up", space, 4, http.StatusBadRequest, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := newState(tt.retries, "/page?x=1", nil).String()
			f := fetch(t, jarClient(t), tt.a.URL+CallbackPath+"?code=abc&state="+url.QueryEscape(state))
			if f.StatusCode != tt.want {
				t.Fatalf("callback = %d %s; want %d", f.StatusCode, f.body, tt.want)
			}
			if f.setCookie(tt.a.oauth.sessions.Name()) != "" {
				t.Errorf("session minted without a login cookie")
			}
			if tt.want != http.StatusFound {
				if !strings.Contains(f.body, "cookie") {
					t.Errorf("body %q: want a clear message about cookies", f.body)
				}
				return
			}
			loc := f.rawLocation()
			if !strings.HasPrefix(loc, tt.wantLoc) {
				t.Fatalf("Location %q; want prefix %q", loc, tt.wantLoc)
			}
			u, _ := url.Parse(loc)
			if got := u.Query().Get(paramRedirects); got != tt.wantCount {
				t.Errorf("_nb_redirects = %q; want %q", got, tt.wantCount)
			}
			if got := u.Query().Get(paramTarget); got != "/page?x=1" {
				t.Errorf("_target_url = %q; want /page?x=1", got)
			}
		})
	}

	// The retry counter and the org ids asked for travel through login: a
	// real login started with _nb_redirects=1 whose cookie is lost comes
	// back to the same login with 2, and that login asks for the same orgs.
	c := jarClient(t)
	f := fetch(t, c, plain.URL+LoginPath+"?_nb_redirects=1&_target_url=/page&orgIds=abc,def")
	authz := f.location(t)
	f = fetch(t, c, authz)
	cb := f.location(t)
	f = fetch(t, plainClient(t), cb) // a browser that lost the login cookie
	u, _ := url.Parse(f.rawLocation())
	q := u.Query()
	if f.StatusCode != http.StatusFound || q.Get(paramRedirects) != "2" || q.Get(paramTarget) != "/page" || q.Get(paramOrgIDs) != "abc,def" {
		t.Fatalf("lost cookie after one retry: %d %q; want a redirect with _nb_redirects=2, the target and orgIds=abc,def", f.StatusCode, f.rawLocation())
	}
	retry := fetch(t, c, plain.URL+u.RequestURI())
	authzURL, _ := url.Parse(retry.location(t))
	if got := authzURL.Query().Get(paramOrgIDs); got != "abc,def" {
		t.Errorf("retried login's authorize URL has orgIds=%q; want abc,def", got)
	}
}

// TestCallbackBadState: a missing or garbage state is a clear 400.
func TestCallbackBadState(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	long := strings.Repeat("A", 22) + ".0." + strings.Repeat("x", 20000)
	for _, q := range []string{"", "?code=x", "?code=x&state=garbage", "?state=a.b.c", "?state=" + strings.Repeat("A", 22) + ".-1.Lw", "?state=" + strings.Repeat("A", 22) + ".99.Lw", "?state=" + strings.Repeat("!", 22) + ".0.Lw", "?state=" + long, "?state=%00%01"} {
		f := fetch(t, jarClient(t), a.URL+CallbackPath+q)
		if f.StatusCode != http.StatusBadRequest || !strings.Contains(f.body, "state") {
			t.Errorf("callback%s = %d %s; want 400 naming the state", q[:min(len(q), 60)], f.StatusCode, f.body)
		}
	}
}

// TestTwoTabs: two logins started before either callback both succeed,
// whichever finishes first.
func TestTwoTabs(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	b := newBrowser(t)
	nr := b.noRedirect()
	first := fetch(t, nr, a.URL+LoginPath+"?_target_url=/page%3Ftab%3D1").location(t)
	second := fetch(t, nr, a.URL+LoginPath+"?_target_url=/page%3Ftab%3D2").location(t)
	if n := countPrefix(b.cookieNames(t, a.URL), "hf_login_"); n != 2 {
		t.Fatalf("login cookies = %d; want 2", n)
	}
	for _, authz := range []string{second, first} {
		status, body := b.get(t, authz)
		if status != http.StatusOK || body != "page" {
			t.Fatalf("tab = %d %q; want 200 page; logs:\n%s", status, body, a.logs)
		}
		if w := b.whoami(t, a.URL); !w.LoggedIn {
			t.Fatal("not logged in")
		}
	}
	if last := b.visited[len(b.visited)-1]; !strings.HasSuffix(last, "/page?tab=1") {
		t.Errorf("first tab landed on %s; want /page?tab=1", last)
	}
	if n := countPrefix(b.cookieNames(t, a.URL), "hf_login_"); n != 0 {
		t.Errorf("login cookies left: %d", n)
	}
}

// TestCallbackReplay: a callback URL used twice does not mint a second
// session, whether the login cookie is gone or was copied.
func TestCallbackReplay(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	c := jarClient(t)
	authz := fetch(t, c, a.URL+LoginPath).location(t)
	au, _ := url.Parse(a.URL)
	var loginCookies []string
	for _, ck := range c.Jar.Cookies(au) {
		loginCookies = append(loginCookies, ck.Name+"="+ck.Value)
	}
	cb := fetch(t, c, authz).location(t)
	f := fetch(t, c, cb)
	if f.StatusCode != http.StatusFound || f.setCookie(a.oauth.sessions.Name()) == "" {
		t.Fatalf("callback = %d %s; want 302 with a session", f.StatusCode, f.body)
	}
	if len(loginCookies) != 1 {
		t.Fatalf("login cookies before callback: %v", loginCookies)
	}
	// Same browser: the login cookie was consumed.
	f = fetch(t, c, cb)
	if f.setCookie(a.oauth.sessions.Name()) != "" || f.StatusCode >= 500 {
		t.Errorf("replay in the same browser = %d, Set-Cookie %q; want no session", f.StatusCode, f.Header.Values("Set-Cookie"))
	}
	if !strings.Contains(f.rawLocation(), paramRedirects+"=1") {
		t.Errorf("replay without a login cookie: Location %q; want a retry", f.rawLocation())
	}
	// Another client with a copy of the login cookie: the code is single use.
	f = fetch(t, plainClient(t), cb, "Cookie", loginCookies[0])
	if f.StatusCode != http.StatusBadRequest || f.setCookie(a.oauth.sessions.Name()) != "" {
		t.Errorf("replay with a copied login cookie = %d %s, Set-Cookie %q; want 400 and no session", f.StatusCode, f.body, f.Header.Values("Set-Cookie"))
	}
	if !f.expired(strings.SplitN(loginCookies[0], "=", 2)[0]) {
		t.Errorf("replayed login cookie not expired")
	}
}

// TestLoginCookieReplayRefused: a copied login cookie is single use on a
// replica, whatever became of its first callback: replaying it with any
// code gets a 400 and no session, and makes no call to the provider's
// token endpoint with the app's credentials.
func TestLoginCookieReplayRefused(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	for _, tt := range []struct {
		name      string
		firstCode bool // the first callback has the provider's code
	}{
		{"after a sign-in", true},
		{"after a refused code", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := jarClient(t)
			authz := fetch(t, c, a.URL+LoginPath).location(t)
			au, _ := url.Parse(a.URL)
			cks := c.Jar.Cookies(au)
			if len(cks) != 1 {
				t.Fatalf("login cookies: %v", cks)
			}
			cookie := cks[0].Name + "=" + cks[0].Value
			state := mustQuery(t, authz).Get("state")
			first := a.URL + CallbackPath + "?state=" + url.QueryEscape(state) + "&code=made-up"
			if tt.firstCode {
				first = fetch(t, c, authz).location(t)
			}
			if f := fetch(t, plainClient(t), first, "Cookie", cookie); f.StatusCode >= 500 {
				t.Fatalf("first callback = %d %s", f.StatusCode, f.body)
			}
			before := prov.Requests(mock.EndpointToken)
			for i := range 5 {
				cb := a.URL + CallbackPath + "?state=" + url.QueryEscape(state) + "&code=replay" + strconv.Itoa(i)
				f := fetch(t, plainClient(t), cb, "Cookie", cookie)
				if f.StatusCode != http.StatusBadRequest || f.setCookie(a.oauth.sessions.Name()) != "" {
					t.Errorf("replay %d = %d %s, Set-Cookie %q; want 400 and no session", i, f.StatusCode, f.body, f.Header.Values("Set-Cookie"))
				}
			}
			if n := prov.Requests(mock.EndpointToken) - before; n != 0 {
				t.Errorf("5 replays of a used login cookie made %d token endpoint calls; want none", n)
			}
		})
	}
}

// mustQuery returns the query of the URL u.
func mustQuery(t testing.TB, u string) url.Values {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return pu.Query()
}

// TestUsedStates: the memo of used login states refuses a state seen
// within its lifetime, forgets it after, holds at most its capacity
// (evicting the oldest), and lets exactly one of concurrent callbacks
// with one state through.
func TestUsedStates(t *testing.T) {
	t.Parallel()
	clk := stoppedClock()
	h := func(s string) []byte { return stateHash(s) }
	t.Run("lifetime", func(t *testing.T) {
		t.Parallel()
		m := newUsedStates(4)
		now := clk.Now()
		if !m.claim(h("a"), now, time.Minute) {
			t.Fatal("first use refused")
		}
		if m.claim([]byte("short"), now, time.Minute) {
			t.Error("a hash that is not a SHA-256 accepted")
		}
		if m.claim(h("a"), now.Add(59*time.Second), time.Minute) {
			t.Error("second use within the lifetime accepted")
		}
		if !m.claim(h("a"), now.Add(time.Minute), time.Minute) {
			t.Error("use after the lifetime refused")
		}
	})
	t.Run("capacity", func(t *testing.T) {
		t.Parallel()
		m := newUsedStates(3)
		now := clk.Now()
		for _, s := range []string{"a", "b", "c", "d"} {
			if !m.claim(h(s), now, time.Minute) {
				t.Fatalf("first use of %s refused", s)
			}
		}
		if n := m.len(); n != 3 {
			t.Errorf("%d entries; want the capacity, 3", n)
		}
		for _, s := range []string{"b", "c", "d"} {
			if m.claim(h(s), now, time.Minute) {
				t.Errorf("%s accepted twice", s)
			}
		}
		if !m.claim(h("a"), now, time.Minute) {
			t.Error("the evicted oldest entry is still refused")
		}
	})
	t.Run("growing past wraps", func(t *testing.T) {
		t.Parallel()
		m := newUsedStates(200)
		now := clk.Now()
		// 100 states, the first 50 expiring early: the ring wraps before it grows.
		for i := range 100 {
			ttl := time.Hour
			if i < 50 {
				ttl = time.Minute
			}
			m.claim(h(strconv.Itoa(i)), now, ttl)
		}
		later := now.Add(2 * time.Minute)
		for i := 100; i < 350; i++ {
			if !m.claim(h(strconv.Itoa(i)), later, time.Hour) {
				t.Fatalf("first use of %d refused", i)
			}
		}
		if n := m.len(); n != 200 {
			t.Errorf("%d entries; want the capacity, 200", n)
		}
		for i := 150; i < 350; i++ { // the newest 200: refused, and so left as they are
			if m.claim(h(strconv.Itoa(i)), later, time.Hour) {
				t.Errorf("state %d accepted twice", i)
			}
		}
		for i := range 150 { // expired or evicted
			if !m.claim(h(strconv.Itoa(i)), later, time.Hour) {
				t.Errorf("state %d, expired or evicted, refused", i)
			}
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		t.Parallel()
		m := newUsedStates(1024)
		var won atomic.Int32
		var wg sync.WaitGroup
		for i := range 64 {
			wg.Go(func() {
				if m.claim(h("same"), clk.Now(), time.Minute) {
					won.Add(1)
				}
				m.claim(h("other"+strconv.Itoa(i)), clk.Now(), time.Minute)
			})
		}
		wg.Wait()
		if n := won.Load(); n != 1 {
			t.Errorf("%d of 64 concurrent uses of one state accepted; want 1", n)
		}
	})
}

// TestPendingLoginCap: however many logins are started, the browser never
// holds more than MaxPendingLogins login cookies, and the newest works.
func TestPendingLoginCap(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	cfg := realConfig(prov)
	cfg.MaxPendingLogins = 3
	a := newApp(t, cfg)
	b := newBrowser(t)
	nr := b.noRedirect()
	var authz []string
	for i := range cfg.MaxPendingLogins + 2 {
		authz = append(authz, fetch(t, nr, a.URL+LoginPath+"?_target_url=/page").location(t))
		n := countPrefix(b.cookieNames(t, a.URL), "hf_login_")
		if n > cfg.MaxPendingLogins {
			t.Fatalf("after login %d: %d login cookies; want at most %d", i+1, n, cfg.MaxPendingLogins)
		}
		if want := min(i+1, cfg.MaxPendingLogins); n != want {
			t.Errorf("after login %d: %d login cookies; want %d", i+1, n, want)
		}
	}
	// The oldest was evicted: its callback gets no session.
	fetch(t, nr, fetch(t, nr, authz[0]).location(t))
	if w := b.whoami(t, a.URL); w.LoggedIn {
		t.Fatal("the evicted login still logged in")
	}
	if status, body := b.get(t, authz[len(authz)-1]); status != http.StatusOK || body != "page" {
		t.Fatalf("newest login = %d %q", status, body)
	}
	if w := b.whoami(t, a.URL); !w.LoggedIn {
		t.Fatal("newest login did not log in")
	}
}
