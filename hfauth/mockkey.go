package hfauth

// This file holds mock mode's key and state (mockMode): MockLoginURL, the
// key's cookie, and the gate of the mock routes.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"path"
	"sync"
)

// Mock mode lets nobody in on the strength of the request alone: a proxy
// on the same host (nginx's plain proxy_pass, socat, ssh -R) makes a remote
// visitor's request look local. Mock login also needs something only the
// person at the console has: the per-process key in the link MockLoginURL
// gives, which Mount logs and the examples print. Its first use leaves a
// cookie that stands for it, so later logins from that browser need no key.

// paramMockKey is the query parameter of MockLoginURL that carries the key.
const paramMockKey = "mock_key"

// mockKeyLen is the number of random bytes in a mock key.
const mockKeyLen = 16

// mockCookieSuffix ends the name of the cookie that stands for the mock key
// once used; mockCookieName puts the session cookie's name before it.
const mockCookieSuffix = "_mock_key"

// purposeMockCookie separates the mock key cookie's value from the key.
const purposeMockCookie = "echohf/mock-key-cookie/v1"

// errMockKey and errMockNoKey say why mock login refused a local request.
var (
	errMockKey   = errors.New("mock login with a wrong mock_key")
	errMockNoKey = errors.New("mock login without the mock key or its cookie")
)

// mockMode is mock mode's state (nil in real mode): the key that
// MockLoginURL carries, the value of the cookie that stands for it once
// used, and the warning about an unusable HF_TOKEN, given once.
type mockMode struct {
	key        string
	cookie     string
	whoamiWarn sync.Once
}

// newMockMode makes mock mode's state with a fresh key.
func newMockMode() *mockMode {
	key, cookie := newMockKey()
	return &mockMode{key: key, cookie: cookie}
}

// keyIs reports, in constant time, whether k is the mock key.
func (m *mockMode) keyIs(k string) bool {
	return subtle.ConstantTimeCompare([]byte(k), []byte(m.key)) == 1
}

// cookieIn reports whether r carries a cookie named name that stands for
// the mock key.
func (m *mockMode) cookieIn(r *http.Request, name string) bool {
	for _, ck := range r.CookiesNamed(name) {
		if subtle.ConstantTimeCompare([]byte(ck.Value), []byte(m.cookie)) == 1 {
			return true
		}
	}
	return false
}

// newMockKey makes a mock key and the value of the cookie that stands for
// it: an HMAC of a fixed string under the key, so the cookie does not
// reveal the key.
func newMockKey() (key, cookie string) {
	key = randomString(mockKeyLen)
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(purposeMockCookie))
	return key, base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// MockLoginURL returns, in mock mode, the path of o's login route carrying
// this process's mock key, coming back to target (sanitized); in real mode
// it returns "". Opening it from the machine the app runs on signs in the
// mocked user and leaves a cookie that lets that browser's later logins
// (LoginURL, guards) through without the key; a login without either is
// refused with a 403. Print it where only the person who started the
// program sees it, prefixed with the server's base URL, e.g.
// "http://localhost:7860"+o.MockLoginURL(""). Mounting the routes (Mount,
// Handler, an adapter's Attach) logs it too, and a server given to
// LogLinkOnStart logs the full link with the address it listens on. Call it
// after the routes are mounted, so that it includes a group's or mount's
// path.
func (o *OAuth) MockLoginURL(target string) string {
	if o.cfg.mode != ModeMock {
		return ""
	}
	return loginLink{mockKey: o.mock.key, target: target}.build(o.prefix)
}

// mockCookieName is the name of the cookie that stands for o's mock key:
// CookieName (without the "__Host-" that a Secure session cookie gets) and
// mockCookieSuffix. Cookies do not tell ports apart, so two apps on one
// host with one fixed name would overwrite each other's; apps that keep
// their sessions apart with their own CookieName keep these apart too. It
// cannot take "__Host-" itself, which requires Path=/, while this cookie is
// scoped to the login routes; a CookieName starting with "__Secure-" is
// accepted only when the cookies are Secure, and so this one is too.
func (o *OAuth) mockCookieName() string { return o.cfg.CookieName + mockCookieSuffix }

// LogLinkOnStart makes s log, in mock mode, the full sign-in link when it
// starts serving; scheme is "http" or "https". An adapter calls it when
// it mounts the routes (echohf's Attach does, for Echo's servers): the
// mount cannot know the address, which the server opens later, but
// http.Server hands its listener to BaseContext before accepting
// connections, so the link can name the address a browser reaches:
// localhost for all interfaces. s's own BaseContext, if any, still runs.
// For a server it does not see, the app prints the link, as MockLoginURL
// says. In real mode, or with a nil s, it does nothing.
func (o *OAuth) LogLinkOnStart(s *http.Server, scheme string) {
	if o.cfg.mode != ModeMock || s == nil {
		return
	}
	prev := s.BaseContext
	s.BaseContext = func(ln net.Listener) context.Context {
		o.cfg.Logger.Warn("echohf: MOCK MODE: the server is listening; to sign in, open sign_in in a browser on this machine",
			"sign_in", scheme+"://"+browsableAddr(ln.Addr())+o.MockLoginURL(""))
		if prev != nil {
			return prev(ln)
		}
		return context.Background()
	}
}

// browsableAddr is the host:port a local browser reaches a listener at:
// localhost for the unspecified address (all interfaces).
func browsableAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// mockGate decides whether the mock route at route (LoginPath or
// CallbackPath) may go on: a local request (see mockRefusal) with the mock
// key's cookie. A request with the key in its query gets the cookie and is sent
// to the same route without the key, so that the key stays out of the
// address bar, the login target and later Referer headers. done reports
// that mockGate answered the request itself; rep is then its answer.
func (o *OAuth) mockGate(w http.ResponseWriter, r *http.Request, route string) (rep reply, done bool) {
	if why := o.mockRefusal(r); why != "" {
		return o.fail(route, http.StatusForbidden, msgMockNotLocal(why), nil), true
	}
	q := r.URL.Query()
	if keys, ok := q[paramMockKey]; ok {
		if len(keys) != 1 || !o.mock.keyIs(keys[0]) {
			return o.fail(route, http.StatusForbidden, msgMockKey, errMockKey), true
		}
		// Secure follows the deployment like the session cookie's: mock mode
		// normally serves plain http on localhost.
		http.SetCookie(w, &http.Cookie{ //nolint:gosec // G124: see above
			Name:     o.mockCookieName(),
			Value:    o.mock.cookie,
			Path:     o.prefix + path.Dir(LoginPath), // the three routes
			HttpOnly: true,
			Secure:   o.cfg.secure,
			SameSite: http.SameSiteStrictMode,
		})
		q.Del(paramMockKey)
		u := o.prefix + route
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		w.Header().Set("Cache-Control", "no-store")
		return redirect(u), true
	}
	if o.mock.cookieIn(r, o.mockCookieName()) {
		return reply{}, false
	}
	return o.fail(route, http.StatusForbidden, msgMockKey, errMockNoKey), true
}
