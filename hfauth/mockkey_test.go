package hfauth

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
)

// mockKeyOf returns the key in a's MockLoginURL.
func mockKeyOf(t testing.TB, a *app) string {
	t.Helper()
	u, err := url.Parse(a.oauth.MockLoginURL(""))
	if err != nil {
		t.Fatal(err)
	}
	key := u.Query().Get(paramMockKey)
	if len(key) < 22 { // 128 bits in base64url
		t.Fatalf("MockLoginURL = %q: no key of at least 128 bits", a.oauth.MockLoginURL(""))
	}
	return key
}

// mockKeyCookie opens a's MockLoginURL from loopback and returns the mock
// key cookie the answer sets.
func mockKeyCookie(t testing.TB, a *app) *http.Cookie {
	t.Helper()
	f := fetch(t, plainClient(t), a.URL+a.oauth.MockLoginURL(""))
	for _, c := range f.Cookies() {
		if c.Name == a.oauth.mockCookieName() && c.MaxAge >= 0 && c.Value != "" {
			return c
		}
	}
	t.Fatalf("MockLoginURL = %d, Set-Cookie %q; want a %s cookie", f.StatusCode, f.Header.Values("Set-Cookie"), a.oauth.mockCookieName())
	return nil
}

// sameHostProxy serves, on a loopback port, a reverse proxy to a that
// rewrites Host to a's own 127.0.0.1:port and adds no forwarding header:
// what `proxy_pass http://127.0.0.1:PORT;` or a TCP forwarder looks like
// to the app.
func sameHostProxy(t testing.TB, a *app) *httptest.Server {
	t.Helper()
	target, err := url.Parse(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target) // Host becomes the app's own 127.0.0.1:port
		for k := range pr.Out.Header {
			if forwardingHeader(k) {
				t.Errorf("the proxy sends %s: it should look like a plain proxy_pass", k)
			}
		}
	}}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv
}

// TestMockSameHostProxy: a remote visitor reaching a mock-mode app through
// a proxy on the same host (it connects from 127.0.0.1 and names the app's
// loopback address in Host) gets no session; the printed link, opened by
// the person at the console, does.
func TestMockSameHostProxy(t *testing.T) {
	for _, allow := range []bool{false, true} {
		a := newApp(t, Config{Mode: ModeMock, InsecureMockAllowRemote: allow})
		proxy := sameHostProxy(t, a)
		visitor := newBrowser(t)
		for _, path := range []string{LoginPath + "?_target_url=/page", CallbackPath + "?_target_url=/page"} {
			status, body := visitor.get(t, proxy.URL+path)
			if status != http.StatusForbidden || !strings.Contains(body, "printed") {
				t.Errorf("allow remote %v: %s through the proxy = %d %q; want 403 pointing to the printed link", allow, path, status, body)
			}
		}
		if w := visitor.whoami(t, proxy.URL); w.LoggedIn {
			t.Errorf("allow remote %v: the visitor behind the proxy is logged in as %s", allow, w.Info.UserInfo.PreferredUsername)
		}

		console := newBrowser(t)
		if status, body := console.get(t, a.URL+a.oauth.MockLoginURL("/page")); status != http.StatusOK || body != "page" {
			t.Errorf("allow remote %v: the printed link = %d %q; want 200 page", allow, status, body)
		}
		if w := console.whoami(t, a.URL); !w.LoggedIn {
			t.Errorf("allow remote %v: not logged in after the printed link", allow)
		}
	}
}

// TestMockKeyLink: the printed link signs in, sets an HttpOnly,
// SameSite=Strict cookie that lets later logins through without the key,
// and the key goes nowhere but that first URL and the startup log.
func TestMockKeyLink(t *testing.T) {
	a := serveApp(t, Config{Mode: ModeMock, Prefix: "/p"}, serveOpts{})
	key := mockKeyOf(t, a)
	if want := "/p" + LoginPath + "?" + paramMockKey + "=" + key; a.oauth.MockLoginURL("") != want {
		t.Errorf("MockLoginURL(\"\") = %q; want %q", a.oauth.MockLoginURL(""), want)
	}
	if got, want := a.oauth.MockLoginURL("//evil.com"), "/p"+LoginPath+"?"+paramMockKey+"="+key+"&_target_url=%2F"; got != want {
		t.Errorf("MockLoginURL(//evil.com) = %q; want %q", got, want)
	}

	// The first answer sets the cookie and drops the key from the URL,
	// keeping the rest of the query.
	c := jarClient(t)
	f := fetch(t, c, a.URL+"/p"+LoginPath+"?a=1&"+paramMockKey+"="+key)
	if f.StatusCode != http.StatusFound || f.rawLocation() != "/p"+LoginPath+"?a=1" {
		t.Errorf("login with the key = %d Location %q; want 302 to %s?a=1", f.StatusCode, f.rawLocation(), "/p"+LoginPath)
	}
	h := f.setCookie(a.oauth.mockCookieName())
	for _, attr := range []string{"; HttpOnly", "; SameSite=Strict", "; Path=/p/oauth/huggingface"} {
		if !strings.Contains(h, attr) {
			t.Errorf("mock key cookie %q lacks %q", h, attr)
		}
	}
	if strings.Contains(h, key) {
		t.Errorf("mock key cookie %q holds the key itself", h)
	}
	if cc := f.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("login with the key: Cache-Control %q; want no-store", cc)
	}
	f = fetch(t, c, a.URL+f.rawLocation())
	if u, _ := url.Parse(f.rawLocation()); f.StatusCode != http.StatusFound || u.Query().Get(paramTarget) != "/?a=1" {
		t.Errorf("login after the key = %d Location %q; want the callback coming back to /?a=1", f.StatusCode, f.rawLocation())
	}

	// A browser opening the link lands on the target and is logged in; the
	// key is in no URL after the first, nor in the session.
	b := newBrowser(t)
	if status, body := b.get(t, a.URL+a.oauth.MockLoginURL("/page")); status != http.StatusOK || body != "page" {
		t.Fatalf("printed link = %d %q; want 200 page", status, body)
	}
	for _, v := range b.visited {
		if strings.Contains(v, key) {
			t.Errorf("the key is in a redirect: %s", v)
		}
	}
	_, body := b.get(t, a.URL+"/whoami")
	if !strings.Contains(body, `"logged_in":true`) || strings.Contains(body, key) {
		t.Errorf("whoami after the printed link = %s; want logged in, without the key", body)
	}
	if n := strings.Count(a.logs.String(), key); n != 1 {
		t.Errorf("the key is %d times in the logs; want once, in the startup warning:\n%s", n, a.logs)
	}

	// Later logins need no key: the cookie stands for it.
	b.get(t, a.URL+"/p"+LogoutPath)
	if w := b.whoami(t, a.URL); w.LoggedIn {
		t.Fatal("still logged in after logout")
	}
	if status, body := b.get(t, a.URL+"/p"+LoginPath+"?_target_url=/page"); status != http.StatusOK || body != "page" {
		t.Errorf("login with the cookie = %d %q; want 200 page", status, body)
	}
	if w := b.whoami(t, a.URL); !w.LoggedIn {
		t.Error("not logged in by a login with the cookie")
	}
}

// TestMockKeyRefused: without the key or its cookie, or with a wrong one,
// mock login answers 403 pointing to the printed link, sets no cookie and
// echoes nothing it was sent.
func TestMockKeyRefused(t *testing.T) {
	a := newApp(t, Config{Mode: ModeMock})
	other := newApp(t, Config{Mode: ModeMock})
	otherCookie := mockKeyCookie(t, other)
	const wrong = "AAAAAAAAAAAAAAAAAAAAAAwrongkey"
	tests := []struct {
		name   string
		path   string
		cookie string // Cookie header
	}{
		{"login without key", LoginPath, ""},
		{"callback without key", CallbackPath, ""},
		{"wrong key", LoginPath + "?" + paramMockKey + "=" + wrong, ""},
		{"wrong key on callback", CallbackPath + "?" + paramMockKey + "=" + wrong, ""},
		{"empty key", LoginPath + "?" + paramMockKey + "=", ""},
		{"another process's key", LoginPath + "?" + paramMockKey + "=" + mockKeyOf(t, other), ""},
		{"key twice, one wrong", LoginPath + "?" + paramMockKey + "=" + wrong + "&" + paramMockKey + "=" + mockKeyOf(t, a), ""},
		{"wrong cookie", LoginPath, a.oauth.mockCookieName() + "=" + wrong},
		{"another process's cookie", CallbackPath, a.oauth.mockCookieName() + "=" + otherCookie.Value},
		{"the key as the cookie", CallbackPath, a.oauth.mockCookieName() + "=" + mockKeyOf(t, a)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.cookie != "" {
				hdr = []string{"Cookie", tt.cookie}
			}
			sep := "?"
			if strings.Contains(tt.path, "?") {
				sep = "&"
			}
			f := fetch(t, plainClient(t), a.URL+tt.path+sep+"_target_url=/page", hdr...)
			if f.StatusCode != http.StatusForbidden || !strings.Contains(f.body, "printed") || !strings.Contains(f.body, "mock mode") {
				t.Errorf("%s = %d %q; want 403 pointing to the link printed at startup", tt.path, f.StatusCode, f.body)
			}
			if len(f.Header.Values("Set-Cookie")) != 0 {
				t.Errorf("refused mock login sets cookies: %q", f.Header.Values("Set-Cookie"))
			}
			if strings.Contains(f.body, "wrongkey") || strings.Contains(a.logs.String(), "wrongkey") {
				t.Errorf("the key sent is echoed in the answer or the logs")
			}
		})
	}
}

// TestMockForwardingHeaders: a request carrying any forwarding header came
// through a proxy, so mock login refuses it even with the key's cookie.
func TestMockForwardingHeaders(t *testing.T) {
	a := newApp(t, Config{Mode: ModeMock})
	cookie := mockKeyCookie(t, a)
	tests := []struct{ name, value string }{
		{"X-Forwarded-For", "127.0.0.1"},
		{"X-Forwarded-Host", "localhost"},
		{"X-Forwarded-Proto", "https"},
		{"X-Forwarded-Port", "443"},
		{"X-Forwarded-Server", "proxy"},
		{"X-Real-IP", "127.0.0.1"},
		{"CF-Connecting-IP", "127.0.0.1"},
		{"True-Client-IP", "127.0.0.1"},
		{"Forwarded", "for=127.0.0.1"},
		{"Forwarded", "proto=https"},
		{"Via", "1.1 localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.name+": "+tt.value, func(t *testing.T) {
			for _, path := range []string{LoginPath, CallbackPath} {
				f := fetch(t, plainClient(t), a.URL+path, "Cookie", cookie.Name+"="+cookie.Value, tt.name, tt.value)
				if f.StatusCode != http.StatusForbidden || f.setCookie(a.oauth.sessions.Name()) != "" {
					t.Errorf("%s with %s: %s = %d; want 403 and no session", path, tt.name, tt.value, f.StatusCode)
				}
			}
		})
	}
	// Without such a header, the same cookie goes through.
	f := fetch(t, plainClient(t), a.URL+CallbackPath, "Cookie", cookie.Name+"="+cookie.Value)
	if f.StatusCode != http.StatusFound || f.setCookie(a.oauth.sessions.Name()) == "" {
		t.Errorf("callback with the cookie and no forwarding header = %d %s; want 302 with a session", f.StatusCode, f.body)
	}
}

// TestMockTwoAppsOneBrowser: two mock-mode apps with their own CookieName
// on one host (cookies do not tell ports apart) each keep their mock key
// cookie: signing in to the second leaves the first signed in, and the
// first's later logins still need no key.
func TestMockTwoAppsOneBrowser(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ a, b string }{
		{"app_a", "app_b"},
		{"", "other"}, // the default name beside a custom one
	} {
		t.Run(tt.a+"+"+tt.b, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, Config{Mode: ModeMock, CookieName: tt.a})
			b := newApp(t, Config{Mode: ModeMock, CookieName: tt.b})
			if ha, hb := hostOnly(t, a.URL), hostOnly(t, b.URL); ha != hb {
				t.Fatalf("the apps are on %s and %s; the test needs one host", ha, hb)
			}
			br := newBrowser(t)
			for _, x := range []*app{a, b} {
				if status, body := br.get(t, x.URL+x.oauth.MockLoginURL("/page")); status != http.StatusOK || body != "page" {
					t.Fatalf("%s: printed link = %d %q; want 200 page", x.URL, status, body)
				}
			}
			for i, x := range []*app{a, b} {
				name := [...]string{"first", "second"}[i]
				if !br.whoami(t, x.URL).LoggedIn {
					t.Errorf("%s app: not logged in after both printed links", name)
				}
				br.get(t, x.URL+LogoutPath)
				if br.whoami(t, x.URL).LoggedIn {
					t.Fatalf("%s app: still logged in after logout", name)
				}
				if status, body := br.get(t, x.URL+LoginPath+"?_target_url=/page"); status != http.StatusOK || body != "page" {
					t.Errorf("%s app: login without the key = %d %q; want 200 page (its mock key cookie should still be there)", name, status, body)
				}
				if !br.whoami(t, x.URL).LoggedIn {
					t.Errorf("%s app: not logged in by a login with its mock key cookie", name)
				}
			}
		})
	}
}

// hostOnly is the host of u, without its port.
func hostOnly(t testing.TB, u string) string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return pu.Hostname()
}

// TestMockKeyCookieName: the mock key cookie is named after the session
// cookie, keeping a "__Secure-" prefix (and the Secure attribute it needs)
// but never "__Host-", which its login-route Path could not satisfy; a
// browser keeps it and later logins go through with it.
func TestMockKeyCookieName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		cfg        Config
		tls        bool
		want       string // the mock key cookie's name
		wantSecure bool
	}{
		{"default", Config{}, false, "hf_session_mock_key", false},
		{"custom", Config{CookieName: "myapp"}, false, "myapp_mock_key", false},
		{"https default", Config{SpaceHost: "x.hf.space"}, true, "hf_session_mock_key", true},
		{"https custom", Config{SpaceHost: "x.hf.space", CookieName: "myapp"}, true, "myapp_mock_key", true},
		{"__Secure-", Config{SpaceHost: "x.hf.space", CookieName: "__Secure-myapp"}, true, "__Secure-myapp_mock_key", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.cfg.Mode = ModeMock
			a := serveApp(t, tt.cfg, serveOpts{tls: tt.tls})
			c := a.Client()
			c.Jar = jarClient(t).Jar
			c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			f := fetch(t, c, a.URL+a.oauth.MockLoginURL("/page"))
			h := f.setCookie(tt.want)
			if h == "" {
				t.Fatalf("printed link: Set-Cookie %q; want a %s cookie", f.Header.Values("Set-Cookie"), tt.want)
			}
			if secure := strings.Contains(h, "; Secure"); secure != tt.wantSecure {
				t.Errorf("mock key cookie %q: Secure %v; want %v", h, secure, tt.wantSecure)
			}
			if strings.HasPrefix(h, "__Host-") || h == f.setCookie(a.oauth.sessions.Name()) {
				t.Errorf("mock key cookie %q: want neither __Host- nor the session cookie's name %s", h, a.oauth.sessions.Name())
			}
			// The jar kept it: a login without the key goes through to a session.
			login := fetch(t, c, a.URL+LoginPath+"?_target_url=/page")
			if login.StatusCode != http.StatusFound {
				t.Fatalf("login with the cookie = %d %s; want 302", login.StatusCode, login.body)
			}
			cb := fetch(t, c, a.URL+login.rawLocation())
			if cb.StatusCode != http.StatusFound || cb.setCookie(a.oauth.sessions.Name()) == "" {
				t.Errorf("callback with the cookie = %d %s, Set-Cookie %q; want a session", cb.StatusCode, cb.body, cb.Header.Values("Set-Cookie"))
			}
		})
	}
}
