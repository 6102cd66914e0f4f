package hfauth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// TestExpiresIn: whatever expires_in a token answer gives, as JSON or
// form-encoded, the access token of a sign-in and of a refresh expires
// expires_in after Config.Now, at most maxExpiresIn later; with none, 0 or
// a negative one, after the default lifetime (sign-in) or the lifetime of
// the token it replaces (refresh). Never in the past, never overflowed.
func TestExpiresIn(t *testing.T) {
	t.Parallel()
	const lifetime = 2 * time.Hour // the provider's own, which a refresh falls back to
	bound := time.Duration(maxExpiresIn) * time.Second
	tests := []struct {
		name      string
		form      bool // the answer is form-encoded, not JSON
		expiresIn any  // nil leaves expires_in out
		want      time.Duration
		fallback  bool // want the fallback instead
	}{
		{"JSON 90", false, 90, 90 * time.Second, false},
		{"JSON 1<<62", false, int64(1 << 62), bound, false},
		{"JSON 1e15", false, 1e15, bound, false},
		{"JSON 0", false, 0, 0, true},
		{"JSON -3600", false, -3600, 0, true},
		{"JSON -(1<<62)", false, int64(-1 << 62), 0, true},
		{"JSON none", false, nil, 0, true},
		{"form 90", true, 90, 90 * time.Second, false},
		{"form 1<<62", true, int64(1 << 62), bound, false},
		{"form 0", true, 0, 0, true},
		{"form -3600", true, -3600, 0, true},
		{"form none", true, nil, 0, true},
	}
	for _, tt := range tests {
		rewriter := func() *answerRewriter {
			rw := &answerRewriter{path: "/oauth/token", edit: func(status int, body []byte) (int, []byte) {
				var m map[string]any
				_ = json.Unmarshal(body, &m)
				m["expires_in"] = tt.expiresIn
				if tt.expiresIn == nil {
					delete(m, "expires_in")
				}
				if !tt.form {
					b, _ := json.Marshal(m)
					return status, b
				}
				v := url.Values{}
				for k, x := range m {
					v.Set(k, fmt.Sprint(x))
				}
				return status, []byte(v.Encode())
			}}
			if tt.form {
				rw.typ = "application/x-www-form-urlencoded"
			}
			return rw
		}
		for _, step := range []string{"sign-in", "refresh"} {
			t.Run(tt.name+", "+step, func(t *testing.T) {
				t.Parallel()
				rw := rewriter()
				w := newWorld(t, 1, func(c *Config) { c.HTTPClient = &http.Client{Transport: rw, Timeout: 10 * time.Second} })
				w.prov.SetAccessTokenTTL(lifetime)
				want, fallback := tt.want, defaultTokenLifetime
				if step == "sign-in" {
					rw.on.Store(true)
				}
				_, got := w.login(t)
				if step == "refresh" {
					value := w.b.cookie(t, w.apps[0].URL, w.name)
					rw.on.Store(true)
					w.clk.Advance(lifetime - lifetime/4) // in the refresh window: half the token's life
					var set string
					got, set, _ = w.whoami(t, 0, value)
					if !got.LoggedIn || set == "" {
						t.Fatalf("refresh: logged in %v, Set-Cookie %v; want refreshed; logs:\n%s", got.LoggedIn, set != "", w.apps[0].logs)
					}
					fallback = lifetime
				}
				if tt.fallback {
					want = fallback
				}
				if exp := ceilMs(w.clk.Now().Add(want)); !got.Info.AccessTokenExpiresAt.Equal(exp) {
					t.Errorf("access token expires at %v (now + %v); want now + %v",
						got.Info.AccessTokenExpiresAt, got.Info.AccessTokenExpiresAt.Sub(w.clk.Now()).Round(time.Second), want)
				}
			})
		}
	}
}

// slowUserinfo is a transport on which each userinfo call takes d of the
// test clock: the provider answers after d.
type slowUserinfo struct {
	clk atomic.Pointer[testClock]
	d   time.Duration
}

func (s *slowUserinfo) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && r.URL.Path == mock.PathUserinfo {
		s.clk.Load().Advance(s.d)
	}
	return res, err
}

// TestSignInExpiryFromExchange: the access token's end is counted from the
// code exchange that obtained it, not from the end of the sign-in, so slow
// steps after the exchange (id_token keys, userinfo) never make the session
// outlive its token.
func TestSignInExpiryFromExchange(t *testing.T) {
	t.Parallel()
	const lifetime = time.Hour
	slow := &slowUserinfo{d: 3 * time.Second}
	w := newWorld(t, 1, func(c *Config) { c.HTTPClient = &http.Client{Transport: slow, Timeout: 10 * time.Second} })
	slow.clk.Store(w.clk)
	w.prov.SetAccessTokenTTL(lifetime)
	exchanged := w.clk.Now() // the mock's clock: the token is issued now
	_, got := w.login(t)
	if want := ceilMs(exchanged.Add(lifetime)); !got.Info.AccessTokenExpiresAt.Equal(want) {
		t.Errorf("access token expires at exchange + %v; want exchange + %v (the provider's own end)",
			got.Info.AccessTokenExpiresAt.Sub(exchanged), lifetime)
	}
}
