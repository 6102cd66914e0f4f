package hfauth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// member is a user of the mock provider in the organizations orgs, with
// role ("" for none).
func member(name, role string, orgs ...string) mock.User {
	u := mock.NewUser(name)
	u.Orgs = []mock.Org{}
	for _, o := range orgs {
		org := mock.NewOrg(o)
		org.RoleInOrg = role
		u.Orgs = append(u.Orgs, org)
	}
	return u
}

// TestRevalidateOrgChanges: org and role changes at the provider reach
// the guards once the session's user data is RevalidateEvery old, not
// before, and with no call before.
func TestRevalidateOrgChanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		before     mock.User
		after      mock.User
		path       string
		was, isNow int
	}{
		{"removed from the org", member("ada", "write", "acme"), member("ada", "write", "beta"), "/g/org", 200, 403},
		{"added to the org", member("ada", "write", "beta"), member("ada", "write", "acme"), "/g/org", 403, 200},
		{"demoted", member("ada", "write", "acme"), member("ada", "read", "acme"), "/g/write", 200, 403},
		{"promoted", member("ada", "read", "acme"), member("ada", "admin", "acme"), "/g/admin", 403, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 1, nil)
			w.prov.AddUser(tt.before)
			setUser(t, w.prov, "ada")
			value, _ := w.login(t)
			if f := w.get(t, 0, tt.path, value); f.StatusCode != tt.was {
				t.Fatalf("GET %s after login = %d; want %d", tt.path, f.StatusCode, tt.was)
			}
			w.prov.AddUser(tt.after)
			w.clk.Advance(10*time.Minute - time.Second)
			before := w.calls()
			if f := w.get(t, 0, tt.path, value); f.StatusCode != tt.was || w.calls() != before || f.sessionSet(w.name) != "" {
				t.Fatalf("GET %s before RevalidateEvery = %d, calls %+v → %+v; want %d from the cookie, no call", tt.path, f.StatusCode, before, w.calls(), tt.was)
			}
			w.clk.Advance(time.Second)
			f := w.get(t, 0, tt.path, value)
			if f.StatusCode != tt.isNow {
				t.Fatalf("GET %s after RevalidateEvery = %d %s; want %d; logs:\n%s", tt.path, f.StatusCode, f.body, tt.isNow, w.apps[0].logs)
			}
			if c := w.calls(); c.userinfo != before.userinfo+1 || c.token != before.token {
				t.Errorf("calls %+v → %+v; want one userinfo call and nothing else", before, c)
			}
			set := f.sessionSet(w.name)
			if set == "" {
				t.Fatal("the revalidated session was not re-minted")
			}
			got, _, _ := w.whoami(t, 0, set)
			if !got.Info.UserInfoCheckedAt.Equal(w.clk.Now().Truncate(time.Second)) {
				t.Errorf("user_info_checked_at = %v; want now", got.Info.UserInfoCheckedAt)
			}
			if len(got.Info.UserInfo.Orgs) != 1 || got.Info.UserInfo.Orgs[0].PreferredUsername != tt.after.Orgs[0].PreferredUsername {
				t.Errorf("orgs after revalidation: %+v; want %s only", got.Info.UserInfo.Orgs, tt.after.Orgs[0].PreferredUsername)
			}
		})
	}
}

// TestRevalidateRevoked: once the provider refuses the access token
// (revoked: userinfo answers 401), the next revalidation logs the session
// out and expires its cookie, on every replica.
func TestRevalidateRevoked(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2, nil)
	value, _ := w.login(t)
	access, _ := w.tokensOf(t, 0, value)
	revokeAt(t, w.prov, access)
	w.clk.Advance(5 * time.Minute)
	if got, _, _ := w.whoami(t, 1, value); !got.LoggedIn {
		t.Fatal("logged out before the revalidation was due")
	}
	w.clk.Advance(5 * time.Minute)
	for r := range 2 {
		got, set, f := w.whoami(t, r, value)
		if got.LoggedIn || set != "" || !f.expired(w.name) {
			t.Errorf("replica %d: logged in %v, cookie expired %v; want logged out", r, got.LoggedIn, f.expired(w.name))
		}
	}
	if line := logLine(w.apps[0].logs.String(), "session ended"); !strings.Contains(line, "level=INFO") {
		t.Errorf("no log line for the ended session:\n%s", w.apps[0].logs)
	}
	w.noSecrets(t, access, value)
}

// revokeAt revokes tok at the provider, as a user revoking the app's
// access from their Hugging Face settings would.
func revokeAt(t testing.TB, prov *mock.Server, tok string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, prov.URL+mock.PathRevoke, strings.NewReader("token="+tok))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(mock.TestClientID, mock.TestClientSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
}

// TestRevalidateTravels: the time of the last check travels in the
// cookie: a replica that gets the re-minted cookie does not check again,
// while the old cookie, not yet checked, would be.
func TestRevalidateTravels(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2, nil)
	value, _ := w.login(t)
	w.clk.Advance(11 * time.Minute)
	before := w.calls()
	_, set, _ := w.whoami(t, 0, value)
	if set == "" || w.calls().userinfo != before.userinfo+1 {
		t.Fatalf("replica A: Set-Cookie %v, calls %+v → %+v; want one revalidation", set != "", before, w.calls())
	}
	before = w.calls()
	if got, again, _ := w.whoami(t, 1, set); !got.LoggedIn || again != "" || w.calls() != before {
		t.Errorf("replica B with A's cookie: logged in %v, Set-Cookie %v, calls %+v → %+v; want no call", got.LoggedIn, again != "", before, w.calls())
	}
	if _, again, _ := w.whoami(t, 1, value); again == "" || w.calls().userinfo != before.userinfo+1 {
		t.Errorf("replica B with the old cookie: Set-Cookie %v, calls %+v → %+v; want its own revalidation", again != "", before, w.calls())
	}
	w.clk.Advance(10 * time.Minute)
	before = w.calls()
	if _, again, _ := w.whoami(t, 1, set); again == "" || w.calls().userinfo != before.userinfo+1 {
		t.Errorf("A's cookie, RevalidateEvery later: Set-Cookie %v, calls %+v → %+v; want a revalidation", again != "", before, w.calls())
	}
}

// TestRevalidateFailure: when userinfo fails (not with 401 or 403, which
// refuse the token: TestRevalidateRefusedStatus), the request is served
// with the session as it is, no 5xx, no new cookie, and the check is tried
// again a little later, not on every request.
func TestRevalidateFailure(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusTooManyRequests} {
		w := newWorld(t, 1, nil)
		value, who := w.login(t)
		w.prov.SetFaults(mock.Faults{UserinfoStatus: status})
		w.clk.Advance(11 * time.Minute)
		before := w.calls()
		got, set, f := w.whoami(t, 0, value)
		if !got.LoggedIn || got.Token != who.Token || set != "" || f.expired(w.name) || w.calls().userinfo != before.userinfo+1 {
			t.Fatalf("userinfo %d: logged in %v, new cookie %v, cookie expired %v, calls %+v → %+v; want the session as it is, after one call",
				status, got.LoggedIn, set != "", f.expired(w.name), before, w.calls())
		}
		w.whoami(t, 0, value)
		w.clk.Advance(29 * time.Second)
		w.whoami(t, 0, value)
		if n := w.calls().userinfo - before.userinfo; n != 1 {
			t.Errorf("userinfo %d: %d calls within 30s; want 1", status, n)
		}
		w.clk.Advance(time.Second)
		w.prov.SetFaults(mock.Faults{})
		if _, set, _ := w.whoami(t, 0, value); set == "" || w.calls().userinfo-before.userinfo != 2 {
			t.Errorf("userinfo %d: after 30s, Set-Cookie %v and %d calls; want the retry to succeed", status, set != "", w.calls().userinfo-before.userinfo)
		}
	}
}

// TestNoRenewalWhenOff: with refresh and revalidation off, and in mock
// mode (no provider to ask), a session is served from its cookie until its
// token ends, with no call and no new cookie.
func TestNoRenewalWhenOff(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1, func(c *Config) { c.RefreshBefore, c.RevalidateEvery = -1, -1 })
	value, who := w.login(t)
	w.clk.Advance(7*time.Hour + 59*time.Minute)
	before := w.calls()
	if got, set, _ := w.whoami(t, 0, value); !got.LoggedIn || got.Token != who.Token || set != "" || w.calls() != before {
		t.Errorf("real mode, both off: logged in %v, Set-Cookie %v, calls %+v → %+v", got.LoggedIn, set != "", before, w.calls())
	}

	clk := stoppedClock()
	m := newApp(t, Config{Mode: ModeMock, Now: clk.Now, Logger: discardLogger()})
	mv := sessionValue(t, m)
	clk.Advance(7*time.Hour + 59*time.Minute)
	f := withCookie(t, m.URL+"/whoami", m.oauth.sessions.Name(), mv)
	if !strings.Contains(f.body, `"logged_in":true`) || f.sessionSet(m.oauth.sessions.Name()) != "" {
		t.Errorf("mock mode: %s, Set-Cookie %q; want logged in from the cookie", f.body, f.Header.Values("Set-Cookie"))
	}
	if !strings.Contains(f.body, `"user_info_checked_at":"`) {
		t.Errorf("mock mode: %s; want user_info_checked_at (the login's time)", f.body)
	}
}

// TestRevalidateOldSession: a session minted before sessions said when
// their user data was checked (and with no refresh token) is revalidated
// by its first request, then goes on as any other.
func TestRevalidateOldSession(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1, nil)
	_, who := w.login(t)
	o := w.apps[0].oauth
	sealed, err := o.sealer.Seal([]byte(who.Token))
	if err != nil {
		t.Fatal(err)
	}
	old := &session{Token: sealed, Expires: who.Info.AccessTokenExpiresAt.Unix(), Scope: who.Info.Scope, State: who.Info.State, User: who.Info.UserInfo}
	rec := httptest.NewRecorder()
	if err := o.sessions.Save(rec, nil, old, who.Info.AccessTokenExpiresAt); err != nil {
		t.Fatal(err)
	}
	value := fetched{Response: rec.Result()}.sessionSet(w.name)
	before := w.calls()
	got, set, _ := w.whoami(t, 0, value)
	if !got.LoggedIn || set == "" || w.calls().userinfo != before.userinfo+1 || !got.Info.UserInfoCheckedAt.Equal(w.clk.Now().Truncate(time.Second)) {
		t.Fatalf("old session: logged in %v, new cookie %v, calls %+v → %+v, checked %v; want revalidated now",
			got.LoggedIn, set != "", before, w.calls(), got.Info.UserInfoCheckedAt)
	}
	before = w.calls()
	if got, again, _ := w.whoami(t, 0, set); !got.LoggedIn || again != "" || w.calls() != before {
		t.Errorf("revalidated session: logged in %v, new cookie %v, calls %+v → %+v; want served from the cookie", got.LoggedIn, again != "", before, w.calls())
	}
}

// TestRenewFillsUserinfoGaps: fields a userinfo answer leaves out are
// filled, when a session is renewed, from the id_token of a refresh (the
// provider's data as it is now), else from the session as it was: Info
// never loses them.
func TestRenewFillsUserinfoGaps(t *testing.T) {
	t.Parallel()
	old := mock.DefaultUser()
	renamed := mock.DefaultUser()
	renamed.Name, renamed.Email = "Mock User Renamed", "renamed@example.com"
	tests := []struct {
		name      string
		advance   time.Duration // to the renewal
		renamed   bool          // the provider changes the user's name and email first
		noIDToken bool          // the refresh answer carries no id_token
		want      mock.User
	}{
		{"revalidation", 10 * time.Minute, false, false, old},
		{"refresh after a rename", 7*time.Hour + 30*time.Minute, true, false, renamed},
		{"refresh without an id_token", 7*time.Hour + 30*time.Minute, false, true, old},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rw := &answerRewriter{path: mock.PathToken, edit: func(status int, body []byte) (int, []byte) {
				var m map[string]any
				_ = json.Unmarshal(body, &m)
				delete(m, "id_token")
				b, _ := json.Marshal(m)
				return status, b
			}}
			w := newWorld(t, 1, func(c *Config) { c.HTTPClient = &http.Client{Transport: rw, Timeout: 10 * time.Second} })
			value, who := w.login(t)
			if who.Info.UserInfo.Name != old.Name || deref(who.Info.UserInfo.Email) != old.Email {
				t.Fatalf("after login: name %q, email %q; want %q, %q", who.Info.UserInfo.Name, deref(who.Info.UserInfo.Email), old.Name, old.Email)
			}
			if tt.renamed {
				w.prov.AddUser(renamed)
			}
			rw.on.Store(tt.noIDToken)
			w.prov.SetFaults(mock.Faults{UserinfoOmit: "name email"})
			w.clk.Advance(tt.advance)
			before := w.calls()
			_, set, _ := w.whoami(t, 0, value)
			if set == "" || w.calls().userinfo != before.userinfo+1 {
				t.Fatalf("Set-Cookie %v, calls %+v → %+v; want a renewal that read userinfo; logs:\n%s", set != "", before, w.calls(), w.apps[0].logs)
			}
			got, _, _ := w.whoami(t, 0, set)
			if !got.LoggedIn || !got.Info.UserInfoCheckedAt.Equal(w.clk.Now().Truncate(time.Second)) {
				t.Fatalf("the renewed cookie: logged in %v, checked at %v; want checked now", got.LoggedIn, got.Info.UserInfoCheckedAt)
			}
			if u := got.Info.UserInfo; u.Name != tt.want.Name || deref(u.Email) != tt.want.Email {
				t.Errorf("renewed: name %q, email %q; want %q, %q", u.Name, deref(u.Email), tt.want.Name, tt.want.Email)
			}
		})
	}
}

// TestRevalidateRefusedStatus: userinfo refusing the access token ends the
// session at revalidation, whether it says so with 401 or, as zitadel's
// OP does for a revoked token, 403; a provider error keeps the session.
func TestRevalidateRefusedStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status   int
		loggedIn bool
	}{
		{http.StatusUnauthorized, false},
		{http.StatusForbidden, false},
		{http.StatusInternalServerError, true},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 1, nil)
			value, _ := w.login(t)
			w.prov.SetFaults(mock.Faults{UserinfoStatus: tt.status})
			w.clk.Advance(10 * time.Minute)
			got, _, f := w.whoami(t, 0, value)
			if got.LoggedIn != tt.loggedIn {
				t.Fatalf("userinfo %d at revalidation: logged in %v; want %v", tt.status, got.LoggedIn, tt.loggedIn)
			}
			if !tt.loggedIn && !f.expired(w.name) {
				t.Errorf("userinfo %d: the session cookie was not expired", tt.status)
			}
		})
	}
}
