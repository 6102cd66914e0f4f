// Command server serves the Python reference's greet handler five times
// on loopback, for wrk (scripts/wrk.sh; docs/performance.md):
//
//   - bare: Echo v4 with no middleware and the user fixed in the handler,
//     as echohf's BenchmarkBareEcho;
//   - auth: Echo v4 with echohf's Auth (e.Use) in mock mode, as
//     echohf's BenchmarkAuthMiddleware;
//   - bare5 and auth5: the same on Echo v5 with echohf5 (see echo5.go);
//   - authcold: auth with the verified-session cache off
//     (SessionCacheSize -1), as BenchmarkAuthMiddlewareCold: every request
//     verifies and decodes the cookie, as on first sight.
//
// Once all listen, it signs a Space-like user in (three organizations,
// avatars on the Hub's CDN: see spaceSession); both adapters share a
// session secret, random per process, so the one Cookie header signs in
// on auth and auth5. It checks that every app greets the user, writes the
// Cookie header to the file -cookie (mode 0600: the session is valid
// until this process exits) and prints one line per app, "name URL". It
// serves until SIGINT or SIGTERM. With -cpuprofile it writes a CPU profile
// of its whole run there (go tool pprof reads it).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/echohf"
)

// greetUser is the reference's answer for a signed-in user.
const greetUser = "Hello, mockuser!"

func main() {
	cookieFile := flag.String("cookie", "", "file to write the session's Cookie header to (required)")
	profile := flag.String("cpuprofile", "", "file to write a CPU profile of the whole run to")
	flag.Parse()
	if *cookieFile == "" {
		log.Fatal("-cookie is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := profiled(*profile, func() error { return run(ctx, *cookieFile, os.Stdout) })
	stop()
	if err != nil {
		log.Fatal(err)
	}
}

// profiled runs f, under the CPU profiler writing to file unless file is "".
func profiled(file string, f func() error) (err error) {
	if file == "" {
		return f()
	}
	out, err := os.Create(file) //nolint:gosec // G304: the path is the operator's own -cpuprofile flag
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	if err := pprof.StartCPUProfile(out); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	return f()
}

// greet is the reference's handler: the user Auth put in the context.
func greet(c echo.Context) error {
	info := echohf.Info(c)
	if info == nil {
		return c.JSON(http.StatusOK, echo.Map{"msg": "Not logged in!"})
	}
	return c.JSON(http.StatusOK, echo.Map{"msg": "Hello, " + info.UserInfo.PreferredUsername + "!"})
}

// fixedUser is the user of the bare app.
var fixedUser = &echohf.OAuthInfo{UserInfo: echohf.OAuthUserInfo{PreferredUsername: "mockuser"}}

// bareGreet is greet with the user fixed: no middleware, no cookie. Like
// BenchmarkBareEcho, it still puts the user in the context and reads it
// back, the work Auth and Info share with any handler.
func bareGreet(c echo.Context) error {
	c.Set("user", fixedUser)
	info, _ := c.Get("user").(*echohf.OAuthInfo)
	return c.JSON(http.StatusOK, echo.Map{"msg": "Hello, " + info.UserInfo.PreferredUsername + "!"})
}

// app is one of the served apps: its name on the output and its handler.
type app struct {
	name string
	h    http.Handler
}

func run(ctx context.Context, cookieFile string, out io.Writer) error {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	secret := hex.EncodeToString(key) // the session secret of both adapters
	o, err := echohf.New(echohf.Config{Mode: echohf.ModeMock, SessionSecret: secret, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer o.Close()
	oc, err := echohf.New(echohf.Config{Mode: echohf.ModeMock, SessionSecret: secret, SessionCacheSize: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer oc.Close()
	authCold := echo.New()
	oc.Attach(authCold)
	authCold.Use(oc.Auth())
	authCold.GET("/", greet)
	bare := echo.New()
	bare.GET("/", bareGreet)
	auth := echo.New()
	o.Attach(auth)
	auth.Use(o.Auth())
	auth.GET("/", greet)
	bare5, auth5, close5, err := echo5Apps(secret)
	if err != nil {
		return err
	}
	defer close5()
	apps := []app{{"bare", bare}, {"auth", auth}, {"bare5", bare5}, {"auth5", auth5}, {"authcold", authCold}}

	var urls []string
	var servers []*http.Server
	for _, a := range apps {
		ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: a.h, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				log.Fatal(err)
			}
		}()
		servers = append(servers, srv)
		urls = append(urls, "http://"+ln.Addr().String()+"/")
	}
	cookie, err := spaceSession(o)
	if err != nil {
		return err
	}
	for _, u := range urls {
		if err := wantGreeting(ctx, u, cookie); err != nil {
			return err
		}
	}
	if err := os.WriteFile(cookieFile, []byte(cookie), 0o600); err != nil {
		return err
	}
	for i, a := range apps {
		if _, err := fmt.Fprintf(out, "%s %s\n", a.name, urls[i]); err != nil {
			return err
		}
	}

	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range servers {
		_ = srv.Shutdown(shutdown)
	}
	return nil
}

// spaceSession signs in, on o, the session a Space's user typically has,
// and returns its Cookie header: a Hugging Face access token, and three
// organizations with avatars on the Hub's CDN (a mock-mode login would
// carry the mock user's inline SVG avatars, which make the cookie larger
// than a Space's). The session lasts 8 hours, as on a Space.
func spaceSession(o *echohf.OAuth) (string, error) {
	str := func(s string) *string { return &s }
	cdn := "https://cdn-avatars.huggingface.co/v1/production/uploads/"
	org := func(sub, handle, name, role, pic string) echohf.OAuthOrgInfo {
		return echohf.OAuthOrgInfo{Sub: sub, Name: name, PreferredUsername: handle, Picture: cdn + pic, RoleInOrg: str(role)}
	}
	info := &echohf.OAuthInfo{
		AccessToken:          "hf_oauth_" + strings.Repeat("Xq7", 11) + "a",
		AccessTokenExpiresAt: time.Now().Add(8 * time.Hour),
		Scope:                "openid profile",
		UserInfo: echohf.OAuthUserInfo{
			Sub: "64f1c0ffee6b1d2a3c4e5f60", Name: "Mock User", PreferredUsername: "mockuser",
			Picture: cdn + "1690212345678-64f1c0ffee6b1d2a3c4e5f60.jpeg", Profile: "https://huggingface.co/mockuser",
			Orgs: []echohf.OAuthOrgInfo{
				org("5e67bdd61009063689407479", "acme-research", "ACME Research", "admin", "1583857146757-5e67bdd61009063689407479.png"),
				org("60a3f2b1c4d5e6f708192a3b", "open-models", "Open Models", "write", "1621345678901-60a3f2b1c4d5e6f708192a3b.png"),
				org("6123abcdef0123456789abcd", "reading-club", "Reading Club", "read", "1629876543210-6123abcdef0123456789abcd.jpeg"),
			},
		},
	}
	rec := httptest.NewRecorder()
	if err := o.SaveSession(rec, nil, info); err != nil {
		return "", err
	}
	var parts []string
	for _, ck := range rec.Result().Cookies() {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	if len(parts) == 0 {
		return "", errors.New("SaveSession set no cookie")
	}
	return strings.Join(parts, "; "), nil
}

// wantGreeting checks that u greets the mock user when sent cookie.
func wantGreeting(ctx context.Context, u, cookie string) error {
	body, err := get(ctx, &http.Client{Timeout: 10 * time.Second}, u, cookie)
	if err != nil {
		return err
	}
	if !strings.Contains(body, greetUser) {
		return fmt.Errorf("GET %s answered %q; want %q", u, body, greetUser)
	}
	return nil
}

// get fetches u with c, sending cookie when not empty, and returns the
// body of a 200 answer.
func get(ctx context.Context, c *http.Client, u, cookie string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return "", err
	}
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: status %d", req.URL.Path, res.StatusCode)
	}
	return string(b), nil
}
