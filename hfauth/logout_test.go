package hfauth

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// refreshedPair logs in on replica 0, moves the clock a minute into the
// refresh window and refreshes the session there: the cookie of the login
// (old) and the one of the refresh (current), of one sign-in.
func refreshedPair(t *testing.T, w *world) (old, current string) {
	t.Helper()
	old, who := w.login(t)
	w.clk.Advance(who.Info.AccessTokenExpiresAt.Sub(w.clk.Now()) - time.Hour + time.Minute)
	got, current, _ := w.whoami(t, 0, old)
	if !got.LoggedIn || current == "" || got.Token == who.Token {
		t.Fatalf("refresh: logged in %v, Set-Cookie %v; want a refreshed session", got.LoggedIn, current != "")
	}
	return old, current
}

// loggedOutAt checks, at each of the times after now, that the cookie
// value is logged out on replica i and gets no session cookie.
func (w *world) loggedOutAt(t *testing.T, i int, value, what string, times ...time.Duration) {
	t.Helper()
	start := w.clk.Now()
	for _, at := range times {
		w.clk.Advance(start.Add(at).Sub(w.clk.Now()))
		got, set, _ := w.whoami(t, i, value)
		if got.LoggedIn || set != "" {
			t.Errorf("%s on replica %d, +%v: logged in %v, Set-Cookie %v; want logged out", what, i, at, got.LoggedIn, set != "")
			if set != "" {
				if again, _, _ := w.whoami(t, 1-i, set); again.LoggedIn {
					t.Errorf("the cookie it set is signed in on replica %d", 1-i)
				}
			}
		}
	}
}

// TestLogoutEndsOlderCookies is issue 15's A2 on the replica that logged
// out: a cookie of the same sign-in from before a refresh (the page's
// older cookie, or a copy) is logged out there at once and from then on,
// however long after the refresh the logout came, and whatever requests
// with that older cookie did in between.
func TestLogoutEndsOlderCookies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// between runs after the refresh and before the logout.
		between func(t *testing.T, w *world, old string)
	}{
		{"logout right after the refresh", func(*testing.T, *world, string) {}},
		{"logout once the renewal is forgotten", func(_ *testing.T, w *world, _ string) { w.clk.Advance(renewedGrace + time.Second) }},
		{"the older cookie sent again before logout", func(t *testing.T, w *world, old string) {
			w.clk.Advance(renewedGrace + time.Second)
			w.whoami(t, 0, old) // a refresh with its spent token: refused
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 2, nil)
			old, current := refreshedPair(t, w)
			tt.between(t, w, old)
			w.logoutWith(t, 0, current)
			w.loggedOutAt(t, 0, old, "the older cookie", 0, renewedGrace+time.Second, 11*time.Minute, 51*time.Minute)
			w.loggedOutAt(t, 0, current, "the logged-out cookie", 0)
		})
	}
}

// TestLogoutOlderCookieElsewhere is issue 15's A2 on a replica that did
// not see the logout: the older cookie's refresh token was spent by the
// refresh, and the tokens of the newer one are revoked; its refresh is
// refused, and once the grace that spares a replica racing another is
// over it is logged out. Revalidation must not re-mint it into a signed-in
// cookie without a refresh token (its access token is still valid at the
// provider until it expires).
func TestLogoutOlderCookieElsewhere(t *testing.T) {
	t.Parallel()
	for _, first := range []time.Duration{0, renewedGrace + time.Second, 11 * time.Minute} {
		t.Run("first seen +"+first.String(), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 2, nil)
			old, current := refreshedPair(t, w)
			w.logoutWith(t, 0, current)
			w.clk.Advance(first)
			before := w.calls()
			got, set, _ := w.whoami(t, 1, old) // its refresh is refused
			if c := w.calls(); c.refresh.Refused != before.refresh.Refused+1 || set != "" {
				t.Fatalf("the older cookie on the other replica: refresh grants %+v → %+v, Set-Cookie %v; want one refused refresh, no cookie",
					before.refresh, c.refresh, set != "")
			}
			_ = got // within the grace it may still be served
			w.loggedOutAt(t, 1, old, "the older cookie", renewedGrace+time.Second, 11*time.Minute, 51*time.Minute)
		})
	}
}

// TestLogoutRememberedWithoutRenewals is issue 15's A3: with refreshing
// and revalidation off, a copy of a logged-out cookie stays logged out on
// the replica that logged out when its verified-session cache does not
// hold the session (cache off, or evicted by other users' sessions).
func TestLogoutRememberedWithoutRenewals(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		cache int
		evict bool
	}{
		{"session cache off", -1, false},
		{"session evicted from the cache", 1, true},
		{"session in the cache", 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 1, func(c *Config) { c.RefreshBefore, c.RevalidateEvery, c.SessionCacheSize = -1, -1, tt.cache })
			value, _ := w.login(t)
			w.logoutWith(t, 0, value)
			if tt.evict {
				other, _ := w.login(t)
				if got, _, _ := w.whoami(t, 0, other); !got.LoggedIn {
					t.Fatal("another user's session is not logged in")
				}
			}
			w.loggedOutAt(t, 0, value, "the logged-out cookie", 0, time.Minute)
		})
	}
}

// TestLogoutRememberedMock: mock mode has nothing to revoke, but the
// process that logged a session out still refuses a copy of its cookie,
// cache or not.
func TestLogoutRememberedMock(t *testing.T) {
	t.Parallel()
	for _, cache := range []int{0, -1} {
		a := newApp(t, Config{Mode: ModeMock, SessionCacheSize: cache, Logger: discardLogger()})
		name := a.oauth.sessions.Name()
		value := sessionValue(t, a)
		withCookie(t, a.URL+"/whoami", name, value)
		if f := withCookie(t, a.URL+LogoutPath, name, value); f.StatusCode != http.StatusFound {
			t.Fatalf("logout = %d", f.StatusCode)
		}
		if f := withCookie(t, a.URL+"/whoami", name, value); !strings.Contains(f.body, `"logged_in":false`) {
			t.Errorf("cache %d: a copy of the logged-out cookie: %s; want logged out", cache, f.body)
		}
	}
}

// TestReplicasRefreshCookiesLast extends TestReplicasRefresh: after a
// refresh race between replicas, every session cookie any answer set is of
// the winner's chain (it refreshes later with no invalid_grant), and the
// old cookie, sent again once the race is over, gets no cookie whose
// refresh token is spent.
func TestReplicasRefreshCookiesLast(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3, nil)
	value, _ := w.login(t)
	w.prov.SetFaults(mock.Faults{RefreshDelay: 200 * time.Millisecond})
	w.clk.Advance(7*time.Hour + 30*time.Minute)
	sets := make(chan string, 3*4)
	done := make(chan struct{})
	for i := range cap(sets) {
		go func() {
			defer func() { done <- struct{}{} }()
			if got, set, _ := w.whoami(t, i%3, value); !got.LoggedIn {
				t.Errorf("request %d: logged out during the race", i)
			} else if set != "" {
				sets <- set
			}
		}()
	}
	for range cap(sets) {
		<-done
	}
	w.prov.SetFaults(mock.Faults{})
	close(sets)
	var all []string
	for s := range sets {
		all = append(all, s)
	}
	// The old cookie again, within the grace and after it, on each replica.
	race := w.clk.Now()
	for _, at := range []time.Duration{time.Second, renewedGrace + time.Second, 11 * time.Minute} {
		w.clk.Advance(race.Add(at).Sub(w.clk.Now()))
		for r := range 3 {
			if _, set, _ := w.whoami(t, r, value); set != "" {
				all = append(all, set)
			}
		}
	}
	if len(all) == 0 {
		t.Fatal("no answer set the refreshed session")
	}
	_, live := w.tokensOf(t, 0, all[0])
	for i, set := range all {
		if _, rt := w.tokensOf(t, 0, set); rt != live {
			t.Errorf("Set-Cookie %d holds another refresh token (or none: %v) than the winner's", i, rt == "")
		}
	}
	// The winner's cookie refreshes in its own window, with no invalid_grant.
	w.clk.Advance(race.Add(8*time.Hour - 30*time.Minute).Sub(w.clk.Now()))
	before := w.calls()
	got, set, _ := w.whoami(t, 1, all[len(all)-1])
	if c := w.calls(); !got.LoggedIn || set == "" || c.refresh.Issued != before.refresh.Issued+1 || c.refresh.Refused != before.refresh.Refused {
		t.Errorf("the last cookie set, in its refresh window: logged in %v, Set-Cookie %v, grants %+v → %+v; want one refresh issued",
			got.LoggedIn, set != "", before.refresh, c.refresh)
	}
}

// TestLogoutsMemory: the memory of logged-out sign-ins forgets each at its
// end, never holds more than maxLogouts, and when full forgets those that
// end soonest; each logout moves the epoch, so that sessions checked
// before are looked up again.
func TestLogoutsMemory(t *testing.T) {
	t.Parallel()
	var l logouts
	now := time.Unix(1_800_000_000, 0)
	key := func(i int) signInKey { return signInKey{fmt.Sprint("state", i), "sub"} }
	s := &session{State: "state0", User: OAuthUserInfo{Sub: "sub"}}
	if l.loggedOut(s, now.UnixNano()) || !l.current(s) {
		t.Fatal("a session is logged out, or not current, before any logout")
	}
	l.add(key(0), now, now.Add(time.Hour))
	if l.current(s) || !l.loggedOut(s, now.UnixNano()) || !l.loggedOut(s, now.Add(time.Hour-1).UnixNano()) {
		t.Error("a logged-out sign-in is not logged out until its end")
	}
	if l.loggedOut(s, now.Add(time.Hour).UnixNano()) || !l.current(s) {
		t.Error("a logout is remembered past its end")
	}
	other := &session{State: "state0", User: OAuthUserInfo{Sub: "another user"}}
	if l.loggedOut(other, now.UnixNano()) {
		t.Error("another user's session with the same state id is logged out")
	}
	// Full: the sign-ins that end soonest go first; the latest stay.
	for i := range 2 * maxLogouts {
		l.add(key(i+1), now, now.Add(time.Duration(i+1)*time.Second+time.Hour))
	}
	if n := len(l.m); n > maxLogouts {
		t.Errorf("%d logouts remembered; want at most %d", n, maxLogouts)
	}
	if !l.has(key(2*maxLogouts), now.UnixNano()) || l.has(key(1), now.UnixNano()) {
		t.Error("a full memory forgot the latest logout, or kept the one that ends soonest")
	}
	// Ended ones are forgotten first.
	l.add(key(-1), now.Add(11*time.Hour), now.Add(12*time.Hour))
	if n := len(l.m); n != 1 {
		t.Errorf("after every logout ended, %d remembered; want only the new one", n)
	}
}

// TestLogoutOvertakesRefresh: a request waiting on a refresh that a
// logout on the same replica overtakes gets no cookie of the refreshed
// session, and is logged out: the sign-in ended while the provider was
// answering. (TestLogoutDuringRefresh accepts such a cookie, since this
// replica refuses it later; this is the browser never getting it.)
func TestLogoutOvertakesRefresh(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2, nil)
	value, _ := w.login(t)
	w.clk.Advance(7*time.Hour + 30*time.Minute)
	w.prov.SetFaults(mock.Faults{RefreshDelay: 1500 * time.Millisecond}) // the logout comes well within it
	before := w.calls()
	answered := make(chan fetched, 1)
	go func() { answered <- w.get(t, 0, "/whoami", value) }()
	for w.calls().token == before.token { // the refresh has reached the provider
		time.Sleep(5 * time.Millisecond)
	}
	w.logoutWith(t, 0, value)
	f := <-answered
	if c := w.calls(); c.refresh.Issued != before.refresh.Issued+1 {
		t.Fatalf("refresh grants %+v → %+v; want the refresh under way issued (the revocation waits for it)", before.refresh, c.refresh)
	}
	if set := f.sessionSet(w.name); set != "" || !strings.Contains(f.body, `"logged_in":false`) || !f.expired(w.name) {
		t.Errorf("the request that waited on the refresh: %d %s, sets a session cookie %v, expires it %v; want logged out, no cookie",
			f.StatusCode, f.body, set != "", f.expired(w.name))
	}
}

// TestLogoutEndsOlderCookiesWithoutState is TestLogoutEndsOlderCookies for
// a session that no OAuth login made (SaveSession: no state id), renewed
// by a revalidation, with a provider that cannot revoke tokens, on a busy
// replica whose memory of renewals has since dropped that revalidation
// (other sessions' renewals filled it). Logged out with its new cookie, the
// sign-in stays logged out there for the cookie from before the
// revalidation too, instead of that cookie being revalidated (its access
// token still works) into a new signed-in cookie.
func TestLogoutEndsOlderCookiesWithoutState(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2, func(c *Config) { c.RevalidateEvery = 10 * time.Minute })
	w.prov.SetFaults(mock.Faults{NoRevocationEndpoint: true})
	login, who := w.login(t)
	access, _ := w.tokensOf(t, 0, login)
	info := &OAuthInfo{AccessToken: access, AccessTokenExpiresAt: who.Info.AccessTokenExpiresAt, UserInfo: who.Info.UserInfo, Scope: who.Info.Scope}
	saved := func() string {
		t.Helper()
		rec := httptest.NewRecorder()
		if err := w.apps[0].oauth.SaveSession(rec, nil, info); err != nil {
			t.Fatal(err)
		}
		return fetched{Response: rec.Result()}.sessionSet(w.name)
	}
	old, another := saved(), saved() // two sign-ins of one user
	w.clk.Advance(11 * time.Minute)
	got, current, _ := w.whoami(t, 0, old)
	if !got.LoggedIn || current == "" {
		t.Fatalf("revalidation: logged in %v, Set-Cookie %v; want a renewed session", got.LoggedIn, current != "")
	}
	w.clk.Advance(renewedGrace + time.Second)
	// Other users' sessions renewed meanwhile fill the memory of renewals,
	// which drops the revalidation above (its grace is over).
	rs, now := &w.apps[0].oauth.renewals, w.clk.Now().UnixNano()
	rs.mu.Lock()
	for i := range maxRenewals {
		rs.put(fmt.Sprint("another session ", i), &renewal{done: closedChan, until: now + int64(time.Hour), expires: now + int64(time.Hour)}, now)
	}
	rs.mu.Unlock()
	w.logoutWith(t, 0, current)
	w.loggedOutAt(t, 0, old, "the older cookie", 0, 11*time.Minute)
	w.loggedOutAt(t, 0, current, "the logged-out cookie", 0)
	if got, _, _ := w.whoami(t, 0, another); !got.LoggedIn {
		t.Error("the same user's other sign-in is logged out too")
	}
}

// TestLogoutOutlastsNewerCookie: a logout sent with a cookie that another
// replica has just refreshed (the page's logout left before the refreshed
// cookie arrived) is remembered, on the replica that logged out, for as
// long as the newer cookie can last, not only the older one: that replica
// refuses the newer cookie once the logged-out one would have ended too.
// (Its tokens were not revoked: the replica that logged out never saw them.)
func TestLogoutOutlastsNewerCookie(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2, nil)
	old, who := w.login(t)
	w.clk.Advance(who.Info.AccessTokenExpiresAt.Sub(w.clk.Now()) - 30*time.Minute)
	got, newer, _ := w.whoami(t, 1, old) // refreshed on replica 1
	if !got.LoggedIn || newer == "" {
		t.Fatalf("refresh on replica 1: logged in %v, Set-Cookie %v; want a refreshed session", got.LoggedIn, newer != "")
	}
	w.logoutWith(t, 0, old)
	w.loggedOutAt(t, 0, newer, "the newer cookie", 0, 31*time.Minute, 2*time.Hour)
}
