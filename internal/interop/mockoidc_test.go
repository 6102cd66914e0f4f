package interop

// This file runs echohf against github.com/oauth2-proxy/mockoidc as it is
// published: its authorize endpoint approves at once, for its default user.

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/echohf/echohf/hfauth"
)

// startMockOIDC runs a mockoidc server on loopback until the test ends.
func startMockOIDC(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatalf("mockoidc.Run: %v", err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return m
}

// mockOIDCConfig is a replica's Config for m. mockoidc refuses any scope
// but openid, email, groups and profile (so no offline_access; it issues
// refresh tokens anyway).
func mockOIDCConfig(m *mockoidc.MockOIDC, redirect string) hfauth.Config {
	mc := m.Config()
	return hfauth.Config{
		Mode:          hfauth.ModeReal,
		ProviderURL:   mc.Issuer,
		ClientID:      mc.ClientID,
		ClientSecret:  mc.ClientSecret,
		Scopes:        []string{"openid", "profile", "email"},
		RedirectURL:   redirect,
		SessionSecret: sessionSecret,
	}
}

// TestMockOIDCSignInSignOut: a browser signs in through mockoidc (its
// default user, Jane Doe) and is served signed in, then signs out and is
// served logged out, with the session cookie gone. mockoidc's discovery
// lists client_secret_basic and client_secret_post, but its token endpoint
// reads the client's credentials from the form only: the code exchange
// works once echohf falls back from basic to post (issue 17, item 4).
func TestMockOIDCSignInSignOut(t *testing.T) {
	t.Parallel()
	m := startMockOIDC(t)
	ln := listen(t)
	cfg := mockOIDCConfig(m, callbackURL(ln))
	app := newReplica(t, cfg, ln)
	b := newBrowser(t)

	status, body, last := b.get(t, app.URL+hfauth.LoginPath+"?_target_url=/page")
	if status != http.StatusOK || body != "page" {
		t.Fatalf("sign-in ended at %s with %d %q; want 200 page (trail %v)", last, status, strings.TrimSpace(body), b.trail())
	}
	w := b.whoami(t, app)
	user := mockoidc.DefaultUser()
	if !w.LoggedIn || w.Sub != user.Subject || w.Username != user.PreferredUsername || w.Email != user.Email {
		t.Fatalf("after sign-in: %+v; want %s (%s) signed in", w, user.PreferredUsername, user.Subject)
	}
	// mockoidc has no name and no picture for its users, and no orgs:
	// echohf leaves them empty rather than failing the sign-in.
	if w.Name != "" || w.Picture != "" || w.Orgs {
		t.Errorf("after sign-in: name %q, picture %q, orgs known %v; mockoidc sends none of them", w.Name, w.Picture, w.Orgs)
	}

	status, body, _ = b.get(t, app.URL+hfauth.LogoutPath+"?_target_url=/page")
	if status != http.StatusOK || body != "page" {
		t.Fatalf("sign-out = %d %q; want 200 page after its redirect", status, body)
	}
	if w := b.whoami(t, app); w.LoggedIn {
		t.Errorf("after sign-out: %+v; want logged out", w)
	}
	if b.hasCookie(app, "hf_session") {
		t.Errorf("after sign-out the browser still holds the session cookie")
	}
	noSecrets(t, app.logs.String(), cfg.ClientSecret)
}
