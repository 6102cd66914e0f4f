package echohf5

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/echohf/echohf/hfauth"
	"github.com/echohf/echohf/mock"
)

// linkRoutes registers the OAuth routes and GET /links, which answers
// LoginURL, LoginURLWithOptions, LogoutURL and HubEndpoint on one line each.
func linkRoutes(e *echo.Echo, o *OAuth) {
	o.Attach(e)
	e.GET("/links", func(c *echo.Context) error {
		return c.String(http.StatusOK, strings.Join([]string{
			LoginURL(c, "/x?y=1", "0123456789abcdef01234567"),
			LoginURLWithOptions(c, "/m", LoginOptions{Consent: true}),
			LogoutURL(c, "/bye"),
			HubEndpoint(c),
		}, "\n"))
	})
}

// TestSignIn signs a browser in through real HTTP, in mock mode (through
// the printed link) and in real mode (through the mock provider), then
// checks Info, the links and logout.
func TestSignIn(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	tests := []struct {
		name string
		cfg  Config
	}{
		{"mock mode", Config{Mode: ModeMock}},
		{"real mode", realConfig(prov)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, tt.cfg, linkRoutes)
			b := newBrowser(t)
			if w := b.whoami(t, a.URL); w.LoggedIn {
				t.Fatalf("a fresh browser is logged in: %+v", w)
			}
			if tt.cfg.Mode == ModeMock {
				// Without the printed link, mock login refuses.
				f := fetch(t, b.Client, a.URL+LoginPath)
				if f.StatusCode != http.StatusForbidden || !strings.Contains(f.body, "printed") {
					t.Errorf("mock login without the printed link = %d %s; want 403 pointing to it", f.StatusCode, f.body)
				}
				if link := a.oauth.MockLoginURL(""); !strings.HasPrefix(link, LoginPath+"?mock_key=") {
					t.Errorf("MockLoginURL = %q; want %s?mock_key=...", link, LoginPath)
				}
				if !strings.Contains(a.logs.String(), "MOCK MODE") {
					t.Errorf("Attach did not log the sign-in link; logs:\n%s", a.logs)
				}
			}
			w := b.mustLogin(t, a)
			if got := w.Info.UserInfo.PreferredUsername; got != "mockuser" {
				t.Errorf("Info's user = %q; want mockuser", got)
			}
			if w.Token == "" || w.Info.FromBearer() {
				t.Errorf("Info: token %v, from bearer %v; want a token, from the cookie", w.Token != "", w.Info.FromBearer())
			}
			if tt.cfg.Mode == ModeReal && !b.via(prov.URL+mock.PathAuthorize) {
				t.Errorf("real-mode login did not go through the provider: %v", b.visited)
			}

			f := fetch(t, b.Client, a.URL+"/links")
			lines := strings.Split(f.body, "\n")
			want := []string{
				"/oauth/huggingface/login?_target_url=%2Fx%3Fy%3D1&orgIds=0123456789abcdef01234567",
				"/oauth/huggingface/login?_target_url=%2Fm&prompt=consent",
				"/oauth/huggingface/logout?_target_url=%2Fbye",
				a.oauth.HubEndpoint(),
			}
			if !reflect.DeepEqual(lines, want) {
				t.Errorf("links = %q; want %q", lines, want)
			}

			f = fetch(t, b.noRedirect(), a.URL+LogoutPath+"?_target_url=/page")
			if f.StatusCode != http.StatusFound || f.Header.Get("Location") != "/page" {
				t.Errorf("logout = %d to %q; want 302 to /page", f.StatusCode, f.Header.Get("Location"))
			}
			if w := b.whoami(t, a.URL); w.LoggedIn {
				t.Errorf("logged in after logout")
			}
			if tt.cfg.Mode == ModeReal && prov.Requests(mock.EndpointRevoke) == 0 {
				t.Errorf("real-mode logout revoked nothing at the provider")
			}
		})
	}
}

// TestAttachGroup: the routes on a group, under a Config.Prefix inside it;
// the links, the guards' redirects and the mock link carry the full path; a
// guard on the whole group lets the OAuth's own routes through; and an
// OAuth registers its routes once.
func TestAttachGroup(t *testing.T) {
	t.Parallel()
	const base = "/app/auth"
	a := newApp(t, Config{Mode: ModeMock, Prefix: "auth/"}, func(e *echo.Echo, o *OAuth) {
		g := e.Group("/app", RequireLogin()) // a guard on the whole group, the OAuth's routes included
		o.AttachGroup(g)
		g.GET("/private", func(c *echo.Context) error { return c.String(http.StatusOK, LoginURL(c, "/p")) })
	})
	if link := a.oauth.MockLoginURL(""); !strings.HasPrefix(link, base+LoginPath+"?mock_key=") {
		t.Errorf("MockLoginURL = %q; want it under %s", link, base)
	}
	b := newBrowser(t)
	f := fetch(t, b.noRedirect(), a.URL+"/app/private?q=1", "Accept", "text/html")
	if want := base + LoginPath + "?_target_url=%2Fapp%2Fprivate%3Fq%3D1"; f.StatusCode != http.StatusFound || f.Header.Get("Location") != want {
		t.Errorf("logged-out navigation to the guarded page = %d to %q; want 302 to %q", f.StatusCode, f.Header.Get("Location"), want)
	}
	if f := fetch(t, b.Client, a.URL+a.oauth.MockLoginURL("/app/private")); f.StatusCode != http.StatusOK || f.body != base+LoginPath+"?_target_url=%2Fp" {
		t.Errorf("sign-in through the group's link = %d %q; want 200 and the group's LoginURL", f.StatusCode, f.body)
	}
	if f := fetch(t, b.Client, a.URL+LoginPath); f.StatusCode != http.StatusNotFound {
		t.Errorf("GET %s outside the group = %d; want 404", LoginPath, f.StatusCode)
	}
	for name, again := range map[string]func(){
		"Attach":      func() { a.oauth.Attach(echo.New()) },
		"AttachGroup": func() { a.oauth.AttachGroup(echo.New().Group("/other")) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("a second %s did not panic", name)
				}
			}()
			again()
		}()
	}
}

// TestSkipper: a request Config.Skipper skips is logged out for Info even
// with a session, and a guard refuses it with ErrNoAuth rather than send it
// round a login loop; other requests are seen as usual.
func TestSkipper(t *testing.T) {
	t.Parallel()
	cfg := Config{Mode: ModeMock, Skipper: func(c *echo.Context) bool { return strings.HasPrefix(c.Path(), "/public") }}
	a := newApp(t, cfg, func(e *echo.Echo, o *OAuth) {
		o.Attach(e)
		e.GET("/public/whoami", whoamiHandler)
		e.GET("/public/guarded", func(c *echo.Context) error { return c.String(http.StatusOK, "ok") }, RequireLogin())
		e.GET("/public/links", func(c *echo.Context) error { return c.String(http.StatusOK, LogoutURL(c, "/")) })
	})
	b := newBrowser(t)
	b.mustLogin(t, a)
	if w := decodeWhoami(t, fetch(t, b.Client, a.URL+"/public/whoami")); w.LoggedIn {
		t.Errorf("a skipped request is logged in")
	}
	f := fetch(t, b.Client, a.URL+"/public/guarded", "Accept", "text/html")
	if f.StatusCode != http.StatusInternalServerError || f.Header.Get(errHeader) != "no-auth" {
		t.Errorf("guard on a skipped request = %d %q %s; want 500 no-auth", f.StatusCode, f.Header.Get(errHeader), f.body)
	}
	if f := fetch(t, b.Client, a.URL+"/public/links"); f.body != LogoutPath+"?_target_url=%2F" {
		t.Errorf("LogoutURL on a skipped request = %q", f.body)
	}
	if !strings.Contains(a.logs.String(), "Skipper skipped") {
		t.Errorf("the guard did not log the skipped request; logs:\n%s", a.logs)
	}
}

// TestBearer: with AcceptBearer, a Hugging Face token in the Authorization
// header logs the request in as its owner (asked of the mock Hub); a token
// the Hub refuses leaves it logged out, and a guard answers 401 with a
// Bearer challenge rather than a redirect.
func TestBearer(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	const good, bad = "hf_GoodTokenForEchoV5abcdefghij", "hf_UnknownTokenForEchoV5abcdefg" //nolint:gosec // G101: made-up test tokens
	prov.AddToken(good, "mockuser")
	cfg := realConfig(prov)
	cfg.AcceptBearer = true
	a := newApp(t, cfg, func(e *echo.Echo, o *OAuth) {
		o.Attach(e)
		e.GET("/guarded", func(c *echo.Context) error { return c.String(http.StatusOK, "ok") }, RequireLogin())
	})
	c := &http.Client{Transport: ownTransport(t), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	w := decodeWhoami(t, fetch(t, c, a.URL+"/whoami", "Authorization", "Bearer "+good))
	if !w.LoggedIn || w.Info.UserInfo.PreferredUsername != "mockuser" || w.Token != good {
		t.Errorf("whoami with a good token = %+v; want mockuser with the token", w)
	}
	if f := fetch(t, c, a.URL+"/guarded", "Authorization", "Bearer "+good); f.StatusCode != http.StatusOK {
		t.Errorf("guarded with a good token = %d %s", f.StatusCode, f.body)
	}
	if w := decodeWhoami(t, fetch(t, c, a.URL+"/whoami", "Authorization", "Bearer "+bad)); w.LoggedIn {
		t.Errorf("whoami with a refused token is logged in")
	}
	f := fetch(t, c, a.URL+"/guarded", "Authorization", "Bearer "+bad, "Accept", "text/html")
	if f.StatusCode != http.StatusUnauthorized || !strings.Contains(f.Header.Get("WWW-Authenticate"), `error="invalid_token"`) || f.Header.Get(errHeader) != "login-required" {
		t.Errorf("guarded with a refused token = %d, WWW-Authenticate %q, errors %q; want 401, invalid_token, login-required",
			f.StatusCode, f.Header.Get("WWW-Authenticate"), f.Header.Get(errHeader))
	}
	if strings.Contains(a.logs.String(), good) || strings.Contains(a.logs.String(), bad) {
		t.Errorf("a bearer token is in the logs:\n%s", a.logs)
	}
}

// TestRefresh: a request in the session's refresh window (the provider's
// access tokens live 10 minutes, the clock is moved by hand) refreshes the
// token with the refresh token, and the browser gets the re-minted cookie.
func TestRefresh(t *testing.T) {
	t.Parallel()
	clk := newClock()
	prov := mock.NewServer(t, mock.Config{Now: clk.Now, AccessTokenTTL: 10 * time.Minute})
	cfg := realConfig(prov)
	cfg.Now, cfg.RefreshBefore, cfg.RevalidateEvery = clk.Now, 2*time.Minute, -1
	a := newApp(t, cfg, nil)
	b := newBrowser(t)
	first := b.mustLogin(t, a)

	clk.Advance(7 * time.Minute) // before the window: the session as it is
	if w := b.whoami(t, a.URL); !w.LoggedIn || w.Token != first.Token || prov.Grants(mock.GrantRefreshToken).Issued != 0 {
		t.Fatalf("before the window: logged in %v, same token %v, refreshes %+v; want the session as it is",
			w.LoggedIn, w.Token == first.Token, prov.Grants(mock.GrantRefreshToken))
	}
	clk.Advance(2 * time.Minute) // in the window
	w := b.whoami(t, a.URL)
	if !w.LoggedIn || w.Token == first.Token || prov.Grants(mock.GrantRefreshToken).Issued != 1 {
		t.Fatalf("in the window: logged in %v, new token %v, refreshes %+v; want one refresh; logs:\n%s",
			w.LoggedIn, w.Token != first.Token, prov.Grants(mock.GrantRefreshToken), a.logs)
	}
	clk.Advance(5 * time.Minute) // past the first token's end: the new cookie carries on
	if again := b.whoami(t, a.URL); !again.LoggedIn || again.Token != w.Token {
		t.Errorf("after the first token's end: logged in %v, same token %v; want the refreshed session", again.LoggedIn, again.Token == w.Token)
	}
	clk.Advance(time.Hour) // past the refreshed token's end, with no request in its window
	if again := b.whoami(t, a.URL); again.LoggedIn && again.Token == w.Token {
		t.Errorf("an hour past its token's end the session is still served as it was")
	}
}

// TestConfigFields: Config lists hfauth.Config's fields, with the same
// types, except Skipper, Echo v5's; so core copies every setting.
func TestConfigFields(t *testing.T) {
	t.Parallel()
	mine, core := reflect.TypeFor[Config](), reflect.TypeFor[hfauth.Config]()
	if mine.NumField() != core.NumField() {
		t.Errorf("Config has %d fields, hfauth.Config %d", mine.NumField(), core.NumField())
	}
	for i := range core.NumField() {
		cf := core.Field(i)
		mf, ok := mine.FieldByName(cf.Name)
		switch {
		case !ok:
			t.Errorf("Config lacks hfauth.Config.%s", cf.Name)
		case cf.Name == "Skipper":
			if mf.Type != reflect.TypeFor[func(*echo.Context) bool]() && mf.Type.String() != "middleware.Skipper" {
				t.Errorf("Config.Skipper is %v; want Echo v5's middleware.Skipper", mf.Type)
			}
		case mf.Type != cf.Type:
			t.Errorf("Config.%s is %v; hfauth.Config's is %v", cf.Name, mf.Type, cf.Type)
		}
	}
	// A round trip through core and FromEnv keeps every field but Skipper.
	in := Config{Prefix: "/p", SessionSecret: "0123456789abcdef0123456789abcdef", Scopes: []string{"openid"}, Timeout: time.Second, AcceptBearer: true}
	if got := in.core(); got.Prefix != "/p" || got.SessionSecret != in.SessionSecret || !reflect.DeepEqual(got.Scopes, in.Scopes) || got.Timeout != time.Second || !got.AcceptBearer {
		t.Errorf("core() = %+v; want the fields of %+v", got, in)
	}
}
