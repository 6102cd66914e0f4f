package echohf

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/mock"
)

// clearEnv empties every variable FromEnv reads.
func clearEnv(t *testing.T) {
	for _, k := range []string{EnvSpaceID, EnvSpaceHost, EnvClientID, EnvClientSecret, EnvScopes, EnvProviderURL, EnvSessionSecret, EnvOldSessionSecrets, EnvHFToken, EnvHFEndpoint, EnvMode, EnvDisallowMock, EnvRedirectURL} {
		t.Setenv(k, "")
	}
}

func TestConfigMissingVariable(t *testing.T) {
	full := map[string]string{
		EnvSpaceID:      "user/space",
		EnvClientID:     "cid",
		EnvClientSecret: "csecret",
		EnvScopes:       "openid profile",
		EnvProviderURL:  "https://huggingface.co",
	}
	for _, missing := range []string{EnvClientID, EnvClientSecret, EnvScopes, EnvProviderURL} {
		t.Run(missing, func(t *testing.T) {
			clearEnv(t)
			for k, v := range full {
				if k != missing {
					t.Setenv(k, v)
				}
			}
			_, err := New(Config{}) // SPACE_ID selects real mode
			if err == nil {
				t.Fatalf("New without %s: no error", missing)
			}
			if !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "hf_oauth: true") {
				t.Errorf("error %q: want it to name %s and hf_oauth: true", err, missing)
			}
		})
	}
	t.Run("all set", func(t *testing.T) {
		clearEnv(t)
		for k, v := range full {
			t.Setenv(k, v)
		}
		o, err := New(Config{})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		defer o.Close()
		if o.Mode() != ModeReal {
			t.Errorf("mode = %v; want real", o.Mode())
		}
	})
}

func TestConfigFromEnv(t *testing.T) {
	clearEnv(t)
	t.Setenv(EnvSpaceID, "env/space")
	t.Setenv(EnvSpaceHost, " env-space.hf.space , custom.example.com,other.example")
	t.Setenv(EnvClientID, "env-id")
	t.Setenv(EnvClientSecret, "env-secret")
	t.Setenv(EnvScopes, "openid  profile email")
	t.Setenv(EnvProviderURL, "https://env.example")
	t.Setenv(EnvOldSessionSecrets, "old1, ,old2")

	got := Config{}.FromEnv()
	if got.SpaceHost != "env-space.hf.space" {
		t.Errorf("SpaceHost = %q; want the first entry env-space.hf.space", got.SpaceHost)
	}
	if got.ClientID != "env-id" || got.ClientSecret != "env-secret" || got.ProviderURL != "https://env.example" || got.SpaceID != "env/space" {
		t.Errorf("FromEnv = %+v", got)
	}
	if strings.Join(got.Scopes, ",") != "openid,profile,email" {
		t.Errorf("Scopes = %q", got.Scopes)
	}
	if strings.Join(got.OldSessionSecrets, ",") != "old1,old2" {
		t.Errorf("OldSessionSecrets = %q", got.OldSessionSecrets)
	}

	fields := Config{SpaceID: "f/space", SpaceHost: "field.hf.space", ClientID: "field-id", ClientSecret: "field-secret",
		Scopes: []string{"openid"}, ProviderURL: "https://field.example", OldSessionSecrets: []string{"f"}}.FromEnv()
	if fields.SpaceID != "f/space" || fields.SpaceHost != "field.hf.space" || fields.ClientID != "field-id" || fields.ClientSecret != "field-secret" ||
		strings.Join(fields.Scopes, " ") != "openid" || fields.ProviderURL != "https://field.example" || strings.Join(fields.OldSessionSecrets, ",") != "f" {
		t.Errorf("Config fields did not override the environment: %+v", fields)
	}

	r, err := Config{}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if !r.secure || r.mode != ModeReal {
		t.Errorf("resolve: secure %v mode %v; want secure real", r.secure, r.mode)
	}
	if got, _ := (&OAuth{cfg: r}).redirectURL(&http.Request{Host: "ignored.example"}); got != "https://env-space.hf.space"+CallbackPath {
		t.Errorf("redirect URL = %q; want https://env-space.hf.space%s", got, CallbackPath)
	}
	if strings.Join(r.secrets, ",") != "env-secret,old1,old2" {
		t.Errorf("secrets = %q; want the client secret then the old ones", r.secrets)
	}
}

func TestConfigErrors(t *testing.T) {
	clearEnv(t)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"DisallowMock", Config{DisallowMock: true}, "DisallowMock"},
		{"DisallowMock explicit", Config{Mode: ModeMock, DisallowMock: true}, "DisallowMock"},
		{"bad mode", Config{Mode: Mode(42)}, "Mode"},
		{"provider not http", Config{Mode: ModeReal, ClientID: "a", ClientSecret: "b", Scopes: []string{"openid"}, ProviderURL: "ftp://x"}, "ProviderURL"},
		{"relative redirect", Config{Mode: ModeMock, RedirectURL: "/cb"}, "RedirectURL"},
		{"space host with path", Config{Mode: ModeMock, SpaceHost: "evil.com/x"}, "SpaceHost"},
		{"bad org id", Config{Mode: ModeMock, OrgIDs: []string{"a b"}}, "OrgIDs"},
		{"empty old secret", Config{Mode: ModeMock, SessionSecret: "s", OldSessionSecrets: []string{""}}, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := New(tt.cfg)
			if err == nil {
				o.Close()
				t.Fatalf("New(%+v): no error", tt.cfg)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q: want it to mention %q", err, tt.want)
			}
		})
	}
	t.Run("DisallowMock with SPACE_ID", func(t *testing.T) {
		t.Setenv(EnvSpaceID, "a/b")
		t.Setenv(EnvClientID, "a")
		t.Setenv(EnvClientSecret, "b")
		t.Setenv(EnvScopes, "openid")
		t.Setenv(EnvProviderURL, "https://huggingface.co")
		o, err := New(Config{DisallowMock: true})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		o.Close()
	})
}

func TestRoutePrefix(t *testing.T) {
	prov := mock.NewServer(t, mock.Config{})
	for _, prefix := range []string{"/my/router/", "my/router", "/my/router", "my/router/"} {
		t.Run(prefix, func(t *testing.T) {
			cfg := realConfig(prov)
			cfg.Prefix = prefix
			a := newApp(t, cfg)
			b := newBrowser(t)
			if status, _ := b.get(t, a.URL+LoginPath+"?_target_url=/page"); status != http.StatusNotFound {
				t.Errorf("unprefixed login = %d; want 404", status)
			}
			status, body := b.get(t, a.URL+"/my/router"+LoginPath+"?_target_url=/page")
			if status != http.StatusOK || body != "page" {
				t.Fatalf("prefixed login = %d %q; logs:\n%s", status, body, a.logs)
			}
			var sawCallback bool
			for _, v := range b.visited {
				sawCallback = sawCallback || strings.HasPrefix(v, a.URL+"/my/router"+CallbackPath+"?")
			}
			if !sawCallback {
				t.Errorf("callback not under the prefix: %v", b.visited)
			}
			if w := b.whoami(t, a.URL); !w.LoggedIn {
				t.Fatal("not logged in")
			}
			b.get(t, a.URL+"/my/router"+LogoutPath)
			if w := b.whoami(t, a.URL); w.LoggedIn {
				t.Fatal("still logged in after prefixed logout")
			}
		})
	}
	for _, prefix := range []string{"", "/", "//"} {
		if got := normalizePrefix(prefix); got != "" {
			t.Errorf("normalizePrefix(%q) = %q; want empty", prefix, got)
		}
	}
}

func TestAttachGroup(t *testing.T) {
	prov := mock.NewServer(t, mock.Config{})
	cfg := realConfig(prov)
	cfg.Prefix = "auth"
	a := serveApp(t, cfg, serveOpts{routes: func(e *echo.Echo, o *OAuth) {
		g := e.Group("/api")
		o.AttachGroup(g)
		g.GET("/me", func(c echo.Context) error { return c.String(http.StatusOK, "me") }, RequireLogin())
	}})
	b := newBrowser(t)
	// The guard sends a navigation to the group's login route.
	f := fetch(t, plainClient(), a.URL+"/api/me", "Accept", "text/html")
	if f.StatusCode != http.StatusFound || !strings.HasPrefix(f.rawLocation(), "/api/auth"+LoginPath+"?") {
		t.Fatalf("guard = %d Location %q; want a redirect to /api/auth%s", f.StatusCode, f.rawLocation(), LoginPath)
	}
	status, body := b.get(t, a.URL+f.rawLocation())
	if status != http.StatusOK || body != "me" {
		t.Fatalf("login through the group = %d %q; logs:\n%s", status, body, a.logs)
	}
	if w := b.whoami(t, a.URL); !w.LoggedIn {
		t.Fatal("not logged in")
	}
	b.get(t, a.URL+"/api/auth"+LogoutPath)
	if w := b.whoami(t, a.URL); w.LoggedIn {
		t.Fatal("still logged in after logout")
	}
}

// loginSteps runs login → provider → callback with a non-following
// client, rewriting the callback to base, and returns the login and
// callback responses.
func loginSteps(t *testing.T, c *http.Client, base string) (login, callback fetched) {
	t.Helper()
	login = fetch(t, c, base+LoginPath+"?_target_url=/page")
	cb := fetch(t, c, login.location(t)).location(t)
	callback = fetch(t, c, cb)
	if callback.StatusCode != http.StatusFound {
		t.Fatalf("callback = %d %s", callback.StatusCode, callback.body)
	}
	return login, callback
}

func TestCookieAttributes(t *testing.T) {
	t.Run("Space over https", func(t *testing.T) {
		prov := mock.NewServer(t, mock.Config{})
		ln, addr := listen(t)
		base := "https://" + addr
		prov.AddClient(mock.Client{ID: mock.TestClientID, Secret: mock.TestClientSecret, RedirectURIs: append([]string{base + "/*"}, mock.LoopbackRedirectURIs...)})
		cfg := realConfig(prov)
		cfg.SpaceHost = "user-space.hf.space"
		cfg.RedirectURL = base + CallbackPath // the proxy's public URL stands in for the Space's
		a := serveApp(t, cfg, serveOpts{ln: ln, tls: true})
		c := a.Client()
		c.Jar = jarClient(t).Jar
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		login, callback := loginSteps(t, c, base)
		lc := ""
		for _, h := range login.Header.Values("Set-Cookie") {
			if strings.HasPrefix(h, "__Host-hf_login_") {
				lc = h
			}
		}
		sc := callback.setCookie("__Host-hf_session")
		if a.oauth.sessions.Name() != "__Host-hf_session" || sc == "" {
			t.Fatalf("session cookie name %q, Set-Cookie %q; want __Host-hf_session", a.oauth.sessions.Name(), callback.Header.Values("Set-Cookie"))
		}
		for name, h := range map[string]string{"login": lc, "session": sc} {
			for _, attr := range []string{"; Secure", "; HttpOnly", "; SameSite=None", "; Path=/"} {
				if !strings.Contains(h, attr) {
					t.Errorf("%s cookie %q lacks %q", name, h, attr)
				}
			}
			if strings.Contains(h, "Domain=") {
				t.Errorf("%s cookie %q has a Domain", name, h)
			}
		}
		if w := (&browser{Client: &http.Client{Jar: c.Jar, Transport: c.Transport}}).whoami(t, base); !w.LoggedIn {
			t.Error("not logged in over https")
		}
	})
	t.Run("plain http", func(t *testing.T) {
		prov := mock.NewServer(t, mock.Config{})
		a := newApp(t, realConfig(prov))
		login, callback := loginSteps(t, jarClient(t), a.URL)
		sc := callback.setCookie("hf_session")
		lc := ""
		for _, h := range login.Header.Values("Set-Cookie") {
			if strings.HasPrefix(h, "hf_login_") {
				lc = h
			}
		}
		for name, h := range map[string]string{"login": lc, "session": sc} {
			if h == "" {
				t.Fatalf("no %s cookie: %q / %q", name, login.Header.Values("Set-Cookie"), callback.Header.Values("Set-Cookie"))
			}
			if !strings.Contains(h, "; HttpOnly") || !strings.Contains(h, "; SameSite=Lax") || strings.Contains(h, "Secure") {
				t.Errorf("%s cookie %q; want HttpOnly, SameSite=Lax, not Secure", name, h)
			}
		}
	})
	t.Run("mock mode on localhost", func(t *testing.T) {
		a := newApp(t, Config{Mode: ModeMock})
		c := jarClient(t)
		cb := fetch(t, c, a.URL+LoginPath).location(t)
		h := fetch(t, c, cb).setCookie("hf_session")
		if !strings.Contains(h, "; HttpOnly") || !strings.Contains(h, "; SameSite=Lax") || strings.Contains(h, "Secure") {
			t.Errorf("mock session cookie %q; want HttpOnly, SameSite=Lax, not Secure", h)
		}
	})
}

func TestSecureCookieSelection(t *testing.T) {
	clearEnv(t)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"localhost", Config{Mode: ModeMock}, "hf_session"},
		{"Space host", Config{Mode: ModeMock, SpaceHost: "a.hf.space"}, "__Host-hf_session"},
		{"https redirect URL", Config{Mode: ModeMock, RedirectURL: "https://app.example/cb"}, "__Host-hf_session"},
		{"http redirect URL", Config{Mode: ModeMock, RedirectURL: "http://localhost:8080/cb"}, "hf_session"},
		{"InsecureCookie", Config{Mode: ModeMock, SpaceHost: "a.hf.space", InsecureCookie: true}, "hf_session"},
		{"custom name", Config{Mode: ModeMock, SpaceHost: "a.hf.space", CookieName: "sess"}, "__Host-sess"},
	}
	for _, tt := range tests {
		o, err := New(tt.cfg)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := o.sessions.Name(); got != tt.want {
			t.Errorf("%s: session cookie %q; want %q", tt.name, got, tt.want)
		}
		o.Close()
	}
}

// TestDiscoveryIssuerMismatch: a provider whose discovery names another
// issuer is not used: login answers 503.
func TestDiscoveryIssuerMismatch(t *testing.T) {
	p, err := mock.New("https://impostor.example", mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	a := newApp(t, realConfig(&mock.Server{URL: srv.URL}))
	f := fetch(t, jarClient(t), a.URL+LoginPath)
	if f.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("login with a mismatched issuer = %d %s; want 503", f.StatusCode, f.body)
	}
	if !strings.Contains(a.logs.String(), "issuer") {
		t.Errorf("log does not say why:\n%s", a.logs)
	}
}
