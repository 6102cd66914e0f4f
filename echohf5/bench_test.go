package echohf5

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"
)

// greet is the reference's handler: the benchmarks run it with and without
// the session middleware.
func greet(c *echo.Context) error {
	info := Info(c)
	if info == nil {
		return c.JSON(http.StatusOK, map[string]any{"msg": "Not logged in!"})
	}
	return c.JSON(http.StatusOK, map[string]any{"msg": "Hello, " + info.UserInfo.PreferredUsername + "!"})
}

// sessionCookie signs in through o's mock mode and returns the Cookie header
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

// runGreet serves GET / with the Cookie header cookie once, checks the
// answer holds want, then measures e serving it again and again.
func runGreet(b *testing.B, e *echo.Echo, cookie, want string) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), want) {
		b.Fatalf("warm-up answer %q; want %q", rec.Body, want)
	}
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

// BenchmarkAuthMiddleware is a GET through Echo v5 with Auth and a valid
// session cookie, on a warm replica (the session already seen once).
func BenchmarkAuthMiddleware(b *testing.B) {
	o, err := New(Config{Mode: ModeMock, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(o.Close)
	cookie := sessionCookie(b, o)
	e := echo.New()
	e.Use(o.Auth())
	e.GET("/", greet)
	runGreet(b, e, cookie, "Hello, mockuser!")
}

// BenchmarkAuthMiddlewareCold is BenchmarkAuthMiddleware with the session
// cache off, so every request verifies the signature and decodes the claims.
func BenchmarkAuthMiddlewareCold(b *testing.B) {
	o, err := New(Config{Mode: ModeMock, SessionCacheSize: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(o.Close)
	cookie := sessionCookie(b, o)
	e := echo.New()
	e.Use(o.Auth())
	e.GET("/", greet)
	runGreet(b, e, cookie, "Hello, mockuser!")
}

// BenchmarkBareEcho is the baseline: the same route and handler on Echo v5
// with no middleware, the user fixed in the context.
func BenchmarkBareEcho(b *testing.B) {
	info := &OAuthInfo{UserInfo: OAuthUserInfo{PreferredUsername: "mockuser"}}
	e := echo.New()
	e.GET("/", func(c *echo.Context) error {
		c.Set(infoKey, info)
		return greet(c)
	})
	runGreet(b, e, "", "Hello, mockuser!")
}
