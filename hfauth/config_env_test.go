package hfauth

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// Only the tests in this file touch the environment: they are the tests of
// FromEnv, NewFromEnv and Default, the only readers of it. They use
// t.Setenv, so they never run in parallel.

// envNames are the variables FromEnv reads.
var envNames = []string{EnvSpaceID, EnvSpaceHost, EnvClientID, EnvClientSecret, EnvScopes, EnvProviderURL,
	EnvMode, EnvDisallowMock, EnvAcceptBearer, EnvRedirectURL, EnvSessionSecret, EnvOldSessionSecrets, EnvHFToken, EnvHFEndpoint,
	EnvRefreshBefore, EnvRevalidateEvery, EnvMockAllowRemote}

// setEnv gives every variable FromEnv reads its value in vars, and the
// others the empty value (the same as unset), so that the developer's shell
// does not change what FromEnv sees.
func setEnv(t *testing.T, vars map[string]string) {
	t.Helper()
	for k := range vars {
		if !slices.Contains(envNames, k) {
			t.Fatalf("setEnv: %s is not a variable FromEnv reads", k)
		}
	}
	for _, k := range envNames {
		t.Setenv(k, vars[k])
	}
}

// spaceEnv is the environment of a Space with `hf_oauth: true`.
func spaceEnv() map[string]string {
	return map[string]string{
		EnvSpaceID:      "user/space",
		EnvSpaceHost:    "user-space.hf.space",
		EnvClientID:     "cid",
		EnvClientSecret: "csecret-0123456789abcdef0123456789",
		EnvScopes:       "openid profile",
		EnvProviderURL:  "https://huggingface.co",
	}
}

// with returns a copy of env with kv ("NAME", "value", ...) set.
func with(env map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(env)+len(kv)/2)
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// wantConfigError fails unless err matches ErrConfig and names every want.
func wantConfigError(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one naming %q", want)
	}
	if !errors.Is(err, ErrConfig) {
		t.Errorf("error %q does not match ErrConfig", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %q", err, w)
		}
	}
}

// wantFromEnv checks FromEnv's error: none when want is nil, else one as
// wantConfigError says, listing problems problems when that is not 0.
func wantFromEnv(t *testing.T, err error, want []string, problems int) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("FromEnv: %v", err)
		}
		return
	}
	wantConfigError(t, err, want...)
	if n := strings.Count(err.Error(), "\n  - "); problems > 0 && n != problems {
		t.Errorf("error lists %d problems; want %d:\n%s", n, problems, err)
	}
}

func TestFromEnv(t *testing.T) {
	setEnv(t, map[string]string{
		EnvSpaceID:           " env/space ",
		EnvSpaceHost:         " env-space.hf.space , custom.example.com,other.example",
		EnvClientID:          "env-id",
		EnvClientSecret:      "env-secret",
		EnvScopes:            "openid  profile email",
		EnvProviderURL:       "https://env.example",
		EnvRedirectURL:       "http://127.0.0.1:8080/oauth/huggingface/callback",
		EnvOldSessionSecrets: "old1, ,old2",
		EnvHFToken:           "hf_env",
		EnvHFEndpoint:        "https://hub.example/",
	})
	got, err := Config{}.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	want := Config{SpaceID: "env/space", SpaceHost: "env-space.hf.space,custom.example.com,other.example", ClientID: "env-id", ClientSecret: "env-secret",
		ProviderURL: "https://env.example", RedirectURL: "http://127.0.0.1:8080/oauth/huggingface/callback",
		HFToken: "hf_env", HFEndpoint: "https://hub.example/"}
	if got.SpaceID != want.SpaceID || got.SpaceHost != want.SpaceHost || got.ClientID != want.ClientID || got.ClientSecret != want.ClientSecret ||
		got.ProviderURL != want.ProviderURL || got.RedirectURL != want.RedirectURL || got.HFToken != want.HFToken || got.HFEndpoint != want.HFEndpoint {
		t.Errorf("FromEnv = %+v; want %+v", got, want)
	}
	if strings.Join(got.Scopes, ",") != "openid,profile,email" {
		t.Errorf("Scopes = %q", got.Scopes)
	}
	if strings.Join(got.OldSessionSecrets, ",") != "old1,old2" {
		t.Errorf("OldSessionSecrets = %q", got.OldSessionSecrets)
	}

	fields := Config{SpaceID: "f/space", SpaceHost: "field.hf.space", ClientID: "field-id", ClientSecret: "field-secret",
		Scopes: []string{"openid"}, ProviderURL: "https://field.example", RedirectURL: "https://field.example/cb",
		OldSessionSecrets: []string{"f"}, HFToken: "hf_field", HFEndpoint: "https://field-hub.example"}
	if got, err := fields.FromEnv(); err != nil || got.SpaceID != fields.SpaceID || got.SpaceHost != fields.SpaceHost ||
		got.ClientID != fields.ClientID || got.ClientSecret != fields.ClientSecret || strings.Join(got.Scopes, " ") != "openid" ||
		got.ProviderURL != fields.ProviderURL || got.RedirectURL != fields.RedirectURL || strings.Join(got.OldSessionSecrets, ",") != "f" ||
		got.HFToken != fields.HFToken || got.HFEndpoint != fields.HFEndpoint {
		t.Errorf("Config fields did not win over the environment: %+v, %v", got, err)
	}

	o, err := NewFromEnv(Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if !o.cfg.secure || o.cfg.mode != ModeReal {
		t.Errorf("NewFromEnv: secure %v mode %v; want secure real", o.cfg.secure, o.cfg.mode)
	}
	if strings.Join(o.cfg.secrets, ",") != "env-secret,old1,old2" {
		t.Errorf("secrets = %q; want the client secret then the old ones", o.cfg.secrets)
	}
	if got, _ := o.redirectURL(&http.Request{Host: "ignored.example"}); got != want.RedirectURL {
		t.Errorf("redirect URL = %q; want the environment's %s", got, want.RedirectURL)
	}
}

// TestFromEnvValues checks that FromEnv reads each accepted spelling and
// refuses any other value, naming the variable and the accepted values, all
// problems in one error.
func TestFromEnvValues(t *testing.T) {
	tests := []struct {
		name         string
		env          map[string]string
		cfg          Config
		mode         Mode
		disallow     bool
		wantErr      []string
		wantProblems int
	}{
		{name: "nothing set", mode: ModeAuto},
		{name: "real", env: map[string]string{EnvMode: "real"}, mode: ModeReal},
		{name: "mock in capitals with spaces", env: map[string]string{EnvMode: " MOCK "}, mode: ModeMock},
		{name: "Real", env: map[string]string{EnvMode: "Real"}, mode: ModeReal},
		{name: "unknown mode", env: map[string]string{EnvMode: "garbage"}, wantErr: []string{EnvMode, `"garbage"`, modeValues}},
		{name: "auto is not a mode value", env: map[string]string{EnvMode: "auto"}, wantErr: []string{EnvMode, modeValues}},
		{name: "Config.Mode wins, the variable is not read", env: map[string]string{EnvMode: "garbage"}, cfg: Config{Mode: ModeMock}, mode: ModeMock},
		{name: "disallow 1", env: map[string]string{EnvDisallowMock: "1"}, disallow: true},
		{name: "disallow true", env: map[string]string{EnvDisallowMock: "true"}, disallow: true},
		{name: "disallow YES", env: map[string]string{EnvDisallowMock: "YES"}, disallow: true},
		{name: "disallow on", env: map[string]string{EnvDisallowMock: "on"}, disallow: true},
		{name: "disallow 0", env: map[string]string{EnvDisallowMock: "0"}},
		{name: "disallow False", env: map[string]string{EnvDisallowMock: "False"}},
		{name: "disallow no", env: map[string]string{EnvDisallowMock: "no"}},
		{name: "disallow OFF", env: map[string]string{EnvDisallowMock: "OFF"}},
		{name: "disallow maybe fails closed", env: map[string]string{EnvDisallowMock: "maybe"}, disallow: true,
			wantErr: []string{EnvDisallowMock, `"maybe"`, boolValues}},
		{name: "disallow 2", env: map[string]string{EnvDisallowMock: "2"}, disallow: true, wantErr: []string{EnvDisallowMock, boolValues}},
		{name: "Config.DisallowMock wins", env: map[string]string{EnvDisallowMock: "maybe"}, cfg: Config{DisallowMock: true}, disallow: true},
		{name: "short session secret", env: map[string]string{EnvSessionSecret: "abc"}, wantErr: []string{EnvSessionSecret, "3 bytes", "32 bytes"}},
		{name: "provider not a URL", env: map[string]string{EnvProviderURL: "junk"}, wantErr: []string{EnvProviderURL}},
		{name: "redirect not absolute", env: map[string]string{EnvRedirectURL: "/cb"}, wantErr: []string{EnvRedirectURL}},
		{name: "hub not a URL", env: map[string]string{EnvHFEndpoint: "hub.example"}, wantErr: []string{EnvHFEndpoint}},
		{name: "space host with a path", env: map[string]string{EnvSpaceHost: "evil.com/x"}, wantErr: []string{EnvSpaceHost}},
		{name: "every problem at once", env: map[string]string{EnvMode: "garbage", EnvDisallowMock: "maybe", EnvSessionSecret: "abc",
			EnvProviderURL: "junk", EnvHFEndpoint: "ftp://hub"}, disallow: true,
			wantErr:      []string{"(5 problems)", EnvMode, EnvDisallowMock, EnvSessionSecret, EnvProviderURL, EnvHFEndpoint},
			wantProblems: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			got, err := tt.cfg.FromEnv()
			wantFromEnv(t, err, tt.wantErr, tt.wantProblems)
			if err != nil && strings.Contains(err.Error(), `"abc"`) {
				t.Errorf("error %q echoes the session secret", err)
			}
			if got.Mode != tt.mode || got.DisallowMock != tt.disallow {
				t.Errorf("Mode %v DisallowMock %v; want %v %v", got.Mode, got.DisallowMock, tt.mode, tt.disallow)
			}
		})
	}
}

// TestNewFromEnv checks the environment's settings as New resolves them:
// one error names every missing or bad setting.
func TestNewFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		cfg     Config
		want    Mode
		wantErr []string
	}{
		{name: "nothing set is mock mode", want: ModeMock},
		{name: "a Space", env: spaceEnv(), want: ModeReal},
		{name: "SPACE_ID alone names every OAuth variable", env: map[string]string{EnvSpaceID: "a/b"},
			wantErr: []string{EnvClientID, EnvClientSecret, EnvScopes, EnvProviderURL, "hf_oauth: true"}},
		{name: "ECHOHF_MODE=real alone", env: map[string]string{EnvMode: "real"},
			wantErr: []string{EnvClientID, EnvClientSecret, EnvScopes, EnvProviderURL}},
		{name: "one variable missing", env: with(spaceEnv(), EnvScopes, ""), wantErr: []string{"Scopes (" + EnvScopes + ")"}},
		{name: "scopes without openid", env: with(spaceEnv(), EnvScopes, "profile"), wantErr: []string{EnvScopes, "openid"}},
		{name: "ECHOHF_DISALLOW_MOCK=on refuses mock mode", env: map[string]string{EnvDisallowMock: "on"}, wantErr: []string{EnvDisallowMock}},
		{name: "ECHOHF_DISALLOW_MOCK=true refuses ECHOHF_MODE=mock", env: map[string]string{EnvDisallowMock: "true", EnvMode: "mock"},
			wantErr: []string{EnvMode, EnvDisallowMock}},
		{name: "ECHOHF_DISALLOW_MOCK=off allows it", env: map[string]string{EnvDisallowMock: "off"}, want: ModeMock},
		{name: "ECHOHF_DISALLOW_MOCK=on in a Space", env: with(spaceEnv(), EnvDisallowMock, "on"), want: ModeReal},
		{name: "Config.Mode wins over ECHOHF_MODE", env: map[string]string{EnvMode: "real"}, cfg: Config{Mode: ModeMock}, want: ModeMock},
		{name: "bad mode and missing variables together", env: map[string]string{EnvMode: "garbage", EnvSpaceID: "a/b", EnvSessionSecret: "short"},
			wantErr: []string{"(3 problems)", EnvMode, EnvSessionSecret, EnvClientID, EnvProviderURL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			tt.cfg.Logger = slog.New(slog.DiscardHandler)
			o, err := NewFromEnv(tt.cfg)
			if tt.wantErr != nil {
				if err == nil {
					o.Close()
				}
				wantConfigError(t, err, tt.wantErr...)
				if n := strings.Count(err.Error(), "hf_oauth"); n > 1 {
					t.Errorf("the hf_oauth hint is given %d times:\n%s", n, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			if o.Mode() != tt.want {
				t.Errorf("mode = %v; want %v", o.Mode(), tt.want)
			}
		})
	}
}

// TestNewIgnoresEnvironment: New uses its Config as given, whatever the
// environment holds, valid or not.
func TestNewIgnoresEnvironment(t *testing.T) {
	env := with(spaceEnv(), EnvMode, "garbage", EnvDisallowMock, "maybe", EnvSessionSecret, "abc",
		EnvOldSessionSecrets, "old", EnvRedirectURL, "/cb", EnvHFToken, "hf_junk", EnvHFEndpoint, "junk",
		EnvRefreshBefore, "junk", EnvRevalidateEvery, "1s")
	setEnv(t, env)
	o, err := New(Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("New read the environment: %v", err)
	}
	defer o.Close()
	r := o.cfg
	if r.mode != ModeMock || !r.randomKey || r.secure || r.SpaceID != "" || r.ClientID != "" || r.RedirectURL != "" ||
		r.HFToken != "" || r.HFEndpoint != "https://huggingface.co" || r.DisallowMock || len(r.OldSessionSecrets) != 0 ||
		r.RefreshBefore != time.Hour || r.RevalidateEvery != 10*time.Minute {
		t.Errorf("New(Config{}) took settings from the environment: %+v", r)
	}
}

// resetDefault lets a test build the default OAuth afresh, and drops the
// one it built when it ends.
func resetDefault(t *testing.T) {
	t.Helper()
	reset := func() {
		if defaultOAuth != nil {
			defaultOAuth.Close()
		}
		defaultOnce, defaultOAuth, defaultErr = sync.Once{}, nil, nil
	}
	reset()
	t.Cleanup(reset)
}

// TestDefault runs the three-line setup (Attach, Auth) configured from the
// environment: mock mode with none, one error for a bad one, given by
// Default and as the panic of Attach and Auth.
func TestDefault(t *testing.T) {
	t.Run("no environment", func(t *testing.T) {
		setEnv(t, nil)
		resetDefault(t)
		o, err := Default()
		mux := http.NewServeMux()
		if err == nil {
			mux.Handle("/oauth/huggingface/", o.Handler())
		}
		mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
			if info := Info(r); info != nil {
				text(w, http.StatusOK, "Hello, "+info.UserInfo.PreferredUsername+"!")
				return
			}
			text(w, http.StatusOK, "Not logged in!")
		})
		srv := httptest.NewServer(o.Middleware(mux))
		defer srv.Close()
		if err != nil || o.Mode() != ModeMock {
			t.Fatalf("Default() = %v, %v; want the mock-mode instance", o, err)
		}
		b := newBrowser(t)
		for _, step := range []struct{ path, want string }{
			{"/page", "Not logged in!"},
			{o.MockLoginURL("/page"), "Hello, " + mock.DefaultUser().PreferredUsername + "!"},
			{LogoutPath + "?_target_url=/page", "Not logged in!"},
		} {
			if status, body := b.get(t, srv.URL+step.path); status != http.StatusOK || body != step.want {
				t.Errorf("GET %s = %d %q; want 200 %q", step.path, status, body, step.want)
			}
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("a second Handler of the default OAuth did not panic")
				}
			}()
			o.Handler()
		}()
	})
	t.Run("bad environment", func(t *testing.T) {
		setEnv(t, map[string]string{EnvMode: "garbage", EnvSessionSecret: "abc"})
		resetDefault(t)
		_, err := Default()
		wantConfigError(t, err, EnvMode, EnvSessionSecret)
		if _, again := Default(); !errors.Is(again, err) {
			t.Errorf("second Default error %v; want the first, %v", again, err)
		}
		for name, f := range map[string]func(){"Attach": func() { mustDefault().Handler() }, "Auth": func() { mustDefault().Middleware(okHandler) }} {
			func() {
				defer func() {
					if p, _ := recover().(error); !errors.Is(p, err) {
						t.Errorf("%s panicked with %v; want the Default error", name, p)
					}
				}()
				f()
			}()
		}
	})
}

// TestFromEnvAcceptBearer: ECHOHF_ACCEPT_BEARER is a boolean like the
// others; an unreadable value is an error naming it and leaves bearer
// tokens off, and a Config that turns them on wins.
func TestFromEnvAcceptBearer(t *testing.T) {
	tests := []struct {
		value   string
		cfg     Config
		want    bool
		wantErr bool
	}{
		{"", Config{}, false, false},
		{"1", Config{}, true, false},
		{" Yes ", Config{}, true, false},
		{"on", Config{}, true, false},
		{"FALSE", Config{}, false, false},
		{"0", Config{AcceptBearer: true}, true, false},
		{"maybe", Config{}, false, true},
		{"maybe", Config{AcceptBearer: true}, true, false},
	}
	for _, tt := range tests {
		setEnv(t, map[string]string{EnvAcceptBearer: tt.value})
		got, err := tt.cfg.FromEnv()
		if tt.wantErr {
			wantConfigError(t, err, EnvAcceptBearer, `"maybe"`, boolValues)
		} else if err != nil {
			t.Errorf("%s=%q: %v", EnvAcceptBearer, tt.value, err)
		}
		if got.AcceptBearer != tt.want {
			t.Errorf("%s=%q with %+v: AcceptBearer = %v; want %v", EnvAcceptBearer, tt.value, tt.cfg.AcceptBearer, got.AcceptBearer, tt.want)
		}
	}
}

// TestFromEnvMockAllowRemote: ECHOHF_MOCK_ALLOW_REMOTE is a boolean like
// the others; an unreadable value is an error naming it and leaves the
// switch off, and a Config that turns it on wins. NewFromEnv gives it to
// the instance, which then says so at startup.
func TestFromEnvMockAllowRemote(t *testing.T) {
	tests := []struct {
		value   string
		cfg     Config
		want    bool
		wantErr bool
	}{
		{"", Config{}, false, false},
		{"1", Config{}, true, false},
		{" TRUE ", Config{}, true, false},
		{"on", Config{}, true, false},
		{"no", Config{}, false, false},
		{"0", Config{InsecureMockAllowRemote: true}, true, false},
		{"sometimes", Config{}, false, true},
		{"sometimes", Config{InsecureMockAllowRemote: true}, true, false},
	}
	for _, tt := range tests {
		setEnv(t, map[string]string{EnvMockAllowRemote: tt.value})
		got, err := tt.cfg.FromEnv()
		if tt.wantErr {
			wantConfigError(t, err, EnvMockAllowRemote, `"sometimes"`, boolValues)
		} else if err != nil {
			t.Errorf("%s=%q: %v", EnvMockAllowRemote, tt.value, err)
		}
		if got.InsecureMockAllowRemote != tt.want {
			t.Errorf("%s=%q with %+v: InsecureMockAllowRemote = %v; want %v", EnvMockAllowRemote, tt.value, tt.cfg.InsecureMockAllowRemote, got.InsecureMockAllowRemote, tt.want)
		}
	}

	setEnv(t, map[string]string{EnvMockAllowRemote: "yes"})
	logs := &syncBuffer{}
	o, err := NewFromEnv(Config{Mode: ModeMock, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if !o.cfg.InsecureMockAllowRemote || !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), EnvMockAllowRemote) {
		t.Errorf("NewFromEnv with %s=yes: switch %v, logs:\n%s\nwant the switch on and a WARN line naming it", EnvMockAllowRemote, o.cfg.InsecureMockAllowRemote, logs)
	}
	setEnv(t, map[string]string{EnvMockAllowRemote: "sometimes"})
	if _, err := NewFromEnv(Config{Mode: ModeMock}); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), EnvMockAllowRemote) {
		t.Errorf("NewFromEnv with %s=sometimes: %v; want an ErrConfig naming it", EnvMockAllowRemote, err)
	}
}

// TestFromEnvDurations: ECHOHF_REFRESH_BEFORE and ECHOHF_REVALIDATE_EVERY
// are Go durations, at least a second, or negative to turn the feature off.
// Anything else is an error naming the variable, its value and the accepted
// form, and leaves the field unset; a Config field that is set wins, and the
// variable is then not read. NewFromEnv gives the values to the instance.
func TestFromEnvDurations(t *testing.T) {
	tests := []struct {
		name          string
		env           map[string]string
		cfg           Config
		before, every time.Duration
		wantErr       []string
		wantProblems  int
	}{
		{name: "nothing set"},
		{name: "seconds and minutes", env: map[string]string{EnvRefreshBefore: "90s", EnvRevalidateEvery: " 10m "},
			before: 90 * time.Second, every: 10 * time.Minute},
		{name: "compound", env: map[string]string{EnvRefreshBefore: "1h30m", EnvRevalidateEvery: "2.5s"},
			before: 90 * time.Minute, every: 2500 * time.Millisecond},
		{name: "negative turns off", env: map[string]string{EnvRefreshBefore: "-1s", EnvRevalidateEvery: "-1h"},
			before: -time.Second, every: -time.Hour},
		{name: "not a duration", env: map[string]string{EnvRevalidateEvery: "often"},
			wantErr: []string{EnvRevalidateEvery, `"often"`, durationValues}},
		{name: "no unit", env: map[string]string{EnvRefreshBefore: "3600"},
			wantErr: []string{EnvRefreshBefore, `"3600"`, durationValues}},
		{name: "zero", env: map[string]string{EnvRevalidateEvery: "0s"},
			wantErr: []string{EnvRevalidateEvery, `"0s"`, durationValues}},
		{name: "under a second", env: map[string]string{EnvRefreshBefore: "500ms"}, before: 500 * time.Millisecond,
			wantErr: []string{"RefreshBefore (" + EnvRefreshBefore + ") 500ms is under a second"}},
		{name: "Config fields win, the variables are not read", env: map[string]string{EnvRefreshBefore: "junk", EnvRevalidateEvery: "junk"},
			cfg: Config{RefreshBefore: -1, RevalidateEvery: time.Minute}, before: -1, every: time.Minute},
		{name: "both bad at once", env: map[string]string{EnvRefreshBefore: "soon", EnvRevalidateEvery: "1 minute"},
			wantErr: []string{"(2 problems)", EnvRefreshBefore, EnvRevalidateEvery}, wantProblems: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			got, err := tt.cfg.FromEnv()
			wantFromEnv(t, err, tt.wantErr, tt.wantProblems)
			if got.RefreshBefore != tt.before || got.RevalidateEvery != tt.every {
				t.Errorf("RefreshBefore %v, RevalidateEvery %v; want %v, %v", got.RefreshBefore, got.RevalidateEvery, tt.before, tt.every)
			}
		})
	}

	t.Run("NewFromEnv", func(t *testing.T) {
		setEnv(t, with(spaceEnv(), EnvRefreshBefore, "2s", EnvRevalidateEvery, "3s"))
		o, err := NewFromEnv(Config{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		if o.cfg.RefreshBefore != 2*time.Second || o.cfg.RevalidateEvery != 3*time.Second {
			t.Errorf("NewFromEnv resolved RefreshBefore %v, RevalidateEvery %v; want 2s, 3s", o.cfg.RefreshBefore, o.cfg.RevalidateEvery)
		}
	})
}
