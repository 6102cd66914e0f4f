package hfauth

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// TestConfigMissingSettings: real mode names every missing setting, by
// field and variable, in one error with the hf_oauth hint once.
func TestConfigMissingSettings(t *testing.T) {
	t.Parallel()
	full := Config{Mode: ModeReal, ClientID: "cid", ClientSecret: "csecret", Scopes: []string{"openid", "profile"}, ProviderURL: "https://huggingface.co"}
	all := []string{"ClientID (" + EnvClientID + ")", "ClientSecret (" + EnvClientSecret + ")", "Scopes (" + EnvScopes + ")", "ProviderURL (" + EnvProviderURL + ")"}
	tests := []struct {
		name  string
		unset func(c *Config)
		want  []string
	}{
		{"ClientID", func(c *Config) { c.ClientID = "" }, all[:1]},
		{"ClientSecret", func(c *Config) { c.ClientSecret = "" }, all[1:2]},
		{"Scopes", func(c *Config) { c.Scopes = nil }, all[2:3]},
		{"ProviderURL", func(c *Config) { c.ProviderURL = "" }, all[3:]},
		{"all four", func(c *Config) { *c = Config{Mode: ModeReal} }, all},
		{"all four, real because of SpaceID", func(c *Config) { *c = Config{SpaceID: "a/b"} }, all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := full
			tt.unset(&cfg)
			o, err := New(cfg)
			if err == nil {
				o.Close()
				t.Fatalf("New(%+v): no error", cfg)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("error %q does not match ErrConfig", err)
			}
			msg := err.Error()
			for _, name := range all {
				if got, want := strings.Contains(msg, name), slices.Contains(tt.want, name); got != want {
					t.Errorf("error %q names %s: %v; want %v", msg, name, got, want)
				}
			}
			if n := strings.Count(msg, "hf_oauth: true"); n != 1 {
				t.Errorf("error %q gives the hf_oauth: true hint %d times; want once", msg, n)
			}
			if strings.Contains(msg, "problems") {
				t.Errorf("error %q lists several problems; want the missing settings in one", msg)
			}
		})
	}
	o, err := New(full)
	if err != nil {
		t.Fatalf("New with every setting: %v", err)
	}
	defer o.Close()
	if o.Mode() != ModeReal {
		t.Errorf("mode = %v; want real", o.Mode())
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("s", 32)
	realCfg := Config{Mode: ModeReal, ClientID: "a", ClientSecret: "b", Scopes: []string{"openid"}, ProviderURL: "https://huggingface.co"}
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"DisallowMock", Config{DisallowMock: true}, []string{"DisallowMock (" + EnvDisallowMock + ")", "SpaceID (" + EnvSpaceID + ") is not set"}},
		{"DisallowMock explicit", Config{Mode: ModeMock, DisallowMock: true}, []string{"Mode (" + EnvMode + ") is mock", "DisallowMock"}},
		{"bad mode", Config{Mode: Mode(42)}, []string{"Mode 42"}},
		{"provider not http", func() Config { c := realCfg; c.ProviderURL = "ftp://x"; return c }(), []string{"ProviderURL (" + EnvProviderURL + ")"}},
		{"scopes without openid", func() Config { c := realCfg; c.Scopes = []string{"profile"}; return c }(), []string{"Scopes (" + EnvScopes + ")", "openid"}},
		{"relative redirect", Config{Mode: ModeMock, RedirectURL: "/cb"}, []string{"RedirectURL (" + EnvRedirectURL + ")"}},
		{"hub not http", Config{Mode: ModeMock, HFEndpoint: "hub.example"}, []string{"HFEndpoint (" + EnvHFEndpoint + ")"}},
		{"space host with path", Config{Mode: ModeMock, SpaceHost: "evil.com/x"}, []string{"SpaceHost (" + EnvSpaceHost + ")"}},
		{"space host with a bad port", Config{Mode: ModeMock, SpaceHost: "x.hf.space:port"}, []string{"SpaceHost (" + EnvSpaceHost + ")", `"x.hf.space:port"`}},
		{"space host with a backslash", Config{Mode: ModeMock, SpaceHost: `x.hf.space\evil`}, []string{"SpaceHost (" + EnvSpaceHost + ")"}},
		{"space host with a scheme", Config{Mode: ModeMock, SpaceHost: "https:"}, []string{"SpaceHost (" + EnvSpaceHost + ")"}},
		{"bad org id", Config{Mode: ModeMock, OrgIDs: []string{"a b"}}, []string{"OrgIDs"}},
		{"short session secret", Config{Mode: ModeMock, SessionSecret: "short-secret"}, []string{"SessionSecret (" + EnvSessionSecret + ")", "12 bytes", "at least 32 bytes"}},
		{"31-byte session secret", Config{Mode: ModeMock, SessionSecret: secret[:31]}, []string{"SessionSecret", "31 bytes"}},
		{"empty old secret", Config{Mode: ModeMock, SessionSecret: secret, OldSessionSecrets: []string{""}}, []string{"OldSessionSecrets (" + EnvOldSessionSecrets + ")", "empty"}},
		{"bad cookie name", Config{Mode: ModeMock, CookieName: "a b"}, []string{"CookieName", `"a b"`}},
		{"non-ASCII cookie name", Config{Mode: ModeMock, CookieName: "s\xe9ssion"}, []string{"CookieName"}},
		{"cookie name with __Host-", Config{Mode: ModeMock, CookieName: "__host-s"}, []string{"CookieName", "__Host-"}},
		{"cookie name with __Secure- on http", Config{Mode: ModeMock, CookieName: "__Secure-s"}, []string{"CookieName", "__Secure-", "Secure"}},
		{"long cookie name", Config{Mode: ModeMock, CookieName: strings.Repeat("n", 3000)}, []string{"CookieName", "3000 bytes"}},
		{"sub-second SessionMaxAge", Config{Mode: ModeMock, SessionMaxAge: 500 * time.Millisecond}, []string{"SessionMaxAge", "500ms", "one second"}},
		{"prefix with a route parameter", Config{Mode: ModeMock, Prefix: "/a:b"}, []string{"Prefix", `"/a:b"`}},
		{"prefix with a wildcard", Config{Mode: ModeMock, Prefix: "/x/*"}, []string{"Prefix"}},
		{"prefix with a space", Config{Mode: ModeMock, Prefix: "/sp ace"}, []string{"Prefix"}},
		{"prefix with a query", Config{Mode: ModeMock, Prefix: "/q?x"}, []string{"Prefix"}},
		{"prefix with a fragment", Config{Mode: ModeMock, Prefix: "/q#x"}, []string{"Prefix"}},
		{"prefix with a percent", Config{Mode: ModeMock, Prefix: "/a%2Fb"}, []string{"Prefix"}},
		{"prefix with a dot segment", Config{Mode: ModeMock, Prefix: "/a/../b"}, []string{"Prefix", `".."`}},
		{"every problem at once", Config{Mode: ModeReal, DisallowMock: true, SessionSecret: "short-secret", RedirectURL: "/cb", OrgIDs: []string{"?"},
			CookieName: "my session", SessionMaxAge: time.Millisecond, Prefix: "/:x"},
			[]string{"(7 problems)", EnvClientID, EnvProviderURL, EnvSessionSecret, EnvRedirectURL, "OrgIDs", "CookieName", "SessionMaxAge", "Prefix"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := New(tt.cfg)
			if err == nil {
				o.Close()
				t.Fatalf("New(%+v): no error", tt.cfg)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("error %q does not match ErrConfig", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q: want it to mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "short-secret") {
				t.Errorf("error %q echoes the session secret", err)
			}
		})
	}
	t.Run("DisallowMock in real mode", func(t *testing.T) {
		t.Parallel()
		for _, cfg := range []Config{{SpaceID: "a/b"}, {Mode: ModeReal}} {
			cfg.ClientID, cfg.ClientSecret, cfg.Scopes, cfg.ProviderURL = realCfg.ClientID, realCfg.ClientSecret, realCfg.Scopes, realCfg.ProviderURL
			cfg.DisallowMock = true
			o, err := New(cfg)
			if err != nil {
				t.Fatalf("New(%+v): %v", cfg, err)
			}
			o.Close()
		}
	})
	t.Run("prefix of unreserved characters", func(t *testing.T) {
		t.Parallel()
		o, err := New(Config{Mode: ModeMock, Prefix: "/a-b_c.d~e/F9/", Logger: discardLogger()})
		if err != nil {
			t.Fatal(err)
		}
		o.Close()
	})
	t.Run("32-byte session secret", func(t *testing.T) {
		t.Parallel()
		o, err := New(Config{Mode: ModeMock, SessionSecret: secret, OldSessionSecrets: []string{"old"}})
		if err != nil {
			t.Fatal(err)
		}
		o.Close()
	})
}

func TestRoutePrefix(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
	t.Run("Space over https", func(t *testing.T) {
		prov := mock.NewServer(t, mock.Config{})
		ln, addr := listen(t)
		base := "https://" + addr
		prov.AddClient(mock.Client{ID: mock.TestClientID, Secret: mock.TestClientSecret, RedirectURIs: append([]string{base + "/*"}, mock.LoopbackRedirectURIs()...)})
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
		login := fetch(t, c, a.URL+a.oauth.MockLoginURL("")).location(t)
		cb := fetch(t, c, login).location(t)
		h := fetch(t, c, cb).setCookie("hf_session")
		if !strings.Contains(h, "; HttpOnly") || !strings.Contains(h, "; SameSite=Lax") || strings.Contains(h, "Secure") {
			t.Errorf("mock session cookie %q; want HttpOnly, SameSite=Lax, not Secure", h)
		}
	})
}

func TestSecureCookieSelection(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

// TestStartupWarnings: settings that work but should not be deployed are
// logged once by New, without the secrets.
func TestStartupWarnings(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	long := strings.Repeat("c", 32)
	space := realConfig(prov)
	space.SpaceHost = "user-space.hf.space"
	tests := []struct {
		name   string
		cfg    func(c *Config)
		want   []string // each logged exactly once
		absent []string
	}{
		{"a Space", func(*Config) {}, nil, []string{"level=WARN"}},
		{"short client secret as session secret", func(c *Config) { c.SessionSecret, c.ClientSecret = "", "short-client-secret" },
			[]string{EnvClientSecret + "), which is shorter than 32 bytes; set " + EnvSessionSecret}, nil},
		{"long client secret as session secret", func(c *Config) { c.SessionSecret, c.ClientSecret = "", long },
			nil, []string{"level=WARN"}},
		{"short old secret", func(c *Config) { c.OldSessionSecrets = []string{long, "old-client-secret"} },
			[]string{"1 of OldSessionSecrets (" + EnvOldSessionSecrets + ") are shorter than 32 bytes"}, nil},
		{"no host and no redirect URL", func(c *Config) { c.SpaceHost = "" },
			[]string{"callback URL is built from each request's Host header"}, nil},
		{"redirect URL without a host", func(c *Config) { c.SpaceHost, c.RedirectURL = "", "http://127.0.0.1:1"+CallbackPath },
			nil, []string{"level=WARN"}},
		{"redirect URL to another path", func(c *Config) { c.RedirectURL = "https://app.example/oauth/huggingface/calback" },
			[]string{"RedirectURL (" + EnvRedirectURL + ") path /oauth/huggingface/calback does not end with " + CallbackPath}, nil},
		{"redirect URL without the prefix", func(c *Config) { c.Prefix, c.RedirectURL = "app", "https://app.example"+CallbackPath },
			[]string{"does not end with /app" + CallbackPath}, nil},
		{"redirect URL under a proxy's path and the prefix", func(c *Config) { c.Prefix, c.RedirectURL = "/app/", "https://app.example/x/app"+CallbackPath },
			nil, []string{"level=WARN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			cfg := space
			cfg.OldSessionSecrets = nil
			tt.cfg(&cfg)
			cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			o, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			o.Close()
			out := logs.String()
			for _, w := range tt.want {
				if n := strings.Count(out, w); n != 1 {
					t.Errorf("%q logged %d times; want once:\n%s", w, n, out)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(out, a) {
					t.Errorf("logs have %q:\n%s", a, out)
				}
			}
			for _, secret := range append([]string{cfg.ClientSecret, cfg.SessionSecret}, cfg.OldSessionSecrets...) {
				if secret != "" && strings.Contains(out, secret) {
					t.Errorf("a secret is in the logs:\n%s", out)
				}
			}
		})
	}
}
