package echohf

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// greet is the reference's handler: the benchmarks run it with and without
// the session middleware.
func greet(c echo.Context) error {
	info := Info(c)
	if info == nil {
		return c.JSON(http.StatusOK, echo.Map{"msg": "Not logged in!"})
	}
	return c.JSON(http.StatusOK, echo.Map{"msg": "Hello, " + info.UserInfo.PreferredUsername + "!"})
}

// sessionCookie logs in through o's mock mode and returns the Cookie header
// a browser would send afterwards.
func sessionCookie(tb testing.TB, o *OAuth) string {
	tb.Helper()
	e := echo.New()
	o.Attach(e)
	var keyCookies []*http.Cookie
	get := func(u string) []*http.Cookie {
		req := httptest.NewRequest(http.MethodGet, u, nil)
		req.RemoteAddr, req.Host = "127.0.0.1:1234", "localhost"
		for _, c := range keyCookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusFound {
			tb.Fatalf("mock %s = %d %s", u, rec.Code, rec.Body)
		}
		return rec.Result().Cookies()
	}
	keyCookies = get(o.MockLoginURL("")) // the mock key's cookie
	var parts []string
	for _, c := range get(CallbackPath) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	if len(parts) == 0 {
		tb.Fatal("mock callback set no cookie")
	}
	return strings.Join(parts, "; ")
}

// benchApp returns a warm replica: an Echo app with Auth and greet, and
// the Cookie header of a valid 3-org session.
func benchApp(b *testing.B, cfg Config) (*echo.Echo, string) {
	b.Helper()
	o, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(o.Close)
	cookie := sessionCookie(b, o)
	e := echo.New()
	e.Use(o.Auth())
	e.GET("/", greet)
	return e, cookie
}

func runGreet(b *testing.B, e *echo.Echo, cookie, want string) {
	var hdr []string
	if cookie != "" {
		hdr = []string{"Cookie", cookie}
	}
	runGreetWith(b, e, want, hdr...)
}

// runGreetWith is runGreet with the request headers hdr (name, value, ...).
func runGreetWith(b *testing.B, e *echo.Echo, want string, hdr ...string) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), want) {
		b.Fatalf("warm-up answer %q; want %q", rec.Body, want)
	}
	serveLoop(b, e, req)
}

// serveLoop is the measured part of a benchmark: e serving req, again and
// again, into a sink.
func serveLoop(b *testing.B, e *echo.Echo, req *http.Request) {
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

// BenchmarkAuthMiddleware is a GET through Echo with Auth and a valid
// session cookie, on a warm replica (the session already seen once).
func BenchmarkAuthMiddleware(b *testing.B) {
	e, cookie := benchApp(b, Config{Mode: ModeMock, Logger: discardLogger()})
	runGreet(b, e, cookie, "Hello, mockuser!")
}

// BenchmarkAuthMiddlewareCold is the same with the session cache off, so
// every request verifies the signature and decodes the claims.
func BenchmarkAuthMiddlewareCold(b *testing.B) {
	e, cookie := benchApp(b, Config{Mode: ModeMock, SessionCacheSize: -1, Logger: discardLogger()})
	runGreet(b, e, cookie, "Hello, mockuser!")
}

// BenchmarkAuthMiddlewareColdSpace is BenchmarkAuthMiddlewareCold for the
// session of a Space's usual user, the one scripts/wrk.sh sends: three
// organizations, avatars on the Hub's CDN (which the wire form packs as
// bytes), a 1.2 KB Cookie header instead of the mock user's 2.5 KB.
func BenchmarkAuthMiddlewareColdSpace(b *testing.B) {
	o, err := New(Config{Mode: ModeMock, SessionCacheSize: -1, Logger: discardLogger()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(o.Close)
	rec := httptest.NewRecorder()
	if err := o.SaveSession(rec, nil, spaceInfo()); err != nil {
		b.Fatal(err)
	}
	var parts []string
	for _, ck := range rec.Result().Cookies() {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	e := echo.New()
	e.Use(o.Auth())
	e.GET("/", greet)
	runGreet(b, e, strings.Join(parts, "; "), "Hello, spaceuser!")
}

// spaceInfo is a Space's usual user: three organizations, avatars on the
// Hub's CDN.
func spaceInfo() *OAuthInfo {
	cdn := "https://cdn-avatars.huggingface.co/v1/production/uploads/"
	org := func(sub, handle, name, role, pic string) OAuthOrgInfo {
		return OAuthOrgInfo{Sub: sub, Name: name, PreferredUsername: handle, Picture: cdn + pic, RoleInOrg: &role}
	}
	return &OAuthInfo{
		AccessToken:          "hf_oauth_" + strings.Repeat("Xq7", 11) + "a",
		AccessTokenExpiresAt: time.Now().Add(8 * time.Hour),
		Scope:                "openid profile",
		UserInfo: OAuthUserInfo{
			Sub: "64f1c0ffee6b1d2a3c4e5f60", Name: "Space User", PreferredUsername: "spaceuser",
			Picture: cdn + "1690212345678-64f1c0ffee6b1d2a3c4e5f60.jpeg", Profile: "https://huggingface.co/spaceuser",
			Orgs: []OAuthOrgInfo{
				org("5e67bdd61009063689407479", "acme-research", "ACME Research", "admin", "1583857146757-5e67bdd61009063689407479.png"),
				org("60a3f2b1c4d5e6f708192a3b", "open-models", "Open Models", "write", "1621345678901-60a3f2b1c4d5e6f708192a3b.png"),
				org("6123abcdef0123456789abcd", "reading-club", "Reading Club", "read", "1629876543210-6123abcdef0123456789abcd.jpeg"),
			},
		},
	}
}

// BenchmarkBareEcho is the baseline: the same route and handler with no
// middleware, the user fixed in the context.
func BenchmarkBareEcho(b *testing.B) {
	info := &OAuthInfo{UserInfo: OAuthUserInfo{PreferredUsername: "mockuser"}}
	e := echo.New()
	e.GET("/", func(c echo.Context) error {
		c.Set(infoKey, info)
		return greet(c)
	})
	runGreet(b, e, "", "Hello, mockuser!")
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
