package hfauth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// greet is the reference's greet handler on net/http.
func greet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	info := Info(r)
	if info == nil {
		_ = json.NewEncoder(w).Encode(map[string]any{"msg": "Not logged in!"})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"msg": "Hello, " + info.UserInfo.PreferredUsername + "!"})
}

// runGreetWith serves a GET / with the request headers hdr (name, value,
// ...) on h once, checks the answer holds want, then measures it.
func runGreetWith(b *testing.B, h http.Handler, want string, hdr ...string) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), want) {
		b.Fatalf("warm-up answer %q; want %q", rec.Body, want)
	}
	serveLoop(b, h, req)
}

// serveLoop is the measured part of a benchmark: e serving req, again and
// again, into a sink.
func serveLoop(b *testing.B, e http.Handler, req *http.Request) {
	w := &sink{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		e.ServeHTTP(w, req)
	}
}

// sink is a ResponseWriter that keeps headers and drops the body, so the
// benchmarks measure the server side only.
type sink struct{ h http.Header }

func (s *sink) Header() http.Header         { return s.h }
func (s *sink) Write(p []byte) (int, error) { return len(p), nil }
func (s *sink) WriteHeader(int)             {}

// benchLogin runs the login route of a warm real-mode replica (discovery
// done) as a Space serves it, with the Cookie header cookie ("{login}"
// stands for the login cookies' name): the route alone, and behind Auth,
// whose own pass over the header any route pays.
func benchLogin(b *testing.B, cookie string) {
	prov := mock.NewServer(b, mock.Config{})
	cfg := realConfig(prov)
	cfg.SpaceHost = "bench.hf.space"
	cfg.Logger = discardLogger()
	for _, auth := range []bool{false, true} {
		o, err := New(cfg) // an OAuth registers its routes once
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(o.Close)
		name := "route"
		mux := http.NewServeMux()
		mountRoutes(mux, o)
		var e http.Handler = mux
		if auth {
			name = "with_auth"
			e = o.Middleware(mux)
		}
		b.Run(name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, LoginPath+"?_target_url=/page", nil)
			if cookie != "" {
				req.Header.Set("Cookie", strings.ReplaceAll(cookie, "{login}", o.logins.Name()))
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if n := len(rec.Header().Values("Set-Cookie")); rec.Code != http.StatusFound || n > maxLoginSetCookies {
				b.Fatalf("warm-up login = %d with %d Set-Cookie lines", rec.Code, n)
			}
			serveLoop(b, e, req)
		})
	}
}

// BenchmarkLogin is the start of a login on a warm replica: state, PKCE,
// the login cookie and the authorize URL.
func BenchmarkLogin(b *testing.B) { benchLogin(b, "") }

// BenchmarkLoginForgedCookies is the same login carrying 3,000 forged login
// cookies with values padded with spaces (just under 1 MiB of Cookie
// header). It should cost a small multiple of BenchmarkLogin.
func BenchmarkLoginForgedCookies(b *testing.B) {
	benchLogin(b, forgedLoginCookies("{login}", 3000, forgedHeaderSize))
}

// handlerTransport serves a client's requests with h in process: the
// provider with no network between, so the renewal benchmarks measure the
// work of both sides, not the loopback.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	if r.Body != nil {
		r.Body.Close()
	}
	return rec.Result(), nil
}

// renewApp returns a real-mode replica whose provider (the mock) answers
// through handlerTransport, both on clk, and the Cookie header of a fresh
// login. set changes the Config. Access tokens live ttl.
func renewApp(b *testing.B, clk *testClock, ttl time.Duration, set func(*Config)) (http.Handler, string) {
	b.Helper()
	const issuer = "http://hf.test"
	prov, err := mock.New(issuer, mock.Config{Now: clk.Now, AccessTokenTTL: ttl,
		Clients: []mock.Client{{ID: mock.TestClientID, Secret: mock.TestClientSecret, RedirectURIs: mock.LoopbackRedirectURIs()}}})
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: handlerTransport{prov}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	cfg := Config{Mode: ModeReal, ClientID: mock.TestClientID, ClientSecret: mock.TestClientSecret, Scopes: []string{"openid", "profile", "email"},
		ProviderURL: issuer, RedirectURL: "http://127.0.0.1:7860" + CallbackPath, SessionSecret: "bench-session-secret-0123456789abcdef",
		HTTPClient: client, Now: clk.Now, Logger: discardLogger()}
	set(&cfg)
	o, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(o.Close)
	mux := http.NewServeMux()
	mountRoutes(mux, o)
	mux.HandleFunc("GET /{$}", greet)
	e := o.Middleware(mux)
	// Login: login route, the provider's authorize, the callback.
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, LoginPath, nil))
	res, err := client.Get(rec.Header().Get("Location"))
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	req := httptest.NewRequest(http.MethodGet, res.Header.Get("Location"), nil)
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	cookie := sessionFrom(rec.Header(), o.sessions.Name())
	if cookie == "" {
		b.Fatalf("login set no session: %d %s", rec.Code, rec.Body)
	}
	return e, cookie
}

// sessionFrom is the Cookie header for the session cookie h sets, or "".
func sessionFrom(h http.Header, name string) string {
	for _, line := range h.Values("Set-Cookie") {
		if v, _, _ := strings.Cut(line, ";"); strings.HasPrefix(v, name+"=") && !strings.Contains(line, "Max-Age=0") {
			return v
		}
	}
	return ""
}

// benchRenew measures a request that renews its session, whose access
// tokens live ttl: each one comes step after the previous one's session
// was minted, carrying that session.
func benchRenew(b *testing.B, ttl, step time.Duration, set func(*Config)) {
	clk := stoppedClock()
	e, cookie := renewApp(b, clk, ttl, set)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	w := &sink{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clk.Advance(step)
		req.Header.Set("Cookie", cookie)
		clear(w.h)
		e.ServeHTTP(w, req)
		if cookie = sessionFrom(w.h, "hf_session"); cookie == "" {
			b.Fatal("the request did not renew its session")
		}
	}
}

// renewTTL is the lifetime of BenchmarkAuthRevalidate's access tokens:
// Hugging Face's longest, so that its session lasts.
const renewTTL = 30 * 24 * time.Hour

// BenchmarkAuthRefresh is a request in its session's refresh window: the
// refresh grant, the id_token check, userinfo and the new cookie, with the
// mock provider in process (its RS256 signing of the id_token included).
// Its 8-hour tokens refresh every 7.5 hours of the test's clock, under a
// SessionMaxAge long enough for any number of iterations.
func BenchmarkAuthRefresh(b *testing.B) {
	benchRenew(b, 8*time.Hour, 7*time.Hour+30*time.Minute, func(c *Config) { c.SessionMaxAge = 200 * 365 * 24 * time.Hour })
}

// BenchmarkAuthRevalidate is a request whose session's user data is
// RevalidateEvery old: userinfo and the new cookie.
func BenchmarkAuthRevalidate(b *testing.B) {
	benchRenew(b, renewTTL, time.Second, func(c *Config) { c.RefreshBefore, c.RevalidateEvery = -1, time.Second })
}
