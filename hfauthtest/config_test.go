package hfauthtest_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/echohf5"
	"github.com/echohf/echohf/hfauth"
	"github.com/echohf/echohf/hfauthtest"
)

// TestNewWith checks that build gets the Config as New completes it, that
// the Kit mints through the instance build returns, and that a failing
// build fails the test.
func TestNewWith(t *testing.T) {
	t.Parallel()
	var got hfauth.Config
	var built *hfauth.OAuth
	kit := hfauthtest.NewWith(t, hfauth.Config{Scopes: []string{"openid"}}, func(cfg hfauth.Config) (*hfauth.OAuth, error) {
		got = cfg
		o, err := hfauth.New(cfg)
		built = o
		return o, err
	})
	if len(got.SessionSecret) < 32 || got.RevalidateEvery != -1 || got.Logger == nil {
		t.Errorf("build got secret of %d bytes, RevalidateEvery %v, Logger %v; want New's completed Config", len(got.SessionSecret), got.RevalidateEvery, got.Logger)
	}
	if kit.OAuth() != built || got.SessionSecret != kit.Config().SessionSecret {
		t.Errorf("the Kit's OAuth is not the one build returned, or its Config is not the one build got")
	}
	got.Scopes[0] = "changed" // build's copy is its own
	if kit.Config().Scopes[0] != "openid" {
		t.Errorf("build changing its Config changed the Kit's: %v", kit.Config().Scopes)
	}
	if !accepts(t, built, kit.Cookies(hfauthtest.User("alice"))) {
		t.Error("the instance build returned refuses the Kit's session")
	}

	for _, tt := range []struct {
		name  string
		build func(hfauth.Config) (*hfauth.OAuth, error)
		want  string
	}{
		{"error", func(hfauth.Config) (*hfauth.OAuth, error) { return nil, errors.New("the app's constructor failed") }, "the app's constructor failed"},
		{"no OAuth", func(hfauth.Config) (*hfauth.OAuth, error) { return nil, nil }, "no OAuth"},
	} {
		msg := fatal(t, func(tb hfauthtest.TB) { hfauthtest.NewWith(tb, hfauth.Config{}, tt.build) })
		if !strings.Contains(msg, tt.want) {
			t.Errorf("NewWith with a build that returns %s: fatal %q; want %q", tt.name, msg, tt.want)
		}
	}
}

// TestConfigAs checks that ConfigAs gives every setting of the Kit's
// Config to an adapter's Config, and refuses a type that cannot hold them.
func TestConfigAs(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return time.Unix(1_800_000_000, 0) }
	kit := hfauthtest.New(t, hfauth.Config{
		Mode: hfauth.ModeMock, Prefix: "/app", SpaceHost: "app.hf.space", Scopes: []string{"openid", "profile"},
		OrgIDs: []string{"0123456789abcdef01234567"}, OldSessionSecrets: []string{"an-old-secret-0123456789abcdefghijkl"},
		CookieName: "sess", AcceptBearer: true, HFEndpoint: "http://127.0.0.1:1", Logger: quiet, Now: now,
	})
	want := kit.Config()
	check := func(t *testing.T, got reflect.Value) {
		t.Helper()
		w := reflect.ValueOf(want)
		for i := range w.NumField() {
			name := w.Type().Field(i).Name
			g, f := got.FieldByName(name), w.Field(i)
			switch {
			case name == "Skipper":
				if !g.IsNil() {
					t.Errorf("Skipper is set; want it left to the test")
				}
			case f.Kind() == reflect.Func || f.Kind() == reflect.Pointer:
				if g.Pointer() != f.Pointer() {
					t.Errorf("%s differs", name)
				}
			case !reflect.DeepEqual(g.Interface(), f.Interface()):
				t.Errorf("%s = %v; want %v", name, g, f)
			}
		}
	}
	t.Run("echohf5", func(t *testing.T) {
		t.Parallel()
		check(t, reflect.ValueOf(hfauthtest.ConfigAs[echohf5.Config](kit)))
	})
	t.Run("echohf", func(t *testing.T) {
		t.Parallel()
		check(t, reflect.ValueOf(hfauthtest.ConfigAs[echohf.Config](kit)))
	})
	t.Run("hfauth keeps its Skipper", func(t *testing.T) {
		t.Parallel()
		skip := func(r *http.Request) bool { return r.URL.Path == "/health" }
		k := hfauthtest.New(t, hfauth.Config{Skipper: skip})
		if got := hfauthtest.ConfigAs[hfauth.Config](k); got.Skipper == nil || reflect.ValueOf(got.Skipper).Pointer() != reflect.ValueOf(skip).Pointer() {
			t.Error("ConfigAs[hfauth.Config] dropped the Skipper")
		}
	})
	t.Run("mistakes", func(t *testing.T) {
		t.Parallel()
		type partial struct{ SessionSecret string }
		type wrongType struct {
			hfauth.Config
			Logger string
		}
		skip := func(*http.Request) bool { return true }
		for _, tt := range []struct {
			name    string
			skipper func(*http.Request) bool
			call    func(k *hfauthtest.Kit)
			want    string
		}{
			{"not a struct", nil, func(k *hfauthtest.Kit) { hfauthtest.ConfigAs[string](k) }, "not an adapter's Config"},
			{"missing fields", nil, func(k *hfauthtest.Kit) { hfauthtest.ConfigAs[partial](k) }, "has no field Mode"},
			{"a field of another type", nil, func(k *hfauthtest.Kit) { hfauthtest.ConfigAs[wrongType](k) }, "has no field"},
			{"a Skipper it cannot hold", skip, func(k *hfauthtest.Kit) { hfauthtest.ConfigAs[echohf5.Config](k) }, "Skipper"},
		} {
			msg := fatal(t, func(tb hfauthtest.TB) { tt.call(hfauthtest.New(tb, hfauth.Config{Logger: quiet, Skipper: tt.skipper})) })
			if !strings.Contains(msg, tt.want) || !strings.Contains(msg, "ConfigAs") {
				t.Errorf("ConfigAs, %s: fatal %q; want %q", tt.name, msg, tt.want)
			}
		}
	})
}

// accepts tells whether o logs in a request carrying cookies.
func accepts(t *testing.T, o *hfauth.OAuth, cookies []*http.Cookie) bool {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	var info *hfauth.OAuthInfo
	o.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { info = hfauth.Info(r) })).ServeHTTP(httptest.NewRecorder(), req)
	return info != nil
}
