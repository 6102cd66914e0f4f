package hfauth

import (
	"net/http"
	"strings"
	"testing"

	"github.com/echohf/echohf/mock"
)

// TestReplicas: three instances built separately from one Config are
// replicas: login starts on A, the callback lands on B, C serves the
// logged-in user. An instance with another secret accepts none of it.
func TestReplicas(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	lnB, addrB := listen(t)
	cfg := realConfig(prov)
	cfg.RedirectURL = "http://" + addrB + CallbackPath
	a := newApp(t, cfg)
	bApp := serveApp(t, cfg, serveOpts{ln: lnB})
	c := newApp(t, cfg)
	other := cfg
	other.SessionSecret = "a-different-session-secret-0123456789"
	d := newApp(t, other)

	br := newBrowser(t)
	status, body := br.get(t, a.URL+LoginPath+"?_target_url=/page")
	if status != http.StatusOK || body != "page" {
		t.Fatalf("login = %d %q; logs A:\n%s\nlogs B:\n%s", status, body, a.logs, bApp.logs)
	}
	var sawCallbackOnB bool
	for _, v := range br.visited {
		if strings.HasPrefix(v, bApp.URL+CallbackPath) {
			sawCallbackOnB = true
		}
		if strings.HasPrefix(v, a.URL+CallbackPath) {
			t.Errorf("callback went to A: %s", v)
		}
	}
	if !sawCallbackOnB {
		t.Fatalf("callback never reached B: %v", br.visited)
	}
	if !strings.HasPrefix(br.visited[len(br.visited)-1], bApp.URL+"/page") {
		t.Errorf("landed on %s; want B's /page", br.visited[len(br.visited)-1])
	}
	for name, r := range map[string]*app{"A": a, "B": bApp, "C": c} {
		if w := br.whoami(t, r.URL); !w.LoggedIn || w.Info.UserInfo.PreferredUsername != mock.DefaultUser().PreferredUsername || !strings.HasPrefix(w.Token, "hf_oauth_") {
			t.Errorf("replica %s: %+v; want the logged-in user with the access token", name, w)
		}
	}
	value := br.cookie(t, a.URL, a.oauth.sessions.Name())
	f := withCookie(t, d.URL+"/whoami", d.oauth.sessions.Name(), value)
	// Its key is not in d's ring: logged out, and the cookie left for the
	// replicas that may know the key (see TestRollingRotation).
	if strings.Contains(f.body, `"logged_in":true`) || f.expired(d.oauth.sessions.Name()) {
		t.Errorf("replica with another secret: %s, Set-Cookie %q; want logged out and the cookie left alone", f.body, f.Header.Values("Set-Cookie"))
	}
}

// TestSessionSecretRotation: a new secret with the old one kept accepts
// old sessions; once the old secret is dropped they are logged out (their
// cookies are left to expire on their own, as for any unknown key).
func TestSessionSecretRotation(t *testing.T) {
	t.Parallel()
	cfg := Config{Mode: ModeMock, SessionSecret: "old-session-secret-0123456789abcdef"}
	old := newApp(t, cfg)
	value := sessionValue(t, old)
	name := old.oauth.sessions.Name()

	rotated := newApp(t, Config{Mode: ModeMock, SessionSecret: "new-session-secret-0123456789abcdef", OldSessionSecrets: []string{"old-session-secret-0123456789abcdef"}})
	f := withCookie(t, rotated.URL+"/whoami", name, value)
	if !strings.Contains(f.body, `"logged_in":true`) || !strings.Contains(f.body, `"token":"hf_oauth_mock_`) {
		t.Fatalf("rotated instance refused an old session: %s", f.body)
	}
	// New sessions are signed with the new secret: the old instance refuses them.
	fresh := sessionValue(t, rotated)
	if f := withCookie(t, old.URL+"/whoami", name, fresh); strings.Contains(f.body, `"logged_in":true`) {
		t.Errorf("instance without the new secret accepted a new session")
	}
	dropped := newApp(t, Config{Mode: ModeMock, SessionSecret: "new-session-secret-0123456789abcdef"})
	if f := withCookie(t, dropped.URL+"/whoami", name, value); strings.Contains(f.body, `"logged_in":true`) {
		t.Errorf("old session accepted after the old secret was dropped: %s", f.body)
	}
	if f := withCookie(t, dropped.URL+"/whoami", name, fresh); !strings.Contains(f.body, `"logged_in":true`) {
		t.Errorf("new session refused by an instance with only the new secret: %s", f.body)
	}
}

// TestRandomKeyPerProcess: with no secret at all, two mock instances
// never accept each other's sessions.
func TestRandomKeyPerProcess(t *testing.T) {
	t.Parallel()
	a := newApp(t, Config{Mode: ModeMock})
	b := newApp(t, Config{Mode: ModeMock})
	value := sessionValue(t, a)
	if f := withCookie(t, b.URL+"/whoami", b.oauth.sessions.Name(), value); strings.Contains(f.body, `"logged_in":true`) {
		t.Fatal("a session signed with one process's random key was accepted by another")
	}
}

// TestRollingRotation: while a new secret reaches the replicas one at a
// time, a replica that does not know it yet treats a session the new key
// signed as logged out on its own requests, but leaves the cookie alone:
// the user stays signed in on the replicas that know the key. A cookie it
// cannot even parse is still expired.
func TestRollingRotation(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	oldCfg := realConfig(prov)
	newCfg := oldCfg
	newCfg.SessionSecret = "the-new-session-secret-0123456789abcdef"
	newCfg.OldSessionSecrets = []string{oldCfg.SessionSecret}
	updated := newApp(t, newCfg)
	notYet := newApp(t, oldCfg)
	name := updated.oauth.sessions.Name()
	b := newBrowser(t)
	b.mustLogin(t, updated)
	value := b.cookie(t, updated.URL, name)

	f := withCookie(t, notYet.URL+"/whoami", name, value)
	if strings.Contains(f.body, `"logged_in":true`) {
		t.Errorf("a replica without the new key accepted its session: %s", f.body)
	}
	if sc := f.Header.Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("a replica without the new key answered Set-Cookie %q; want the cookie left alone", sc)
	}
	// A browser that meets that replica keeps its session for the others.
	if b.whoami(t, notYet.URL).LoggedIn {
		t.Error("the browser is logged in on the replica without the new key")
	}
	if !b.whoami(t, updated.URL).LoggedIn {
		t.Error("after a request to the replica without the new key, the session is lost on the updated one")
	}
	if f := withCookie(t, notYet.URL+"/whoami", name, "not.a.token"); !f.expired(name) {
		t.Errorf("a malformed session cookie was not expired: Set-Cookie %q", f.Header.Values("Set-Cookie"))
	}
}
