package hfauth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// logoutWith GETs logout on replica i with the session cookie value.
func (w *world) logoutWith(t testing.TB, i int, value string) {
	t.Helper()
	f := w.get(t, i, LogoutPath, value)
	if f.StatusCode != http.StatusFound || !f.expired(w.name) {
		t.Fatalf("logout = %d, cookie expired %v; want 302 and the cookie expired", f.StatusCode, f.expired(w.name))
	}
}

// TestLogoutRevokes: logout revokes the session's refresh token, then its
// access token, at the provider's revocation endpoint: a copy of the
// cookie is logged out at once on the replica that logged out (B here,
// which login did not touch), and on the others (A, which has the session
// cached) at their next revalidation; the tokens are dead at the provider.
func TestLogoutRevokes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		faults mock.Faults // client_secret_post: the revocation authenticates as the token endpoint does
		cached bool        // the replica served the cookie before logout
		skip   bool        // Auth's Skipper skips logout: logout reads the cookie itself
		cache  int         // Config.SessionCacheSize
	}{
		{"client_secret_basic", mock.Faults{}, false, false, 0},
		{"client_secret_basic, cached", mock.Faults{}, true, false, 0},
		{"client_secret_basic, Auth skips logout", mock.Faults{}, false, true, 0},
		{"client_secret_basic, session cache off", mock.Faults{}, true, false, -1},
		{"client_secret_post", mock.Faults{TokenAuthPost: true}, false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 2, func(c *Config) {
				c.SessionCacheSize = tt.cache
				if tt.skip {
					c.Skipper = func(r *http.Request) bool { return r.URL.Path == LogoutPath }
				}
			})
			w.prov.SetFaults(tt.faults)
			value, _ := w.login(t)
			access, refresh := w.tokensOf(t, 0, value)
			if tt.cached {
				w.whoami(t, 1, value)
			}
			before := w.calls()
			w.logoutWith(t, 1, value)
			if c := w.calls(); c.revoke != before.revoke+2 {
				t.Fatalf("revocation requests %d → %d; want 2 (refresh and access token); logs:\n%s", before.revoke, c.revoke, w.apps[1].logs)
			}
			if got, _, f := w.whoami(t, 1, value); got.LoggedIn || !f.expired(w.name) {
				t.Errorf("a copy of the cookie on the replica that logged out: logged in %v; want logged out at once", got.LoggedIn)
			}
			if got, _, _ := w.whoami(t, 0, value); !got.LoggedIn {
				t.Errorf("a copy of the cookie on another replica before its revalidation: logged out; want logged in from the cookie")
			}
			w.clk.Advance(10 * time.Minute)
			if got, _, f := w.whoami(t, 0, value); got.LoggedIn || !f.expired(w.name) {
				t.Errorf("a copy of the cookie on another replica at its revalidation: logged in %v; want logged out", got.LoggedIn)
			}
			if err := checkRefreshToken(w, refresh); err == nil {
				t.Error("the refresh token still works after logout")
			}
			if userinfoStatus(t, w.prov, access) != http.StatusUnauthorized {
				t.Error("the access token still works after logout")
			}
			w.noSecrets(t, access, refresh, value)
		})
	}
}

// userinfoStatus is the status userinfo answers for the access token tok.
func userinfoStatus(t testing.TB, prov *mock.Server, tok string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, prov.URL+mock.PathUserinfo, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestLogoutRevocationBestEffort: a revocation endpoint that is slow,
// failing or missing never fails logout or makes it wait beyond its bound;
// a failure is logged with the provider's host and what went wrong.
func TestLogoutRevocationBestEffort(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		faults   mock.Faults
		timeout  time.Duration
		wait     time.Duration // logout's bound
		requests int           // revocation requests made (none after a timeout)
		log      string        // {host} for the provider's host
	}{
		{"slow", mock.Faults{RevokeDelay: time.Minute}, 10 * time.Second, revokeWait, 1, ""},
		{"slow, short Timeout", mock.Faults{RevokeDelay: time.Minute}, time.Second, time.Second, 1, "revocation: {host} timed out"},
		{"failing", mock.Faults{RevokeStatus: http.StatusServiceUnavailable}, 10 * time.Second, revokeWait, 2, "revocation: {host} answered 503"},
		{"not announced", mock.Faults{NoRevocationEndpoint: true}, 10 * time.Second, revokeWait, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 1, func(c *Config) { c.Timeout = max(tt.timeout, 3*time.Second) })
			w.prov.SetFaults(tt.faults) // before discovery, which NoRevocationEndpoint changes
			value, _ := w.login(t)
			w.apps[0].oauth.cfg.Timeout = tt.timeout // after the login, which a loaded machine may need 3s for
			before := w.calls()
			start := time.Now()
			w.logoutWith(t, 0, value)
			if took := time.Since(start); took > tt.wait+time.Second {
				t.Errorf("logout took %v; want at most %v and a little", took, tt.wait)
			}
			if tt.log != "" {
				want := strings.ReplaceAll(tt.log, "{host}", strings.TrimPrefix(w.prov.URL, "http://"))
				deadline := time.Now().Add(5 * time.Second) // the revocation ends after logout answered
				for logLine(w.apps[0].logs.String(), want) == "" && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
				if line := logLine(w.apps[0].logs.String(), want); !strings.Contains(line, "level=WARN") {
					t.Errorf("no WARN line with %q:\n%s", want, w.apps[0].logs)
				}
			}
			if n := w.calls().revoke - before.revoke; n != tt.requests {
				t.Errorf("%d revocation requests; want %d", n, tt.requests)
			}
		})
	}
}

// TestLogoutInRefreshWindow: a logout that comes in the session's refresh
// window does not refresh it first (its answer clears the cookie): it
// revokes the tokens the cookie holds, which are the live ones.
func TestLogoutInRefreshWindow(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1, nil)
	value, _ := w.login(t)
	access, refresh := w.tokensOf(t, 0, value)
	w.clk.Advance(7*time.Hour + 30*time.Minute)
	before := w.calls()
	w.logoutWith(t, 0, value)
	if c := w.calls(); c.token != before.token || c.revoke != before.revoke+2 {
		t.Errorf("calls %+v → %+v; want no refresh and two revocations", before, c)
	}
	if userinfoStatus(t, w.prov, access) != http.StatusUnauthorized {
		t.Error("the access token still works after logout")
	}
	if err := checkRefreshToken(w, refresh); err == nil {
		t.Error("the refresh token still works after logout")
	}
}

// TestRevocationEndpointUnusable: a revocation_endpoint that is not an
// http(s) URL, or is http for an https provider, is ignored with a warning
// at discovery: logout then revokes nothing and still works.
func TestRevocationEndpointUnusable(t *testing.T) {
	t.Parallel()
	prov := wrappedProvider(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != mock.PathDiscovery {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var doc map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				t.Error(err)
			}
			doc["revocation_endpoint"] = "javascript:alert(1)"
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(doc)
		})
	})
	a := newApp(t, realConfig(prov))
	b := newBrowser(t)
	b.mustLogin(t, a)
	before := prov.Requests(mock.EndpointRevoke)
	if f := fetch(t, b.noRedirect(), a.URL+LogoutPath); f.StatusCode != http.StatusFound {
		t.Errorf("logout = %d; want 302", f.StatusCode)
	}
	if b.whoami(t, a.URL).LoggedIn {
		t.Error("logged in after logout")
	}
	if n := prov.Requests(mock.EndpointRevoke) - before; n != 0 || logLine(a.logs.String(), "could not revoke") != "" {
		t.Errorf("%d revocation requests, log:\n%s\nwant none attempted", n, a.logs)
	}
	if line := logLine(a.logs.String(), "unusable revocation_endpoint"); !strings.Contains(line, "level=WARN") {
		t.Errorf("no warning about the revocation_endpoint:\n%s", a.logs)
	}
}

// TestLogoutDuringRefresh: a logout sent with the cookie of a session that
// the same replica is refreshing (or has just refreshed) for another request
// of the page also ends the refreshed session, whose cookie may reach the
// browser after logout's answer: this replica refuses it at once, its
// tokens are revoked, and other replicas refuse it at their revalidation.
// (A refresh under way may also lose to the revocation of its refresh
// token, and then gives no cookie at all.)
func TestLogoutDuringRefresh(t *testing.T) {
	t.Parallel()
	for _, inFlight := range []bool{true, false} {
		t.Run(fmt.Sprintf("in flight %v", inFlight), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 2, nil)
			value, _ := w.login(t)
			w.clk.Advance(7*time.Hour + 30*time.Minute)
			if inFlight {
				w.prov.SetFaults(mock.Faults{RefreshDelay: 500 * time.Millisecond})
			}
			before := w.calls()
			refreshed := make(chan string, 1)
			go func() {
				_, set, _ := w.whoami(t, 0, value)
				refreshed <- set
			}()
			var set string
			if inFlight {
				for w.calls().token == before.token { // the refresh has reached the provider
					time.Sleep(5 * time.Millisecond)
				}
			} else {
				set = <-refreshed
			}
			w.logoutWith(t, 0, value)
			if inFlight {
				set = <-refreshed
			}
			if set == "" {
				if !inFlight {
					t.Fatal("the other request got no refreshed session")
				}
				return // the refresh lost to the revocation: nothing reached the browser
			}
			if got, _, f := w.whoami(t, 0, set); got.LoggedIn || !f.expired(w.name) {
				t.Errorf("the refreshed cookie on the replica that logged out: logged in %v; want logged out", got.LoggedIn)
			}
			access, refresh := w.tokensOf(t, 1, set)
			if userinfoStatus(t, w.prov, access) != http.StatusUnauthorized {
				t.Error("the refreshed access token still works after logout")
			}
			if err := checkRefreshToken(w, refresh); err == nil {
				t.Error("the refreshed refresh token still works after logout")
			}
			w.clk.Advance(10 * time.Minute)
			if got, _, _ := w.whoami(t, 1, set); got.LoggedIn {
				t.Error("the refreshed cookie on another replica at its revalidation: logged in; want logged out")
			}
		})
	}
}

// TestLogoutEndsReplacedCookie: a session renewed on a replica (a
// revalidation or a refresh), then logged out there with its new cookie,
// stays logged out on that replica for the cookie it replaced too. That
// cookie (one the page sent before the new cookie arrived, or a stolen
// copy) would otherwise be handed the renewed session, and its cookie,
// for renewedGrace after logout, and the cookie it set would pass on the
// other replicas until their next revalidation.
func TestLogoutEndsReplacedCookie(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		advance time.Duration
	}{
		{"after a revalidation", 11 * time.Minute},
		{"after a refresh", 7*time.Hour + 30*time.Minute},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 2, nil)
			old, _ := w.login(t)
			w.clk.Advance(tt.advance)
			_, renewed, _ := w.whoami(t, 0, old)
			if renewed == "" {
				t.Fatal("no renewed cookie")
			}
			w.logoutWith(t, 0, renewed)
			w.clk.Advance(time.Second)
			got, set, f := w.whoami(t, 0, old)
			if got.LoggedIn || set != "" || !f.expired(w.name) {
				t.Errorf("the replaced cookie on the replica that logged out, a second after logout: logged in %v, sets a session cookie %v, expires it %v; want logged out",
					got.LoggedIn, set != "", f.expired(w.name))
			}
			if set != "" {
				if got, _, _ := w.whoami(t, 1, set); got.LoggedIn {
					t.Errorf("the cookie set after logout is accepted by the other replica")
				}
			}
		})
	}
}
