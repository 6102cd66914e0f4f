package hfauth

import (
	"net/http"
	"strings"
	"testing"

	"github.com/echohf/echohf/mock"
)

func TestRealFlow(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	b := newBrowser(t)

	if w := b.whoami(t, a.URL); w.LoggedIn {
		t.Fatal("logged in before login")
	}
	status, body := b.get(t, a.URL+LoginPath+"?_target_url=/page%3Fx%3D1")
	if status != http.StatusOK || body != "page" {
		t.Fatalf("login = %d %q; want 200 page", status, body)
	}
	if last := b.visited[len(b.visited)-1]; last != a.URL+"/page?x=1" {
		t.Errorf("landed on %s; want %s/page?x=1", last, a.URL)
	}
	w := b.whoami(t, a.URL)
	if !w.LoggedIn {
		t.Fatalf("not logged in after login; logs:\n%s", a.logs)
	}
	want := mock.DefaultUser()
	if got := w.Info.UserInfo.PreferredUsername; got != want.PreferredUsername {
		t.Errorf("preferred_username = %q; want %q", got, want.PreferredUsername)
	}
	if len(w.Info.UserInfo.Orgs) != len(want.Orgs) {
		t.Errorf("orgs = %d; want %d", len(w.Info.UserInfo.Orgs), len(want.Orgs))
	}
	if !strings.HasPrefix(w.Token, "hf_oauth_") {
		t.Errorf("access token = %q; want hf_oauth_…", w.Token)
	}
	if w.Info.Scope == "" || w.Info.AccessTokenExpiresAt.IsZero() {
		t.Errorf("scope %q, expiry %v: want both set", w.Info.Scope, w.Info.AccessTokenExpiresAt)
	}
	if names := b.cookieNames(t, a.URL); hasPrefixAny(names, "hf_login") {
		t.Errorf("login cookie left after callback: %v", names)
	}

	b.get(t, a.URL+LogoutPath)
	if w := b.whoami(t, a.URL); w.LoggedIn {
		t.Fatal("still logged in after logout")
	}
}

func TestMockFlow(t *testing.T) {
	t.Parallel()
	a := newApp(t, Config{Mode: ModeMock})
	b := newBrowser(t)
	status, body := b.get(t, a.URL+a.oauth.MockLoginURL("/page"))
	if status != http.StatusOK || body != "page" {
		t.Fatalf("login = %d %q; want 200 page", status, body)
	}
	w := b.whoami(t, a.URL)
	if !w.LoggedIn || w.Info.UserInfo.PreferredUsername != mock.DefaultUser().PreferredUsername {
		t.Fatalf("whoami = %+v; want the default mock user", w)
	}
	if !strings.HasPrefix(w.Token, "hf_oauth_mock_") {
		t.Errorf("mock token = %q; want a fake hf_oauth_mock_ token", w.Token)
	}
	b.get(t, a.URL+LogoutPath)
	if w := b.whoami(t, a.URL); w.LoggedIn {
		t.Fatal("still logged in after logout")
	}
}

// TestUserinfoGapsFilledFromIDToken: profile fields that userinfo leaves
// out are taken from the verified id_token's claims, and what only
// userinfo carries (the organizations) is kept.
func TestUserinfoGapsFilledFromIDToken(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	prov.SetFaults(mock.Faults{UserinfoOmit: "name preferred_username profile picture website email email_verified"})
	a := newApp(t, realConfig(prov)) // scopes openid, profile and email
	w := newBrowser(t).mustLogin(t, a)
	want, got := mock.DefaultUser(), w.Info.UserInfo
	for _, f := range []struct{ name, got, want string }{
		{"name", got.Name, want.Name},
		{"preferred_username", got.PreferredUsername, want.PreferredUsername},
		{"profile", got.Profile, want.Profile},
		{"picture", got.Picture, want.Picture},
		{"website", deref(got.Website), want.Website},
		{"email", deref(got.Email), want.Email},
	} {
		if f.want == "" {
			t.Fatalf("the mock user has no %s: the check is vacuous", f.name)
		}
		if f.got != f.want {
			t.Errorf("%s = %q; want %q from the id_token", f.name, f.got, f.want)
		}
	}
	if got.EmailVerified == nil || *got.EmailVerified != *want.EmailVerified {
		t.Errorf("email_verified = %v; want %v from the id_token", got.EmailVerified, *want.EmailVerified)
	}
	if got.Sub != want.Sub || len(got.Orgs) != len(want.Orgs) {
		t.Errorf("sub %q with %d orgs; want %q with %d from userinfo", got.Sub, len(got.Orgs), want.Sub, len(want.Orgs))
	}
}

// deref is *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
