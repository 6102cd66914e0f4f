package interop

// This file holds the flows run against zitadel/oidc's example OP:
// sign-in across replicas, refresh in the window and after an idle spell,
// logout revoking at /revoke, and a token revoked at the OP.

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/echohf/echohf/hfauth"
)

// replicas serves three replicas built from one Config: the callback
// registered at the OP lands on the second, so a sign-in started on the
// first completes there, and the third only ever sees its cookie.
func replicas(t *testing.T, accessTTL time.Duration, tune func(*hfauth.Config), scopes ...string) (*zitadelOP, [3]*replica) {
	t.Helper()
	ln := listen(t)
	z := startZitadel(t, accessTTL, callbackURL(ln))
	cfg := z.config(callbackURL(ln), scopes...)
	if tune != nil {
		tune(&cfg)
	}
	r := [3]*replica{newReplica(t, cfg, nil), newReplica(t, cfg, ln), newReplica(t, cfg, nil)}
	t.Cleanup(func() {
		for _, x := range r {
			noSecrets(t, x.logs.String(), z.secrets()...)
		}
	})
	return z, r
}

// TestZitadelSignInReplicas: a sign-in through the OP's login form,
// started on replica A, completes on B (the registered callback), and the
// cookie B minted is accepted by A, B and C alike, with the user's
// profile from the OP's userinfo and id_token.
func TestZitadelSignInReplicas(t *testing.T) {
	z, r := replicas(t, 0, nil)
	b := newBrowser(t)
	z.signIn(t, b, r[0])
	var onB bool
	for _, u := range b.trail() {
		onB = onB || strings.HasPrefix(u, r[1].URL+hfauth.CallbackPath)
		if strings.HasPrefix(u, r[0].URL+hfauth.CallbackPath) || strings.HasPrefix(u, r[2].URL+hfauth.CallbackPath) {
			t.Errorf("the callback landed on a replica other than B: %s", u)
		}
	}
	if !onB {
		t.Fatalf("the callback never reached B: %v", b.trail())
	}
	var token string
	for i, x := range r {
		w := b.whoami(t, x)
		z.signedIn(t, "replica "+"ABC"[i:i+1], w)
		if token == "" {
			token = w.Token
		} else if w.Token != token {
			t.Errorf("replica %s serves another access token", "ABC"[i:i+1])
		}
		// Hugging Face's profile has a picture and orgs; this OP sends
		// neither, and echohf leaves them empty rather than failing.
		if w.Picture != "" || w.Orgs {
			t.Errorf("replica %s: picture %q, orgs known %v; the OP sends neither", "ABC"[i:i+1], w.Picture, w.Orgs)
		}
	}
	if n := len(z.store.grants()); n != 1 {
		t.Errorf("the OP issued %d access tokens; want 1 (a replica went back to it)", n)
	}
}

// TestZitadelRefresh: with offline_access the OP issues a refresh token;
// a request in the refresh window (on C, a replica that did not mint the
// cookie) refreshes the session once, the other replicas accept the
// cookie C minted without going to the OP, and a second refresh, in the
// next window, works with the rotated refresh token the first one
// brought (the OP retires each refresh token when it is used).
func TestZitadelRefresh(t *testing.T) {
	clk := &clock{}
	// 10 s tokens, which the OP announces as expires_in 9 (it rounds down);
	// the window is then the last 4 s.
	z, r := replicas(t, 10*time.Second, func(c *hfauth.Config) {
		c.Now, c.RefreshBefore, c.RevalidateEvery = clk.Now, 4*time.Second, -1
	}, "offline_access")
	b := newBrowser(t)
	z.signIn(t, b, r[0])
	w0 := b.whoami(t, r[0])
	z.signedIn(t, "after sign-in", w0)
	if !strings.Contains(" "+w0.Scope+" ", " offline_access ") {
		t.Errorf("scope %q; want offline_access granted", w0.Scope)
	}
	if left := time.Until(w0.Expires); left > 9*time.Second || left < 6*time.Second {
		t.Errorf("the token ends in %v; want about 9 s (the OP's expires_in for a 10 s token)", left)
	}
	first := z.lastGrant(t)
	if first.refresh == "" {
		t.Fatal("the OP issued no refresh token with offline_access")
	}

	clk.Advance(w0.Expires.Sub(clk.Now()) - 2*time.Second) // in the window, 2 s before the end
	w1 := b.whoami(t, r[2])
	z.signedIn(t, "in the refresh window, on C", w1)
	if w1.Token == w0.Token || !w1.Expires.After(w0.Expires) {
		t.Fatalf("in the refresh window: token changed %v, expiry %v -> %v; want a new, later token", w1.Token != w0.Token, w0.Expires, w1.Expires)
	}
	if n := z.store.refreshes(); n != 1 {
		t.Fatalf("the OP answered %d refresh grants; want 1", n)
	}
	for i, x := range []*replica{r[0], r[1]} {
		if w := b.whoami(t, x); w.Token != w1.Token {
			t.Errorf("replica %s does not serve the token C's refresh brought", "AB"[i:i+1])
		}
	}
	if n := z.store.refreshes(); n != 1 {
		t.Errorf("the OP answered %d refresh grants; want still 1 (A and B take C's cookie as it is)", n)
	}
	if z.store.refreshLive(first.refresh) {
		t.Errorf("the OP still takes the first refresh token; it rotates them")
	}

	clk.Advance(w1.Expires.Sub(clk.Now()) - 2*time.Second) // in the next window
	w2 := b.whoami(t, r[1])
	z.signedIn(t, "in the next refresh window, on B", w2)
	if w2.Token == w1.Token || z.store.refreshes() != 2 {
		t.Fatalf("second refresh: token changed %v, refresh grants %d; want a new token from a second grant (refresh token endpoint answers: %d ok, %d refused)",
			w2.Token != w1.Token, z.store.refreshes(), z.count("POST /oauth/token 200"), z.count("POST /oauth/token 400"))
	}
}

// TestZitadelIdleRefresh: a session whose access token has expired while
// its refresh token is still good is refreshed by the next request and
// served signed in (issue 17, item 1). Real time, as for a browser that
// comes back: the cookie must still be in the jar by then.
func TestZitadelIdleRefresh(t *testing.T) {
	// 3 s tokens, announced as expires_in 2.
	z, r := replicas(t, 3*time.Second, func(c *hfauth.Config) { c.RevalidateEvery = -1 }, "offline_access")
	b := newBrowser(t)
	z.signIn(t, b, r[0])
	w0 := b.whoami(t, r[0])
	z.signedIn(t, "after sign-in", w0)
	if z.lastGrant(t).refresh == "" {
		t.Fatal("the OP issued no refresh token with offline_access")
	}

	time.Sleep(time.Until(w0.Expires) + 1500*time.Millisecond) // idle past the token's end
	w1 := b.whoami(t, r[2])
	if !w1.LoggedIn || w1.Token == w0.Token {
		t.Fatalf("back after the access token expired: signed in %v, with a new token %v; want served signed in after a refresh "+
			"(cookie still in the jar: %v; refresh grants at the OP: %d)", w1.LoggedIn, w1.LoggedIn && w1.Token != w0.Token, b.hasCookie(r[2], "hf_session"), z.store.refreshes())
	}
	z.signedIn(t, "after the idle refresh", w1)
	if n := z.store.refreshes(); n != 1 {
		t.Errorf("the OP answered %d refresh grants; want 1", n)
	}
	if !w1.Expires.After(time.Now()) {
		t.Errorf("the refreshed token ends at %v, already past", w1.Expires)
	}
}

// TestZitadelLogoutRevokes: logout, on a replica other than the one that
// signed in, revokes the session's refresh token and access token at the
// OP's revocation endpoint (client_secret_basic there too), and the OP's
// storage holds neither any more.
func TestZitadelLogoutRevokes(t *testing.T) {
	z, r := replicas(t, 0, nil, "offline_access")
	b := newBrowser(t)
	z.signIn(t, b, r[0])
	z.signedIn(t, "after sign-in", b.whoami(t, r[0]))
	g := z.lastGrant(t)
	if g.refresh == "" || !z.store.refreshLive(g.refresh) || !z.store.accessLive(g.accessID, z.user.ID) {
		t.Fatal("after sign-in the OP does not hold a live access token and refresh token")
	}

	status, body, _ := b.get(t, r[2].URL+hfauth.LogoutPath+"?_target_url=/page")
	if status != http.StatusOK || body != "page" {
		t.Fatalf("logout = %d %q; want 200 page after its redirect", status, body)
	}
	if w := b.whoami(t, r[1]); w.LoggedIn {
		t.Errorf("after logout: %+v; want logged out", w)
	}
	if !z.store.wasRevoked(g.refresh) || !z.store.wasRevoked(g.accessID) {
		t.Errorf("asked the OP to revoke: refresh token %v, access token %v; want both", z.store.wasRevoked(g.refresh), z.store.wasRevoked(g.accessID))
	}
	if n := z.count("POST /revoke 200"); n != 2 {
		t.Errorf("the OP answered %d revocations with 200; want 2", n)
	}
	if z.store.refreshLive(g.refresh) || z.store.accessLive(g.accessID, z.user.ID) {
		t.Errorf("after logout the OP still holds: refresh token %v, access token %v; want neither",
			z.store.refreshLive(g.refresh), z.store.accessLive(g.accessID, z.user.ID))
	}
}

// TestZitadelRevokedAtOP: a token revoked at the OP (by the user, say),
// not through this app, ends the session at the next revalidation: the
// OP's userinfo answers 403 for it (RFC 6750 would say 401), which echohf
// takes as a refused token. Until then the session goes on.
func TestZitadelRevokedAtOP(t *testing.T) {
	for _, tt := range []struct {
		name   string
		revoke func(g grant) string // the token to revoke at the storage
		scopes []string
	}{
		{"access token", func(g grant) string { return g.accessID }, nil},
		{"refresh token, with the grant's access token", func(g grant) string { return g.refresh }, []string{"offline_access"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := &clock{}
			z, r := replicas(t, 0, func(c *hfauth.Config) { c.Now, c.RevalidateEvery = clk.Now, 30*time.Second }, tt.scopes...)
			b := newBrowser(t)
			z.signIn(t, b, r[0])
			z.signedIn(t, "after sign-in", b.whoami(t, r[0]))
			g := z.lastGrant(t)
			if e := z.store.Storage.RevokeToken(t.Context(), tt.revoke(g), z.user.ID, z.clientID); e != nil {
				t.Fatalf("revoking at the OP: %v", e)
			}
			if z.store.accessLive(g.accessID, z.user.ID) {
				t.Fatal("the OP still holds the access token after the revocation")
			}
			// Revalidation is not due yet: the cookie alone serves.
			z.signedIn(t, "before revalidation is due", b.whoami(t, r[2]))

			clk.Advance(45 * time.Second)
			if w := b.whoami(t, r[2]); w.LoggedIn {
				t.Fatalf("at revalidation after the revocation: %+v; want logged out (userinfo answers: %d with 403)", w, z.count("GET /userinfo 403"))
			}
			if n := z.count("GET /userinfo 403"); n != 1 {
				t.Errorf("the OP answered userinfo %d times with 403; want once", n)
			}
			if b.hasCookie(r[2], "hf_session") {
				t.Errorf("the session cookie is still in the jar after the session ended")
			}
			if w := b.whoami(t, r[0]); w.LoggedIn {
				t.Errorf("replica A after the session ended: %+v; want logged out", w)
			}
		})
	}
}

// TestZitadelRefreshRace: a page that sends several requests at once, in
// the refresh window, to all three replicas: each replica refreshes at
// most once, the OP takes the refresh token once (it rotates them, so any
// other replica's attempt is refused), every request is served signed in,
// and the browser is left with a session that stays signed in everywhere,
// also after the replicas' memory of the race has lapsed.
func TestZitadelRefreshRace(t *testing.T) {
	clk := &clock{}
	// 60 s tokens (expires_in 59), refreshed in their last 20 s.
	z, r := replicas(t, time.Minute, func(c *hfauth.Config) {
		c.Now, c.RefreshBefore, c.RevalidateEvery = clk.Now, 20*time.Second, -1
	}, "offline_access")
	b := newBrowser(t)
	z.signIn(t, b, r[0])
	w0 := b.whoami(t, r[0])
	z.signedIn(t, "after sign-in", w0)

	clk.Advance(w0.Expires.Sub(clk.Now()) - 5*time.Second) // in the window
	const perReplica = 3
	answers := make(chan whoami, perReplica*len(r))
	var wg sync.WaitGroup
	for i := range perReplica * len(r) {
		wg.Go(func() { answers <- b.whoami(t, r[i%len(r)]) })
	}
	wg.Wait()
	close(answers)
	for w := range answers {
		if !w.LoggedIn {
			t.Errorf("a request sent during the race was served logged out")
		}
	}
	if n := z.store.refreshes(); n != 1 {
		t.Errorf("the OP answered %d refresh grants; want 1", n)
	}
	t.Logf("token endpoint answers during the race: %d refused (400), %d failed (500)",
		z.count("POST /oauth/token 400"), z.count("POST /oauth/token 500"))
	var token string
	for i, x := range r {
		w := b.whoami(t, x)
		z.signedIn(t, "after the race, replica "+"ABC"[i:i+1], w)
		if token == "" {
			token = w.Token
		} else if w.Token != token {
			t.Errorf("replica %s serves another access token than A", "ABC"[i:i+1])
		}
		if w.Token == w0.Token {
			t.Errorf("replica %s still serves the token from before the refresh", "ABC"[i:i+1])
		}
	}
	clk.Advance(31 * time.Second) // past renewedGrace, before the next window
	for i, x := range r {
		z.signedIn(t, "31 s after the race, replica "+"ABC"[i:i+1], b.whoami(t, x))
	}
}

// TestZitadelLogoutCopy: a copy of the session cookie taken before logout
// is refused at once by the replica that logged out, and by the others at
// their next revalidation, where the OP's userinfo refuses the access
// token that logout revoked.
func TestZitadelLogoutCopy(t *testing.T) {
	clk := &clock{}
	z, r := replicas(t, 0, func(c *hfauth.Config) { c.Now, c.RevalidateEvery = clk.Now, 30*time.Second }, "offline_access")
	b := newBrowser(t)
	z.signIn(t, b, r[0])
	z.signedIn(t, "after sign-in", b.whoami(t, r[0]))
	u, _ := url.Parse(r[0].URL)
	saved := b.Jar.Cookies(u)
	// thief sends the copy, again each time: a logged-out answer clears it.
	thief := func(x *replica) whoami {
		c := newBrowser(t)
		c.Jar.SetCookies(u, saved)
		return c.whoami(t, x)
	}

	if status, body, _ := b.get(t, r[0].URL+hfauth.LogoutPath+"?_target_url=/page"); status != http.StatusOK || body != "page" {
		t.Fatalf("logout = %d %q; want 200 page after its redirect", status, body)
	}
	if w := thief(r[0]); w.LoggedIn {
		t.Errorf("the replica that logged out serves a copy of the cookie: %+v", w)
	}
	clk.Advance(45 * time.Second) // revalidation is due
	for i, x := range []*replica{r[1], r[2]} {
		if w := thief(x); w.LoggedIn {
			t.Errorf("replica %s serves a copy of the cookie at revalidation after logout: %+v", "BC"[i:i+1], w)
		}
	}
	if n := z.count("GET /userinfo 403"); n != 2 {
		t.Errorf("the OP refused userinfo %d times; want twice (B and C each revalidated the revoked token)", n)
	}
}
