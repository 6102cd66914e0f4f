package hfauth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// TestRefresh: a request in the refresh window refreshes the session with
// its refresh token, re-mints the cookie on its answer and is served with
// the new token; a request just before the window does no network I/O. The
// renewed session refreshes in its own window again, with the rotated
// refresh token. Revalidation is off here, to isolate the refresh.
func TestRefresh(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		ttl    time.Duration // the provider's access-token lifetime
		before time.Duration // Config.RefreshBefore (0: default)
		window time.Duration // the window this gives
	}{
		{"8h token, default", 8 * time.Hour, 0, time.Hour},
		{"5s token, default", 5 * time.Second, 0, 2500 * time.Millisecond},
		{"8h token, 10 minutes", 8 * time.Hour, 10 * time.Minute, 10 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 1, func(c *Config) { c.RefreshBefore, c.RevalidateEvery = tt.before, -1 })
			w.prov.SetAccessTokenTTL(tt.ttl)
			value, who := w.login(t)
			for round := range 2 {
				expires := who.Info.AccessTokenExpiresAt
				w.clk.Advance(expires.Sub(w.clk.Now()) - tt.window - 100*time.Millisecond)
				before := w.calls()
				got, set, _ := w.whoami(t, 0, value)
				if !got.LoggedIn || got.Token != who.Token || set != "" || w.calls() != before {
					t.Fatalf("round %d, just before the window: logged in %v, same token %v, Set-Cookie %v, calls %+v → %+v; want the session as it is and no call",
						round, got.LoggedIn, got.Token == who.Token, set != "", before, w.calls())
				}
				w.clk.Advance(200 * time.Millisecond)
				got, set, _ = w.whoami(t, 0, value)
				if !got.LoggedIn || got.Token == who.Token || set == "" {
					t.Fatalf("round %d, in the window: logged in %v, new token %v, Set-Cookie %v; want a refreshed session; logs:\n%s",
						round, got.LoggedIn, got.Token != who.Token, set != "", w.apps[0].logs)
				}
				if c := w.calls(); c.refresh != (mock.GrantCount{Issued: round + 1}) {
					t.Errorf("round %d: refresh grants %+v; want %d issued", round, c.refresh, round+1)
				}
				now := w.clk.Now().Truncate(time.Second) // the time of the check is in whole seconds
				if !got.Info.AccessTokenExpiresAt.Equal(ceilMs(w.clk.Now().Add(tt.ttl))) || !got.Info.UserInfoCheckedAt.Equal(now) {
					t.Errorf("round %d: expires %v, checked %v; want the new token's expiry and now (%v)", round, got.Info.AccessTokenExpiresAt, got.Info.UserInfoCheckedAt, now)
				}
				access, _ := w.tokensOf(t, 0, set)
				if access != got.Token {
					t.Errorf("round %d: the new cookie does not hold the token Info gives", round)
				}
				// The new cookie is served as is, with no further call.
				before = w.calls()
				if again, set2, _ := w.whoami(t, 0, set); !again.LoggedIn || again.Token != got.Token || set2 != "" || w.calls() != before {
					t.Errorf("round %d: the refreshed cookie: logged in %v, same token %v, Set-Cookie %v, calls %+v → %+v",
						round, again.LoggedIn, again.Token == got.Token, set2 != "", before, w.calls())
				}
				value, who = set, got
			}
			w.noSecrets(t, who.Token, value)
		})
	}
}

// TestRefreshConcurrent: requests of one session that arrive together in
// its window share one refresh; every one is served with the new token and
// sets the same session.
func TestRefreshConcurrent(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1, nil)
	value, who := w.login(t)
	w.prov.SetFaults(mock.Faults{RefreshDelay: 300 * time.Millisecond}) // the requests overlap
	w.clk.Advance(7*time.Hour + 30*time.Minute)
	const n = 20
	var wg sync.WaitGroup
	type result struct {
		who whoamiAnswer
		set string
	}
	results := make([]result, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, set, _ := w.whoami(t, 0, value)
			results[i] = result{got, set}
		}()
	}
	wg.Wait()
	if c := w.calls(); c.refresh != (mock.GrantCount{Issued: 1}) {
		t.Errorf("refresh grants %+v; want exactly one, issued", c.refresh)
	}
	token := results[0].who.Token
	for i, r := range results {
		if !r.who.LoggedIn || r.who.Token == who.Token || r.who.Token != token || r.set == "" {
			t.Errorf("request %d: logged in %v, refreshed %v, same as the others %v, Set-Cookie %v",
				i, r.who.LoggedIn, r.who.Token != who.Token, r.who.Token == token, r.set != "")
			continue
		}
		if access, _ := w.tokensOf(t, 0, r.set); access != token {
			t.Errorf("request %d set a cookie with another token", i)
		}
	}
	// A request sent with the old cookie a moment later gets the same
	// session, with no call.
	before := w.calls()
	if got, set, _ := w.whoami(t, 0, value); got.Token != token || set == "" || w.calls() != before {
		t.Errorf("late request with the old cookie: same token %v, Set-Cookie %v, calls %+v → %+v", got.Token == token, set != "", before, w.calls())
	}
}

// TestRefreshFailures: a refresh that fails (refused, a provider error, a
// provider slower than Timeout) serves the request with the current
// session, with no 5xx and no cookie change; the session ends when its
// token does. A refresh refused with invalid_grant is not tried again; a
// failed one (any other answer) is, after a short wait.
func TestRefreshFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		faults   mock.Faults
		retried  bool   // tried again once the retry time has passed
		log      string // what the log says, {host} for the provider's host
		logLevel string
		cache    int // Config.SessionCacheSize
	}{
		{"invalid_grant", mock.Faults{RefreshInvalidGrant: true}, false, "token endpoint: {host} answered 400 invalid_grant", "INFO", 0},
		{"invalid_grant, session cache off", mock.Faults{RefreshInvalidGrant: true}, false, "token endpoint: {host} answered 400 invalid_grant", "INFO", -1},
		{"status 500", mock.Faults{RefreshStatus: 500}, true, "token endpoint: {host} answered 500 server_error", "WARN", 0},
		{"status 500, session cache off", mock.Faults{RefreshStatus: 500}, true, "token endpoint: {host} answered 500 server_error", "WARN", -1},
		// A 4xx other than invalid_grant says nothing of the refresh token.
		{"status 429", mock.Faults{RefreshStatus: http.StatusTooManyRequests}, true, "token endpoint: {host} answered 429 server_error", "WARN", 0},
		{"status 401", mock.Faults{RefreshStatus: http.StatusUnauthorized}, true, "token endpoint: {host} answered 401 server_error", "WARN", 0},
		{"slower than Timeout", mock.Faults{RefreshDelay: time.Minute}, true, "token endpoint: {host} timed out", "WARN", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 1, func(c *Config) {
				c.Timeout, c.RevalidateEvery, c.SessionCacheSize = 2*time.Second, -1, tt.cache
				c.HTTPClient = &http.Client{} // no timeout of its own: Timeout alone bounds the refresh
			})
			value, who := w.login(t)
			w.prov.SetFaults(tt.faults)
			w.clk.Advance(who.Info.AccessTokenExpiresAt.Sub(w.clk.Now()) - time.Minute) // one minute left
			start := time.Now()
			got, set, f := w.whoami(t, 0, value)
			if took := time.Since(start); took > 2*time.Second+time.Second {
				t.Errorf("the request took %v; want at most Timeout (2s) and a little", took)
			}
			if !got.LoggedIn || got.Token != who.Token || set != "" || f.expired(w.name) {
				t.Fatalf("failed refresh: logged in %v, same token %v, new cookie %v, cookie expired %v; want the current session, cookie untouched",
					got.LoggedIn, got.Token == who.Token, set != "", f.expired(w.name))
			}
			host := strings.TrimPrefix(w.prov.URL, "http://")
			if line := logLine(w.apps[0].logs.String(), strings.ReplaceAll(tt.log, "{host}", host)); !strings.Contains(line, "level="+tt.logLevel) {
				t.Errorf("log lacks a %s line with %q:\n%s", tt.logLevel, tt.log, w.apps[0].logs)
			}
			// Token endpoint requests are counted as they arrive; a canceled
			// grant is counted by Grants only once the provider notices.
			tries := w.calls().token
			// Right after: no new attempt.
			w.clk.Advance(time.Second / 2)
			if got, _, _ := w.whoami(t, 0, value); !got.LoggedIn || w.calls().token != tries {
				t.Errorf("right after the failure: logged in %v, token requests %d → %d; want no new attempt", got.LoggedIn, tries, w.calls().token)
			}
			// After the retry time (a quarter of the minute left): again only
			// when the failure was not a refusal.
			w.clk.Advance(15 * time.Second)
			w.whoami(t, 0, value)
			if again := w.calls().token != tries; again != tt.retried {
				t.Errorf("after the retry time: tried again %v; want %v", again, tt.retried)
			}
			// At the token's expiry, the request is logged out. A refused
			// refresh token ends the session (its cookie is cleared); after
			// another failure the cookie is kept, for a refresh once the
			// provider is back (TestIdleProviderDown).
			w.clk.Advance(who.Info.AccessTokenExpiresAt.Sub(w.clk.Now()))
			got, _, f = w.whoami(t, 0, value)
			if got.LoggedIn || f.expired(w.name) == tt.retried {
				t.Errorf("at the token's expiry: logged in %v, cookie expired %v; want logged out, cookie expired %v", got.LoggedIn, f.expired(w.name), !tt.retried)
			}
			w.noSecrets(t, who.Token, value)
		})
	}
}

// TestRefreshRefusedThenEnds: a refresh refused with invalid_grant serves
// the session as it is for renewedGrace (30 s), with no call and no cookie,
// so that nothing from here lands after the cookie of the replica that won
// the refresh; then the session is logged out, with no call either: it is
// not revalidated back to life without its refresh token (its access token
// may outlive a logout at the provider; issue 15). Another replica that
// gets the cookie in turn has its refresh refused, and ends it the same way.
func TestRefreshRefusedThenEnds(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2, nil) // RevalidateEvery 10 minutes, the default
	value, who := w.login(t)
	w.prov.SetFaults(mock.Faults{RefreshInvalidGrant: true})
	w.clk.Advance(7*time.Hour + 30*time.Minute) // in the refresh window, and due for revalidation
	for r := range 2 {
		before := w.calls()
		if got, set, _ := w.whoami(t, r, value); !got.LoggedIn || got.Token != who.Token || set != "" || w.calls().token != before.token+1 {
			t.Fatalf("replica %d, refused refresh: logged in %v, same token %v, Set-Cookie %v, calls %+v → %+v; want the current session after one token request",
				r, got.LoggedIn, got.Token == who.Token, set != "", before, w.calls())
		}
		before = w.calls()
		w.clk.Advance(renewedGrace - time.Second)
		if got, set, _ := w.whoami(t, r, value); !got.LoggedIn || set != "" || w.calls() != before {
			t.Fatalf("replica %d, %v after the refusal: logged in %v, Set-Cookie %v, calls %+v → %+v; want the session left alone",
				r, renewedGrace-time.Second, got.LoggedIn, set != "", before, w.calls())
		}
		w.clk.Advance(time.Second)
		for _, later := range []time.Duration{0, 11 * time.Minute} {
			w.clk.Advance(later)
			got, set, f := w.whoami(t, r, value)
			if c := w.calls(); got.LoggedIn || set != "" || !f.expired(w.name) || c != before {
				t.Fatalf("replica %d, %v after the refusal: logged in %v, Set-Cookie %v, cookie expired %v, calls %+v → %+v; want logged out with no call",
					r, renewedGrace+later, got.LoggedIn, set != "", f.expired(w.name), before, c)
			}
		}
	}
	w.noSecrets(t, who.Token, value)
}

// TestRefreshAfterTransientRefusal: a token endpoint that answers a
// refresh with 429 (rate limited) or 401 (say, invalid_client while the
// client secret is rotated) says nothing of the refresh token: once the
// provider is back, the session is refreshed, instead of keeping its spent
// mark and logging an active user out when the access token ends.
func TestRefreshAfterTransientRefusal(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusTooManyRequests, http.StatusUnauthorized} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 1, func(c *Config) { c.RevalidateEvery = -1 })
			value, who := w.login(t)
			w.prov.SetFaults(mock.Faults{RefreshStatus: status})
			w.clk.Advance(7*time.Hour + 30*time.Minute)
			if got, _, _ := w.whoami(t, 0, value); !got.LoggedIn {
				t.Fatal("logged out by a failed refresh")
			}
			w.prov.SetFaults(mock.Faults{})
			w.clk.Advance(time.Minute) // past any retry delay (at most 30s)
			got, set, _ := w.whoami(t, 0, value)
			if !got.LoggedIn || set == "" || got.Token == who.Token {
				t.Errorf("a minute after a %d, with the provider back: logged in %v, refreshed %v; want the session refreshed",
					status, got.LoggedIn, set != "" && got.Token != who.Token)
			}
		})
	}
}

// TestRefreshEndsSession: a refresh whose answer cannot be trusted, or
// whose new token userinfo refuses, logs the session out.
func TestRefreshEndsSession(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		faults mock.Faults
	}{
		{"id_token for another audience", mock.Faults{WrongAudience: true}},
		{"id_token signed by an unknown key", mock.Faults{ForeignKey: true}},
		{"userinfo for another user", mock.Faults{UserinfoSub: "someone-else"}},
		{"userinfo refuses the new token", mock.Faults{UserinfoStatus: http.StatusUnauthorized}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 1, nil)
			value, _ := w.login(t)
			w.prov.SetFaults(tt.faults)
			w.clk.Advance(7*time.Hour + 30*time.Minute)
			got, _, f := w.whoami(t, 0, value)
			if got.LoggedIn || !f.expired(w.name) {
				t.Fatalf("logged in %v, cookie expired %v; want logged out; logs:\n%s", got.LoggedIn, f.expired(w.name), w.apps[0].logs)
			}
			if got, _, _ := w.whoami(t, 0, value); got.LoggedIn {
				t.Error("the cookie logged in again on the next request")
			}
		})
	}
}

// TestRefreshUserinfoDown: when userinfo fails right after a refresh, the
// new tokens are kept (the old refresh token is spent) with the user data
// as it was; the next request revalidates.
func TestRefreshUserinfoDown(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1, nil)
	value, who := w.login(t)
	w.prov.SetFaults(mock.Faults{UserinfoStatus: http.StatusBadGateway})
	w.clk.Advance(7*time.Hour + 30*time.Minute)
	got, set, _ := w.whoami(t, 0, value)
	if !got.LoggedIn || got.Token == who.Token || set == "" {
		t.Fatalf("logged in %v, new token %v, Set-Cookie %v; want the refreshed tokens kept", got.LoggedIn, got.Token != who.Token, set != "")
	}
	if !got.Info.UserInfoCheckedAt.Equal(who.Info.UserInfoCheckedAt) {
		t.Errorf("user data checked at %v; want the login's %v (userinfo failed)", got.Info.UserInfoCheckedAt, who.Info.UserInfoCheckedAt)
	}
	w.prov.SetFaults(mock.Faults{})
	before := w.calls()
	again, set2, _ := w.whoami(t, 0, set)
	if !again.LoggedIn || set2 == "" || w.calls().userinfo != before.userinfo+1 || w.calls().refresh != before.refresh {
		t.Errorf("next request: logged in %v, Set-Cookie %v, calls %+v → %+v; want one userinfo call and no refresh", again.LoggedIn, set2 != "", before, w.calls())
	}
}

// TestReplicasRefresh is issue 11's race: three replicas get requests of
// one session in its refresh window at once. One refresh succeeds at the
// provider, the others are refused (refresh tokens are single-use); every
// request is served logged in; and whichever Set-Cookie the browser applies
// last, it ends with a cookie every replica accepts, holding the live tokens.
func TestReplicasRefresh(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3, nil)
	value, who := w.login(t)
	w.prov.SetFaults(mock.Faults{RefreshDelay: 200 * time.Millisecond}) // all three refresh at once
	w.clk.Advance(7*time.Hour + 30*time.Minute)
	const perReplica = 4
	type result struct {
		who     whoamiAnswer
		set     string
		cleared bool
		status  int
	}
	results := make([]result, 3*perReplica)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, set, f := w.whoami(t, i%3, value)
			results[i] = result{got, set, f.expired(w.name), f.StatusCode}
		}()
	}
	wg.Wait()
	if c := w.calls(); c.refresh != (mock.GrantCount{Issued: 1, Refused: 2}) {
		t.Errorf("refresh grants %+v; want one issued and two refused", c.refresh)
	}
	var sets []string
	for i, r := range results {
		if !r.who.LoggedIn || r.cleared {
			t.Errorf("request %d on replica %d: logged in %v, cookie cleared %v; want served logged in", i, i%3, r.who.LoggedIn, r.cleared)
		}
		if r.set != "" {
			sets = append(sets, r.set)
		}
	}
	if len(sets) == 0 {
		t.Fatal("no answer carried the refreshed session")
	}
	// Whichever Set-Cookie comes last is the browser's cookie: each must be
	// accepted everywhere, hold live tokens, and need no further call.
	for i, set := range sets {
		access, refresh := w.tokensOf(t, 0, set)
		if access == who.Token {
			t.Errorf("Set-Cookie %d holds the old access token", i)
		}
		for r := range 3 {
			before := w.calls()
			got, again, _ := w.whoami(t, r, set)
			if !got.LoggedIn || got.Token != access || again != "" || w.calls() != before {
				t.Errorf("Set-Cookie %d on replica %d: logged in %v, its token %v, Set-Cookie %v, calls %+v → %+v",
					i, r, got.LoggedIn, got.Token == access, again != "", before, w.calls())
			}
		}
		if i == 0 { // the refresh token it holds is the live one
			if err := checkRefreshToken(w, refresh); err != nil {
				t.Errorf("the refreshed session's refresh token: %v", err)
			}
		}
	}
	w.noSecrets(t, append(sets, who.Token, value)...)
}

// TestRefreshTokenSealed: the cookie carries the refresh token sealed
// under its own key: not readable from the cookie, and not openable as an
// access token.
func TestRefreshTokenSealed(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1, nil)
	value, _ := w.login(t)
	_, refresh := w.tokensOf(t, 0, value)
	if !strings.HasPrefix(refresh, "hf_oauth_refresh_") {
		t.Fatalf("the session holds no refresh token")
	}
	secret := strings.TrimPrefix(refresh, "hf_oauth_refresh_")
	for _, part := range strings.Split(value, ".") {
		if payload, err := decodeSeg(part); strings.Contains(part, secret) || err == nil && strings.Contains(payload, secret) {
			t.Fatal("the cookie carries the refresh token in clear")
		}
	}
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Cookie", w.name+"="+value)
	s, err := w.apps[0].oauth.sessions.Load(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.apps[0].oauth.sealer.Open(s.Refresh); err == nil {
		t.Error("the access token's key opens the sealed refresh token")
	}
	if _, err := w.apps[0].oauth.refreshSealer.Open(s.Token); err == nil {
		t.Error("the refresh token's key opens the sealed access token")
	}
}

// checkRefreshToken reports whether the provider accepts rt, using it up.
func checkRefreshToken(w *world, rt string) error {
	form := fmt.Sprintf("grant_type=refresh_token&refresh_token=%s&client_id=%s&client_secret=%s", rt, mock.TestClientID, mock.TestClientSecret)
	res, err := http.Post(w.prov.URL+mock.PathToken, "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("token endpoint answered %d", res.StatusCode)
	}
	return nil
}

// answerRewriter is a transport that, once on, replaces the provider's
// answers on one path with what edit makes of them, sent as typ when set.
type answerRewriter struct {
	path string
	edit func(status int, body []byte) (int, []byte)
	typ  string // the Content-Type of the answers it rewrites; "" keeps the provider's
	on   atomic.Bool
}

func (a *answerRewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !a.on.Load() || r.URL.Path != a.path {
		return res, err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.StatusCode, body = a.edit(res.StatusCode, body)
	res.Body = io.NopCloser(bytes.NewReader(body))
	res.ContentLength = int64(len(body))
	res.Header.Del("Content-Length")
	if a.typ != "" {
		res.Header.Set("Content-Type", a.typ)
	}
	return res, nil
}

// TestRefreshHostileAnswers: whatever the provider answers a refresh, the
// request is never a 5xx; an answer that cannot be used keeps the current
// session (or the new tokens, once the provider has issued them), and one
// that cannot be trusted logs the session out.
func TestRefreshHostileAnswers(t *testing.T) {
	t.Parallel()
	replace := func(status int, body string) func(int, []byte) (int, []byte) {
		return func(int, []byte) (int, []byte) { return status, []byte(body) }
	}
	field := func(name string, v any) func(int, []byte) (int, []byte) {
		return func(status int, body []byte) (int, []byte) {
			var m map[string]any
			_ = json.Unmarshal(body, &m)
			m[name] = v
			b, _ := json.Marshal(m)
			return status, b
		}
	}
	tests := []struct {
		name string
		path string
		edit func(int, []byte) (int, []byte)
		want string // "current", "refreshed", "kept" (new token, old user data) or "out"
	}{
		{"token: not JSON", mock.PathToken, replace(200, "<html>"), "current"},
		{"token: no access_token", mock.PathToken, replace(200, `{"token_type":"bearer","expires_in":3600}`), "current"},
		{"token: invalid_client", mock.PathToken, replace(401, `{"error":"invalid_client"}`), "current"},
		{"token: 200 with an error", mock.PathToken, replace(200, `{"error":"server_error"}`), "current"},
		{"token: expires_in a string", mock.PathToken, field("expires_in", "soon"), "current"},
		{"token: huge expires_in", mock.PathToken, field("expires_in", 1e15), "refreshed"},
		{"token: id_token garbage", mock.PathToken, field("id_token", "not.a.jwt"), "out"},
		{"token: id_token a number", mock.PathToken, field("id_token", 42), "refreshed"},
		{"userinfo: a list", mock.PathUserinfo, replace(200, `[1,2]`), "kept"},
		{"userinfo: 1 MiB and more", mock.PathUserinfo, replace(200, `{"sub":"`+strings.Repeat("x", maxDocSize)+`"}`), "kept"},
		{"userinfo: another sub", mock.PathUserinfo, field("sub", "someone-else"), "out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rw := &answerRewriter{path: tt.path, edit: tt.edit}
			w := newWorld(t, 1, func(c *Config) { c.HTTPClient = &http.Client{Transport: rw, Timeout: 10 * time.Second} })
			value, who := w.login(t)
			rw.on.Store(true)
			w.clk.Advance(7*time.Hour + 30*time.Minute)
			got, set, f := w.whoami(t, 0, value)
			var state string
			switch {
			case !got.LoggedIn && f.expired(w.name):
				state = "out"
			case got.LoggedIn && got.Token == who.Token && set == "":
				state = "current"
			case got.LoggedIn && got.Token != who.Token && set != "" && got.Info.UserInfoCheckedAt.Equal(who.Info.UserInfoCheckedAt):
				state = "kept"
			case got.LoggedIn && got.Token != who.Token && set != "":
				state = "refreshed"
			default:
				state = fmt.Sprintf("logged in %v, new token %v, new cookie %v", got.LoggedIn, got.Token != who.Token, set != "")
			}
			if state != tt.want {
				t.Errorf("after the refresh: %s; want %s; logs:\n%s", state, tt.want, w.apps[0].logs)
			}
			w.noSecrets(t, who.Token, value)
		})
	}
}
