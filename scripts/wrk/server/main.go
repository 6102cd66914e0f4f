// Command server serves the Python reference's greet handler twice on
// loopback, for wrk (scripts/wrk.sh; docs/performance.md):
//
//   - bare: Echo with no middleware and the user fixed in the handler, as
//     BenchmarkBareEcho;
//   - auth: Echo with echohf's Auth (e.Use) in mock mode, as
//     BenchmarkAuthMiddleware.
//
// Once both listen, it signs in to the auth app over HTTP, as a browser
// does in mock mode (the sign-in link, then the callback), checks that both
// apps greet the user, writes the session's Cookie header to the file
// -cookie (mode 0600: the session is valid until this process exits, its
// key being random per process) and prints one line per app, "bare URL"
// and "auth URL". It serves until SIGINT or SIGTERM. With -cpuprofile it
// writes a CPU profile of its whole run there (go tool pprof reads it).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
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

func run(ctx context.Context, cookieFile string, out io.Writer) error {
	o, err := echohf.New(echohf.Config{Mode: echohf.ModeMock, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer o.Close()
	bare := echo.New()
	bare.GET("/", bareGreet)
	auth := echo.New()
	o.Attach(auth)
	auth.Use(o.Auth())
	auth.GET("/", greet)

	var urls []string
	var servers []*http.Server
	for _, e := range []*echo.Echo{bare, auth} {
		e.HideBanner, e.HidePort = true, true
		ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				log.Fatal(err)
			}
		}()
		servers = append(servers, srv)
		urls = append(urls, "http://"+ln.Addr().String()+"/")
	}
	cookie, err := signIn(ctx, urls[1], o.MockLoginURL("/"))
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
	if _, err := fmt.Fprintf(out, "bare %s\nauth %s\n", urls[0], urls[1]); err != nil {
		return err
	}

	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range servers {
		_ = srv.Shutdown(shutdown)
	}
	return nil
}

// signIn follows the mock-mode sign-in link on the app at base with a
// cookie jar, and returns the Cookie header it then holds for base.
func signIn(ctx context.Context, base, link string) (string, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return "", err
	}
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	if _, err := get(ctx, c, strings.TrimSuffix(base, "/")+link, ""); err != nil {
		return "", fmt.Errorf("mock sign-in: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base, nil)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, ck := range jar.Cookies(req.URL) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	if len(parts) == 0 {
		return "", errors.New("mock sign-in set no cookie")
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
