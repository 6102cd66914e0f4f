package echohf

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/echohf/echohf/mock"
)

// Small fixtures that hfauth's tests also have: echohf's tests see hfauth
// from outside, as its users do, so they keep their own copies.

// Wire names the tests check: the login route's target parameter, the
// mock sign-in link's key parameter, the suffix of the mock key cookie's
// name, and the prefix of the tokens of mock sessions.
const (
	paramTarget      = "_target_url"
	paramMockKey     = "mock_key"
	mockCookieSuffix = "_mock_key"
	mockTokenPrefix  = "hf_oauth_mock_" //nolint:gosec // G101: the prefix of made-up tokens, not a credential
)

// patAlice is a personal token of alice on the mock Hub (see hub).
const patAlice = "hf_bearerTestAlice0123456789abcdefg" //nolint:gosec // G101: a made-up token of the mock Hub

// hub is a mock provider that is also the Hub: it knows alice, with a
// personal token.
func hub(t testing.TB) *mock.Server {
	t.Helper()
	srv := mock.NewServer(t, mock.Config{})
	srv.AddUser(mock.NewUser("alice"))
	srv.AddToken(patAlice, "alice")
	return srv
}

// bearerConfig is a configuration accepting bearer tokens checked against
// srv, in real or mock mode.
func bearerConfig(srv *mock.Server, mode Mode) Config {
	cfg := Config{Mode: ModeMock}
	if mode == ModeReal {
		cfg = realConfig(srv)
	}
	cfg.AcceptBearer = true
	cfg.HFEndpoint = srv.URL
	return cfg
}

// bearerGet fetches path on a with auth as the Authorization header (none
// when empty) and the other headers in hdr.
func bearerGet(t *testing.T, a *app, path, auth string, hdr ...string) fetched {
	t.Helper()
	if auth != "" {
		hdr = append(hdr, "Authorization", auth)
	}
	return fetch(t, plainClient(t), a.URL+path, hdr...)
}

// mockKeyOf returns the key in a's mock sign-in link.
func mockKeyOf(t testing.TB, a *app) string {
	t.Helper()
	u, err := url.Parse(a.oauth.MockLoginURL(""))
	if err != nil {
		t.Fatal(err)
	}
	key := u.Query().Get(paramMockKey)
	if len(key) < 22 { // 128 bits in base64url
		t.Fatalf("MockLoginURL = %q: no key of at least 128 bits", a.oauth.MockLoginURL(""))
	}
	return key
}

// mockKeyCookie opens a's MockLoginURL from loopback and returns the mock
// key cookie the answer sets.
func mockKeyCookie(t testing.TB, a *app) *http.Cookie {
	t.Helper()
	f := fetch(t, plainClient(t), a.URL+a.oauth.MockLoginURL(""))
	for _, c := range f.Cookies() {
		if strings.HasSuffix(c.Name, mockCookieSuffix) && c.MaxAge >= 0 && c.Value != "" {
			return c
		}
	}
	t.Fatalf("MockLoginURL = %d, Set-Cookie %q; want a *%s cookie", f.StatusCode, f.Header.Values("Set-Cookie"), mockCookieSuffix)
	return nil
}
