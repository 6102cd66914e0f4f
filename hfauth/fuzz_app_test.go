package hfauth

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzApp drives a whole real-mode app through echohf, against the mock
// provider (which is also the Hub): Auth with AcceptBearer, the OAuth
// routes, RequireLogin and RequireOrg guards, and a handler calling the
// Hub with HubClient. Whatever the method, path, Cookie, Authorization and
// Sec-Fetch-*/Accept headers, no request panics or gets a 5xx, and no
// answer or log line holds a secret: the session's access token, the
// personal token, the client secret, the session secret, the session
// cookie (in a body or log), or a bearer token the request sent.
//
// The app is built once per fuzzing process; each input is one
// e.ServeHTTP into a recorder. Only well-formed bearer tokens, callbacks
// with a matching login cookie, logouts of a live session and /hub reach
// the mock over the network.
func FuzzApp(f *testing.F) {
	srv := hub(f)
	cfg := bearerConfig(srv, ModeReal)
	// A replica of the fuzzed app (same Config, so it reads the same
	// cookies) logs a browser in through the provider for the seeds.
	login := serveApp(f, cfg, serveOpts{})
	b := newBrowser(f)
	token := b.mustLogin(f, login).Token
	cookieName := login.oauth.sessions.Name()
	session := b.cookie(f, login.URL, cookieName)
	if token == "" || session == "" {
		f.Fatal("the seed login gave no token or no session cookie")
	}
	loginCookies := loginCookie(f, login)

	logs := &syncBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.HTTPClient = &http.Client{Timeout: login.oauth.cfg.Timeout, Transport: ownTransport(f)}
	o, err := New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(o.Close)
	mux := http.NewServeMux()
	mountRoutes(mux, o)
	mux.Handle("GET /private", requireLogin(okHandler))
	mux.Handle("POST /private", requireLogin(okHandler))
	mux.Handle("GET /acme", requireOrg(RequireOrgConfig{Orgs: []string{"acme-research"}}, okHandler))
	mux.HandleFunc("GET /hub", fuzzHubHandler)
	e := o.Middleware(mux)

	tampered := flip(session, len(session)/2)
	// The seeds' credentials work on the fuzzed app: the fuzzer starts
	// from signed-in requests.
	for _, pre := range []struct {
		path, cookie, auth string
		status             int
	}{
		{"/hub", cookieName + "=" + session, "", http.StatusOK},
		{"/acme", cookieName + "=" + session, "", http.StatusOK},
		{"/hub", "", "Bearer " + patMockuser, http.StatusOK},
		{"/acme", "", "Bearer " + patAlice, http.StatusForbidden},
		{"/private", cookieName + "=" + tampered, "", http.StatusUnauthorized},
	} {
		r := httptest.NewRequest(http.MethodGet, pre.path, nil)
		if pre.cookie != "" {
			r.Header.Set("Cookie", pre.cookie)
		}
		if pre.auth != "" {
			r.Header.Set("Authorization", pre.auth)
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if w.Code != pre.status {
			f.Fatalf("GET %s (Cookie %t, Authorization %t) = %d %s; want %d; logs:\n%s", pre.path, pre.cookie != "", pre.auth != "", w.Code, w.Body, pre.status, logs)
		}
	}
	logs.Take()

	secrets := []string{token, patMockuser, patAlice, cfg.ClientSecret, cfg.SessionSecret}
	for _, s := range []struct{ method, target, cookie, auth, site, mode, accept string }{
		{"GET", "/private", cookieName + "=" + session, "", "same-origin", "navigate", "text/html"},
		{"GET", "/hub", cookieName + "=" + session, "", "", "", ""},
		{"GET", "/acme", cookieName + "=" + session, "", "", "cors", "application/json"},
		{"POST", "/private", cookieName + "=" + session, "", "cross-site", "", ""},
		{"GET", "/private", cookieName + "=" + tampered, "", "", "navigate", ""},
		{"GET", "/hub", cookieName + "=" + tampered + "; " + cookieName + "=" + session, "", "", "", ""},
		{"GET", "/private", cookieName + "=", "", "", "", "text/html"},
		{"GET", "/hub", "", "Bearer " + patMockuser, "", "", ""},
		{"GET", "/acme", "", "Bearer " + patAlice, "", "", ""},
		{"GET", "/private", "", "Bearer hf_unknownToken0123456789abcdefgh", "", "", ""},
		{"GET", "/private", cookieName + "=" + session, "Bearer hf_x y", "", "", ""},
		{"GET", "/private", "", "Basic dXNlcjpwYXNz", "", "", ""},
		{"GET", LoginPath + "?_target_url=%2Fprivate", "", "", "same-origin", "navigate", ""},
		{"GET", LoginPath + "?_target_url=//evil.example&orgIds=acme", cookieName + "=" + session, "", "cross-site", "", ""},
		{"GET", CallbackPath + "?code=abc&state=" + url.QueryEscape(strings.Repeat("A", stateIDLen)+".0.Lw"), loginCookies, "", "", "", ""},
		{"GET", CallbackPath + "?error=access_denied&state=x", "", "", "", "", ""},
		{"GET", CallbackPath + "?code=&state=", loginCookies, "", "", "", ""},
		{"GET", LogoutPath + "?_target_url=/private", cookieName + "=" + tampered, "", "cross-site", "", ""},
		{"GET", LogoutPath + "?_target_url=https://evil.example", "", "", "same-origin", "", ""},
		{"HEAD", "/private", "", "", "", "", ""},
		{"OPTIONS", "/hub?u=https://evil.example", "", "", "", "", ""},
		{"DELETE", "/nowhere/%2e%2e/private", "", "", "", "", ""},
	} {
		f.Add(s.method, s.target, s.cookie, s.auth, s.site, s.mode, s.accept)
	}
	f.Fuzz(func(t *testing.T, method, target, cookie, auth, site, mode, accept string) {
		r, ok := fuzzRequest(method, target)
		if !ok {
			return // net/http answers 400 before any handler
		}
		for _, h := range []struct{ name, value string }{
			{"Cookie", cookie}, {"Authorization", auth}, {"Sec-Fetch-Site", site}, {"Sec-Fetch-Mode", mode}, {"Accept", accept},
		} {
			if h.value == "" {
				continue
			}
			if !validHeaderValue(h.value) {
				return // net/http refuses such a request
			}
			r.Header.Set(h.name, h.value)
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %s (Cookie %q, Authorization %q) = %d %s; logs:\n%s", method, target, cookie, auth, w.Code, w.Body, logs)
		}
		var header strings.Builder
		for name, vs := range w.Header() {
			header.WriteString(name + ": " + strings.Join(vs, "\n") + "\n")
		}
		body, logged := w.Body.String(), logs.Take()
		check := secrets
		if bt, ok := strings.CutPrefix(auth, "Bearer "); ok && len(bt) >= 12 && !strings.Contains(target+cookie+site+mode+accept, bt) {
			check = append(check[:len(check):len(check)], bt) // the request's own token, never reflected
		}
		for _, s := range check {
			if strings.Contains(body, s) || strings.Contains(header.String(), s) || strings.Contains(logged, s) {
				t.Fatalf("%s %s: a secret (%d bytes) is in the answer or the logs", method, target, len(s))
			}
		}
		if strings.Contains(body, session) || strings.Contains(logged, session) {
			t.Fatalf("%s %s: the session cookie is in the body or the logs", method, target)
		}
	})
}

// fuzzHubHandler calls the Hub's whoami with HubClient and answers its
// status, or 401 when HubClient says to sign in.
func fuzzHubHandler(w http.ResponseWriter, r *http.Request) {
	res, err := HubClient(w, r).Get(SeenOf(r).Owner().HubEndpoint() + "/api/whoami-v2") //nolint:gosec // G704: the configured Hub (the mock), which is what HubClient is for
	switch {
	case errors.Is(err, ErrLoginRequired):
		text(w, http.StatusUnauthorized, "login required")
		return
	case err != nil:
		text(w, http.StatusBadGateway, "the Hub could not be reached")
		return
	}
	res.Body.Close()
	text(w, res.StatusCode, http.StatusText(res.StatusCode))
}

// loginCookie starts a login on a and returns its login cookies as a
// Cookie header, for seeds of the callback.
func loginCookie(t testing.TB, a *app) string {
	t.Helper()
	f := fetch(t, plainClient(t), a.URL+LoginPath)
	var parts []string
	for _, c := range f.Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// fuzzRequest builds the request a server would hand the app for a
// request line with method and target, or reports false when net/http
// would refuse that line.
func fuzzRequest(method, target string) (*http.Request, bool) {
	if method == "" || method == http.MethodConnect || !validToken(method) {
		return nil, false
	}
	u, err := url.ParseRequestURI(target)
	if err != nil || !strings.HasPrefix(target, "/") {
		return nil, false
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Method, r.URL, r.RequestURI = method, u, target
	return r, true
}

// validToken reports whether s is an HTTP token (RFC 9110), as methods are.
func validToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// validHeaderValue reports whether net/http accepts v as a header value:
// no control characters but tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
