package hfauth

// This file tests that revocations not made with the session secret are
// not applied.

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/echohf/echohf/mock"
)

// TestFeedRefusesForgedRevocations: whoever can write to the feed's store
// but lacks the session secret adds revocations by the thousand, well
// formed and ending far in the future, as Redis would hand them to every
// replica. None is applied: a logged-out cookie stays logged out on the
// other replicas (before, the flood pushed the real revocation out of
// their bounded memory and the cookie was accepted again), and a forged
// revocation of a real session's key logs nobody out either.
func TestFeedRefusesForgedRevocations(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	apps, b := feedReplicas(t, prov)
	name := apps[0].oauth.sessions.Name()
	out, kept := newBrowser(t), newBrowser(t)
	out.mustLogin(t, apps[0])
	kept.mustLogin(t, apps[0])
	value, keptValue := out.cookie(t, apps[0].URL, name), kept.cookie(t, apps[0].URL, name)
	if status, _ := out.get(t, apps[0].URL+LogoutPath+"?_target_url=/page"); status != 200 {
		t.Fatalf("logout = %d", status)
	}
	if f := withCookie(t, apps[1].URL+"/whoami", name, value); strings.Contains(f.body, `"logged_in":true`) {
		t.Fatalf("replica 1 accepts the logged-out cookie before the flood: %s", f.body)
	}
	deliver := func(r Revocation) {
		b.mu.Lock()
		subs := append([]func(Revocation){}, b.subs...)
		b.mu.Unlock()
		for _, s := range subs {
			s(r)
		}
	}
	const farFuture = 32503680000 // year 3000
	for i := range maxLogouts {
		r := Revocation{Until: farFuture, Tag: [8]byte{byte(i), 1}}
		r.Key[0], r.Key[1], r.Key[2] = byte(i), byte(i>>8), 0xaa
		deliver(r)
	}
	// The real key of the kept session's sign-in, as a reader of the
	// store could not learn it but the test can: still refused untagged.
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: name, Value: keptValue})
	s, err := apps[0].oauth.sessions.Load(req)
	if err != nil {
		t.Fatal(err)
	}
	deliver(Revocation{Key: apps[1].oauth.logouts.feed.signInDigest(s.signIn()), Until: farFuture})
	for i, a := range apps {
		if f := withCookie(t, a.URL+"/whoami", name, value); strings.Contains(f.body, `"logged_in":true`) {
			t.Errorf("after a flood of forged revocations, replica %d accepts the logged-out cookie again", i)
		}
		if f := withCookie(t, a.URL+"/whoami", name, keptValue); !strings.Contains(f.body, `"logged_in":true`) {
			t.Errorf("replica %d applied a forged revocation of a signed-in session: %s", i, f.body)
		}
	}
}
