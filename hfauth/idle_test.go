package hfauth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// These tests are issue 17's items 1 and 2: a user who comes back after
// the access token ended is refreshed, not sent through login, and a
// session ends exactly with its token (or SessionMaxAge), not up to a
// second early.

// atFraction moves clk forward to the next instant whose fraction of a
// second is frac, so that a test knows where the second boundaries fall.
func atFraction(clk *testClock, frac time.Duration) {
	now := clk.Now()
	clk.Advance((frac - time.Duration(now.Nanosecond()) + time.Second) % time.Second)
}

// ceilMs is t rounded up to the millisecond, as a session keeps its times.
func ceilMs(t time.Time) time.Time { return atMs(unixMs(t)) }

// ceilSecond is t rounded up to the second, as a cookie's exp.
func ceilSecond(t time.Time) time.Time {
	if whole := t.Truncate(time.Second); whole.Before(t) {
		return whole.Add(time.Second)
	}
	return t
}

// maxAgeFits reports whether a cookie Max-Age of age seconds, counted by
// jwtstore from the whole second of now, lasts until at least left from
// now, and less than two seconds more (a whole-second exp rounded up).
func maxAgeFits(age int, left time.Duration) bool {
	d := time.Duration(age) * time.Second
	return d >= left && d < left+2*time.Second
}

// maxAgeOf is the Max-Age of the Set-Cookie line for the cookie name in f,
// or -1 when there is none.
func maxAgeOf(f fetched, name string) int {
	for _, part := range strings.Split(f.setCookie(name), ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "Max-Age="); ok {
			n, err := strconv.Atoi(v)
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// TestIdleReturn: a user who comes back after the access token ended, with
// a refresh token still good, is refreshed and served signed in, with one
// refresh grant, through the jar of a browser; the replica that sees the
// cookie first need not be the one that signed in. The new cookie lives
// until SessionMaxAge after the sign-in.
func TestIdleReturn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		ttl      time.Duration // the provider's access-token lifetime
		away     time.Duration // how long after the sign-in the user comes back
		replica  int           // the replica that sees the return
		maxAge   time.Duration // Config.SessionMaxAge
		revalide time.Duration // Config.RevalidateEvery (0: default)
	}{
		{"4s token, back at 6.5s", 4 * time.Second, 6500 * time.Millisecond, 0, time.Hour, 0},
		{"4s token, back at 6.5s, other replica", 4 * time.Second, 6500 * time.Millisecond, 1, time.Hour, 0},
		{"8h token, back next morning", 8 * time.Hour, 20 * time.Hour, 1, 30 * 24 * time.Hour, 0},
		{"5m token, back after lunch, no revalidation", 5 * time.Minute, time.Hour, 0, 30 * 24 * time.Hour, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 2, func(c *Config) { c.SessionMaxAge, c.RevalidateEvery = tt.maxAge, tt.revalide })
			w.prov.SetAccessTokenTTL(tt.ttl)
			value, who := w.login(t)
			signIn := w.clk.Now()
			w.clk.Advance(tt.away)
			before := w.calls()
			got, set, f := w.whoami(t, tt.replica, value)
			if !got.LoggedIn || got.Token == who.Token || set == "" {
				t.Fatalf("back after %v: logged in %v, new token %v, Set-Cookie %v; want refreshed; logs:\n%s",
					tt.away, got.LoggedIn, got.Token != who.Token, set != "", w.apps[tt.replica].logs)
			}
			if c := w.calls(); c.refresh.Issued != before.refresh.Issued+1 || c.refresh.Refused != before.refresh.Refused {
				t.Errorf("refresh grants %+v → %+v; want one more issued", before.refresh, c.refresh)
			}
			if exp := w.clk.Now().Add(tt.ttl); got.Info.AccessTokenExpiresAt.Before(exp) || got.Info.AccessTokenExpiresAt.Sub(exp) > time.Millisecond {
				t.Errorf("new token expires at %v; want %v", got.Info.AccessTokenExpiresAt, exp)
			}
			// The cookie lives until SessionMaxAge after the sign-in, not
			// until the new token ends.
			left := signIn.Add(tt.maxAge).Sub(w.clk.Now())
			if age := maxAgeOf(f, w.name); !maxAgeFits(age, left) {
				t.Errorf("new cookie Max-Age %d; want SessionMaxAge after the sign-in, %v from now", age, left)
			}
			// The browser goes on with the new cookie, on any replica, with no call.
			before = w.calls()
			for r := range w.apps {
				if again, set2, _ := w.whoami(t, r, set); !again.LoggedIn || again.Token != got.Token || set2 != "" {
					t.Errorf("replica %d, the new cookie: logged in %v, same token %v, Set-Cookie %v", r, again.LoggedIn, again.Token == got.Token, set2 != "")
				}
			}
			if c := w.calls(); c != before {
				t.Errorf("calls %+v → %+v; want none for the new cookie", before, c)
			}
			w.noSecrets(t, who.Token, got.Token, value, set)
		})
	}
}

// TestIdleReturnBrowser: the same return through a browser's cookie jar:
// the cookie the sign-in set is still sent after the token ended (it lives
// until SessionMaxAge), and the page is served signed in.
func TestIdleReturnBrowser(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1, nil)
	w.prov.SetAccessTokenTTL(4 * time.Second)
	_, who := w.login(t)
	w.clk.Advance(6500 * time.Millisecond)
	got := w.b.whoami(t, w.apps[0].URL)
	if !got.LoggedIn || got.Token == who.Token {
		t.Fatalf("back at 6.5s of a 4s token: logged in %v, new token %v; want refreshed; logs:\n%s", got.LoggedIn, got.Token != who.Token, w.apps[0].logs)
	}
	if again := w.b.whoami(t, w.apps[0].URL); !again.LoggedIn || again.Token != got.Token {
		t.Errorf("next request: logged in %v, same token %v", again.LoggedIn, again.Token == got.Token)
	}
}

// TestCookieLifetime: with a refresh token the session cookie (Max-Age,
// and the JWT's exp behind it) lives until SessionMaxAge after the
// sign-in; without one, until the access token ends.
func TestCookieLifetime(t *testing.T) {
	t.Parallel()
	const ttl = 4 * time.Second
	for _, refresh := range []bool{true, false} {
		t.Run("refresh "+strconv.FormatBool(refresh), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 1, func(c *Config) {
				c.SessionMaxAge, c.RevalidateEvery = time.Hour, time.Second // the revalidation at 1s re-mints the cookie
				if !refresh {
					c.RefreshBefore = -1
				}
			})
			w.prov.SetAccessTokenTTL(ttl)
			value, _ := w.login(t)
			signIn := w.clk.Now()
			w.clk.Advance(1100 * time.Millisecond)
			got, set, f := w.whoami(t, 0, value)
			if !got.LoggedIn || set == "" {
				t.Fatalf("revalidation: logged in %v, Set-Cookie %v; logs:\n%s", got.LoggedIn, set != "", w.apps[0].logs)
			}
			end := signIn.Add(ttl)
			if refresh {
				end = signIn.Add(time.Hour)
			}
			left := end.Sub(w.clk.Now())
			if age := maxAgeOf(f, w.name); !maxAgeFits(age, left) {
				t.Errorf("cookie Max-Age %d; want the session's end, %v from now", age, left)
			}
			// jwtstore takes the cookie until its exp (and Leeway): a
			// request just before the end is signed in (refreshed, with a
			// refresh token), one just after it is not.
			w.clk.Advance(left - time.Millisecond)
			if got, _, _ := w.whoami(t, 0, set); !got.LoggedIn {
				t.Errorf("just before the end: logged out; logs:\n%s", w.apps[0].logs)
			}
		})
	}
}

// TestIdleProviderDown: when the token has ended and the provider is down
// or slower than Timeout, the request is served logged out within Timeout,
// never a 5xx, and the cookie is kept; once the provider is back, a later
// request refreshes it.
func TestIdleProviderDown(t *testing.T) {
	t.Parallel()
	const timeout = 500 * time.Millisecond
	tests := []struct {
		name   string
		faults mock.Faults
	}{
		{"502", mock.Faults{RefreshStatus: http.StatusBadGateway}},
		{"slow", mock.Faults{RefreshDelay: 5 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 1, func(c *Config) { c.Timeout = timeout })
			w.prov.SetAccessTokenTTL(4 * time.Second)
			value, who := w.login(t)
			w.prov.SetFaults(tt.faults)
			w.clk.Advance(6500 * time.Millisecond)
			start := time.Now()
			got, set, f := w.whoami(t, 0, value)
			if took := time.Since(start); took > timeout+time.Second {
				t.Errorf("took %v; want at most Timeout (%v) and a little", took, timeout)
			}
			if got.LoggedIn || set != "" || f.expired(w.name) {
				t.Fatalf("provider down: logged in %v, Set-Cookie %v, cookie expired %v; want logged out with the cookie kept",
					got.LoggedIn, set != "", f.expired(w.name))
			}
			// Until the retry, the same: no call, no change.
			// (The mock may count the refresh the first request gave up on
			// late: token requests are what this request could add.)
			before := w.calls().token
			if got, set, f := w.whoami(t, 0, value); got.LoggedIn || set != "" || f.expired(w.name) || w.calls().token != before {
				t.Errorf("again: logged in %v, Set-Cookie %v, expired %v, token requests %d → %d", got.LoggedIn, set != "", f.expired(w.name), before, w.calls().token)
			}
			w.prov.SetFaults(mock.Faults{})
			w.clk.Advance(2 * time.Second) // past the retry (1 s for an ended token)
			got, set, _ = w.whoami(t, 0, value)
			if !got.LoggedIn || set == "" || got.Token == who.Token {
				t.Errorf("provider back: logged in %v, Set-Cookie %v, new token %v; want refreshed; logs:\n%s",
					got.LoggedIn, set != "", got.Token != who.Token, w.apps[0].logs)
			}
			w.noSecrets(t, who.Token, value)
		})
	}
}

// TestIdleLogoutSpendsRefresh: where the provider announces no revocation
// endpoint, logout spends the session's refresh token with one refresh
// grant, so that another replica which later gets a copy of the cookie,
// after its access token ended, has its refresh refused and logs it out
// instead of refreshing it back to life. The copy is cleared once the
// refusal's grace is over.
func TestIdleLogoutSpendsRefresh(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2, nil)
	w.prov.SetFaults(mock.Faults{NoRevocationEndpoint: true})
	w.prov.SetAccessTokenTTL(4 * time.Second)
	value, who := w.login(t)
	before := w.calls()
	w.logoutWith(t, 0, value)
	if c := w.calls(); c.refresh.Issued != before.refresh.Issued+1 || c.revoke != before.revoke {
		t.Fatalf("logout: refresh grants %+v → %+v, revocations %d → %d; want the refresh token spent by one grant, no revocation",
			before.refresh, c.refresh, before.revoke, c.revoke)
	}
	w.clk.Advance(6500 * time.Millisecond)
	before = w.calls()
	got, set, f := w.whoami(t, 1, value)
	if got.LoggedIn || set != "" {
		t.Fatalf("copy on the other replica after its token ended: logged in %v, Set-Cookie %v; want logged out; logs:\n%s",
			got.LoggedIn, set != "", w.apps[1].logs)
	}
	if c := w.calls(); c.refresh.Refused != before.refresh.Refused+1 || c.refresh.Issued != before.refresh.Issued {
		t.Errorf("refresh grants %+v → %+v; want one refused", before.refresh, c.refresh)
	}
	_ = f
	w.clk.Advance(renewedGrace + time.Second)
	before = w.calls()
	got, set, f = w.whoami(t, 1, value)
	if got.LoggedIn || set != "" || !f.expired(w.name) || w.calls() != before {
		t.Errorf("after the grace: logged in %v, Set-Cookie %v, expired %v, calls %+v → %+v; want logged out, cleared, no call",
			got.LoggedIn, set != "", f.expired(w.name), before, w.calls())
	}
	w.noSecrets(t, who.Token, value)
}

// TestIdleLoggedOutHere: a sign-in logged out on this replica is never
// idle-refreshed there, even when the provider kept its tokens alive (the
// revocation failed), and however long after: the logout memory lasts as
// long as the sign-in's cookies can (SessionMaxAge with a refresh token),
// also when the memory of renewals has forgotten the cookie (evicted, as
// when full of other sessions).
func TestIdleLoggedOutHere(t *testing.T) {
	t.Parallel()
	for _, later := range []time.Duration{6500 * time.Millisecond, 3 * time.Hour, 6 * 24 * time.Hour} {
		for _, evict := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v, renewals evicted %v", later, evict), func(t *testing.T) {
				t.Parallel()
				w := newWorld(t, 1, func(c *Config) { c.SessionMaxAge = 7 * 24 * time.Hour })
				w.prov.SetFaults(mock.Faults{RevokeStatus: http.StatusServiceUnavailable})
				w.prov.SetAccessTokenTTL(4 * time.Second)
				value, _ := w.login(t)
				_, refresh := w.tokensOf(t, 0, value)
				w.logoutWith(t, 0, value)
				if evict {
					rs := &w.apps[0].oauth.renewals
					rs.mu.Lock()
					clear(rs.m)
					rs.mu.Unlock()
				}
				w.clk.Advance(later)
				before := w.calls()
				if got, set, _ := w.whoami(t, 0, value); got.LoggedIn || set != "" || w.calls().refresh != before.refresh {
					t.Errorf("copy %v after logout: logged in %v, Set-Cookie %v, refresh grants %+v → %+v; want logged out, no refresh",
						later, got.LoggedIn, set != "", before.refresh, w.calls().refresh)
				}
				// The replica had a good refresh token to use: it chose not to.
				if err := checkRefreshToken(w, refresh); err != nil {
					t.Errorf("the refresh token should still be good (its revocation failed): %v", err)
				}
			})
		}
	}
}

// TestExactEnd: a session ends with its token to the millisecond, not at
// the whole second before. Here the sign-in comes 0.7 s into a second, so
// a 4 s token ends 0.7 s into a second too. With a refresh token, six
// requests at 3.5 s (in the token's last second, and in its refresh
// window) share one refresh and are all served signed in; without one,
// a request 1 ms before the end is signed in and one 1 ms after it is not.
func TestExactEnd(t *testing.T) {
	t.Parallel()
	const ttl = 4 * time.Second
	t.Run("refresh", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 1, nil)
		w.prov.SetAccessTokenTTL(ttl)
		atFraction(w.clk, 700*time.Millisecond)
		value, who := w.login(t)
		w.clk.Advance(3500 * time.Millisecond)
		w.prov.SetFaults(mock.Faults{RefreshDelay: 200 * time.Millisecond}) // the requests overlap
		var wg sync.WaitGroup
		results := make([]whoamiAnswer, 6)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], _, _ = w.whoami(t, 0, value)
			}()
		}
		wg.Wait()
		for i, got := range results {
			if !got.LoggedIn || got.Token == who.Token {
				t.Errorf("request %d at 3.5s: logged in %v, refreshed %v; want refreshed", i, got.LoggedIn, got.LoggedIn && got.Token != who.Token)
			}
		}
		if c := w.calls(); c.refresh != (mock.GrantCount{Issued: 1}) {
			t.Errorf("refresh grants %+v; want one, issued", c.refresh)
		}
	})
	t.Run("no refresh token", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 1, func(c *Config) { c.RefreshBefore, c.RevalidateEvery = -1, -1 })
		w.prov.SetAccessTokenTTL(ttl)
		atFraction(w.clk, 700*time.Millisecond)
		value, who := w.login(t)
		exp := w.clk.Now().Add(ttl)
		if d := who.Info.AccessTokenExpiresAt.Sub(exp); d < 0 || d >= time.Millisecond {
			t.Errorf("AccessTokenExpiresAt %v; want %v, to the millisecond", who.Info.AccessTokenExpiresAt, exp)
		}
		w.clk.Advance(ttl - time.Millisecond)
		if got, _, f := w.whoami(t, 0, value); !got.LoggedIn || f.expired(w.name) {
			t.Errorf("1ms before the token ends: logged in %v, cookie expired %v; want signed in", got.LoggedIn, f.expired(w.name))
		}
		w.clk.Advance(2 * time.Millisecond)
		if got, _, f := w.whoami(t, 0, value); got.LoggedIn || !f.expired(w.name) {
			t.Errorf("1ms after the token ended: logged in %v, cookie expired %v; want logged out and cleared", got.LoggedIn, f.expired(w.name))
		}
	})
}

// oldForm re-mints the session cookie value, as replica i reads it, in the
// form the version before millisecond times minted: whole seconds in e, i
// and l, rounded down, none of em, im and lm, and the JWT's exp at the
// session's end, rounded down too.
func (w *world) oldForm(t *testing.T, i int, value string) string {
	t.Helper()
	o := w.apps[i].oauth
	s, err := o.sessions.Load(cookieRequest(w.name, value))
	if err != nil {
		t.Fatal(err)
	}
	old := &session{Token: s.Token, Refresh: s.Refresh, Expires: s.Expires, Issued: s.Issued, Checked: s.Checked, Login: s.Login,
		Scope: s.Scope, State: s.State, SignIn: s.SignIn, User: s.User}
	raw, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"em", "im", "lm"} {
		if _, ok := fields[k]; ok {
			t.Fatalf("the old form has %q", k)
		}
	}
	m, err := o.sessions.Mint(old, time.Unix(min(old.Expires, old.Login+int64(o.cfg.SessionMaxAge/time.Second)), 0), w.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if err := m.Write(rec, nil); err != nil {
		t.Fatal(err)
	}
	return fetched{Response: rec.Result()}.sessionSet(w.name)
}

// TestOldCookieForm: during a rolling deploy, a cookie minted by the
// version before times were kept to the millisecond is read as it meant:
// its token expires at the whole second it says; without a refresh token
// it is signed in until then and logged out from then on; with one, its
// user coming back after that (within Leeway, while jwtstore still takes
// the cookie's exp) is refreshed into a cookie of the new form.
func TestOldCookieForm(t *testing.T) {
	t.Parallel()
	const ttl = 4 * time.Second
	for _, refresh := range []bool{false, true} {
		t.Run("refresh "+strconv.FormatBool(refresh), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 1, func(c *Config) {
				c.RevalidateEvery = -1
				if !refresh {
					c.RefreshBefore = -1
				}
			})
			w.prov.SetAccessTokenTTL(ttl)
			atFraction(w.clk, 700*time.Millisecond)
			value, who := w.login(t)
			old := w.oldForm(t, 0, value)
			exp := who.Info.AccessTokenExpiresAt.Truncate(time.Second) // what the old form says
			got, set, _ := w.whoami(t, 0, old)
			if !got.LoggedIn || got.Token != who.Token || set != "" || !got.Info.AccessTokenExpiresAt.Equal(exp) {
				t.Fatalf("old form: logged in %v, same token %v, Set-Cookie %v, expires %v; want signed in as it is, expiring %v",
					got.LoggedIn, got.Token == who.Token, set != "", got.Info.AccessTokenExpiresAt, exp)
			}
			if !refresh {
				w.clk.Advance(exp.Add(-time.Millisecond).Sub(w.clk.Now()))
				if got, _, _ := w.whoami(t, 0, old); !got.LoggedIn {
					t.Errorf("old form, 1ms before its expiry: logged out")
				}
				w.clk.Advance(time.Millisecond)
				if got, _, f := w.whoami(t, 0, old); got.LoggedIn || !f.expired(w.name) {
					t.Errorf("old form at its expiry: logged in %v, cookie expired %v; want logged out and cleared", got.LoggedIn, f.expired(w.name))
				}
				return
			}
			w.clk.Advance(exp.Add(30 * time.Second).Sub(w.clk.Now()))
			got, set, _ = w.whoami(t, 0, old)
			if !got.LoggedIn || got.Token == who.Token || set == "" {
				t.Fatalf("old form, back 30s after its expiry: logged in %v, refreshed %v; want refreshed; logs:\n%s",
					got.LoggedIn, got.LoggedIn && got.Token != who.Token, w.apps[0].logs)
			}
			s, err := w.apps[0].oauth.sessions.Load(cookieRequest(w.name, set))
			if err != nil {
				t.Fatal(err)
			}
			if !s.expiry().Equal(got.Info.AccessTokenExpiresAt) || !s.expiry().Equal(ceilMs(w.clk.Now().Add(ttl))) {
				t.Errorf("refreshed cookie expires %v; want %v, to the millisecond", s.expiry(), ceilMs(w.clk.Now().Add(ttl)))
			}
		})
	}
}
