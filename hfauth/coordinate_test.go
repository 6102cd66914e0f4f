package hfauth

import (
	"strings"
	"testing"
	"time"
)

// handoverFixture is an OAuth, a session s due for a refresh and the key
// of its refresh.
func handoverFixture(t testing.TB, secret string) (*OAuth, *session, string, time.Time) {
	t.Helper()
	o, err := New(Config{Mode: ModeMock, SessionSecret: secret, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	now := time.Now()
	info := &OAuthInfo{AccessToken: "hf_oauth_old", AccessTokenExpiresAt: now.Add(time.Minute), Scope: "openid", State: "state-of-the-login-0001",
		UserInfo: OAuthUserInfo{Sub: "u1", PreferredUsername: "ada"}}
	s, err := o.newSession(info, "hf_oauth_refresh_old", now.Add(-time.Hour), now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return o, s, o.handoverKey(s), now
}

// renewedFrom is a session as a refresh of s would make it, with access
// token access; change alters it before it is sealed.
func renewedFrom(t testing.TB, o *OAuth, s *session, access string, now time.Time, change func(*session)) *session {
	t.Helper()
	next := &session{Checked: now.Unix(), Scope: s.Scope, State: s.State, SignIn: s.SignIn, User: s.User, Login: s.Login, LoginMs: s.LoginMs}
	next.setExpiry(now.Add(8 * time.Hour))
	next.setIssued(now)
	var err error
	if next.Token, err = o.sealer.Seal([]byte(access)); err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(next)
	}
	return next
}

// TestOpenHandover: a replica accepts a renewed session read from the feed
// only when it checks as a cookie would: sealed under the session keys, for
// this very refresh, of the same sign-in, user and sign-in time, not ended;
// one logged out meanwhile logs the session out. Anything else is refused,
// so the replica refreshes alone.
func TestOpenHandover(t *testing.T) {
	t.Parallel()
	o, s, key, now := handoverFixture(t, "test-session-secret-0123456789abcdef")
	stranger, _, _, _ := handoverFixture(t, "another-session-secret-0123456789ab")
	_, other, otherKey, _ := handoverFixture(t, "test-session-secret-0123456789abcdef")
	genuine := o.sealHandover(key, renewedFrom(t, o, s, "hf_oauth_new", now, nil))
	for _, tc := range []struct {
		name   string
		result []byte
		ok     bool
		end    bool
	}{
		{"genuine", genuine, true, false},
		{"garbage", []byte("v1.garbage"), false, false},
		{"empty", []byte{}, false, false},
		{"too large", []byte(strings.Repeat("a", maxHandover+1)), false, false},
		{"sealed by another app", stranger.sealHandover(key, renewedFrom(t, stranger, s, "hf_oauth_new", now, nil)), false, false},
		{"for another refresh", o.sealHandover(otherKey, renewedFrom(t, o, s, "hf_oauth_new", now, nil)), false, false},
		{"another user", o.sealHandover(key, renewedFrom(t, o, s, "hf_oauth_new", now, func(n *session) { n.User = OAuthUserInfo{Sub: "u2", PreferredUsername: "eve"} })), false, false},
		{"another sign-in", o.sealHandover(key, renewedFrom(t, o, s, "hf_oauth_new", now, func(n *session) { n.State = other.State + "x" })), false, false},
		{"another sign-in time", o.sealHandover(key, renewedFrom(t, o, s, "hf_oauth_new", now, func(n *session) { n.setLogin(now) })), false, false},
		{"ended", o.sealHandover(key, renewedFrom(t, o, s, "hf_oauth_new", now, func(n *session) { n.setExpiry(now.Add(-time.Second)) })), false, false},
		{"token not sealed here", o.sealHandover(key, renewedFrom(t, o, s, "hf_oauth_new", now, func(n *session) { n.Token = "k.AAAA" })), false, false},
	} {
		out, ok := o.openHandover(key, s, tc.result, now)
		if ok != tc.ok || out.end != tc.end {
			t.Errorf("%s: ok %v, end %v; want %v, %v", tc.name, ok, out.end, tc.ok, tc.end)
		}
		if ok && !out.end && (out.next == nil || out.cookie == nil || out.info == nil || out.info.AccessToken != "hf_oauth_new" || out.info.UserInfo.Sub != "u1") {
			t.Errorf("%s: outcome %+v; want the renewed session of u1, minted", tc.name, out)
		}
	}
	o.logouts.add(s.signIn(), now, now.Add(time.Hour))
	if out, ok := o.openHandover(key, s, genuine, now); !ok || !out.end || out.next != nil {
		t.Errorf("logged out meanwhile: ok %v, end %v, next %v; want the session logged out", ok, out.end, out.next != nil)
	}
}

// FuzzOpenHandover: whatever a writer of the feed's store puts under a
// refresh's result key, openHandover neither panics nor accepts it.
func FuzzOpenHandover(f *testing.F) {
	o, s, key, now := handoverFixture(f, "test-session-secret-0123456789abcdef")
	genuine := o.sealHandover(key, renewedFrom(f, o, s, "hf_oauth_new", now, nil))
	f.Add([]byte("v1.garbage"))
	f.Add(genuine[:len(genuine)-1])
	f.Add(append([]byte{}, genuine[:len(genuine)/2]...))
	f.Fuzz(func(t *testing.T, result []byte) {
		if string(result) == string(genuine) {
			return
		}
		if _, ok := o.openHandover(key, s, result, now); ok {
			t.Errorf("accepted %q", result)
		}
	})
}
