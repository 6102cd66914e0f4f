package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/examples/internal/exampletest"
	"github.com/echohf/echohf/examples/internal/spacepages"
	"github.com/echohf/echohf/mock"
)

// hubEnv is realEnv with the mock provider as the Hub too (HF_ENDPOINT),
// as on Hugging Face, where the API and the OpenID endpoints share a host.
func hubEnv(t *testing.T, srv *mock.Server) []string {
	t.Helper()
	return append(realEnv(t, srv), echohf.EnvHFEndpoint+"="+srv.URL)
}

// issueToken runs the authorization code flow against srv as an OAuth app
// would, and returns the access token the provider issued (hf_oauth_…):
// the fake Hub knows its owner, but the example refuses it as a bearer
// token, since it was granted to an app (another app's, for all it knows).
func issueToken(t *testing.T, srv *mock.Server) string {
	t.Helper()
	conf := &oauth2.Config{
		ClientID:     mock.TestClientID,
		ClientSecret: mock.TestClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: srv.URL + mock.PathAuthorize, TokenURL: srv.URL + mock.PathToken},
		RedirectURL:  "http://127.0.0.1:1/callback",
		Scopes:       []string{"openid", "profile"},
	}
	verifier := oauth2.GenerateVerifier()
	r := exampletest.NewClient(t).GetNoRedirect(t, conf.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier)))
	loc, err := url.Parse(r.Header.Get("Location"))
	if err != nil || r.Status != http.StatusFound || loc.Query().Get("code") == "" {
		t.Fatalf("authorize = %d to %q (%v); want a redirect with a code", r.Status, r.Header.Get("Location"), err)
	}
	tok, err := conf.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("token exchange: %v", err)
	}
	if !strings.HasPrefix(tok.AccessToken, "hf_") {
		t.Fatalf("the provider issued %q; want an hf_ token", tok.AccessToken)
	}
	return tok.AccessToken
}

// apiAnswer is the JSON of the app's API routes, successes and errors.
type apiAnswer struct {
	Auth    string               `json:"auth"`
	User    echohf.OAuthUserInfo `json:"user"`
	Name    string               `json:"username"`
	Org     string               `json:"org"`
	Role    string               `json:"role"`
	Message string               `json:"message"`
}

// decodeAPI checks that r is a JSON answer of the API with status and
// returns it decoded.
func decodeAPI(t *testing.T, r *exampletest.Response, status int) apiAnswer {
	t.Helper()
	if r.Status != status {
		t.Errorf("GET %s = %d; want %d\n%s", r.Hops[0], r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q; want application/json", r.Hops[0], ct)
	}
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("GET %s: Cache-Control %q; want no-store", r.Hops[0], got)
	}
	var a apiAnswer
	if err := json.Unmarshal([]byte(r.Body), &a); err != nil {
		t.Fatalf("GET %s: body is not JSON: %v\n%s", r.Hops[0], err, r.Body)
	}
	return a
}

// TestSpaceAPI calls the API routes as scripts do, with a Hugging Face
// token (the example accepts bearer tokens by default), and as a browser
// does, with its session cookie (real mode, the mock provider as the Hub).
func TestSpaceAPI(t *testing.T) {
	srv := mock.NewServer(t, mock.Config{})
	outsider := mock.NewUser("outsider")
	srv.AddUser(outsider)
	srv.AddToken("hf_test_mockuser", "mockuser")
	srv.AddToken("hf_test_outsider", "outsider")
	issued := issueToken(t, srv)
	p := exampletest.Start(t, bin, hubEnv(t, srv)...)
	user := mock.DefaultUser()

	session := exampletest.NewClient(t)
	if r := session.Get(t, p.URL+echohf.LoginPath, browser); r.Status != http.StatusOK {
		t.Fatalf("login = %d; want 200", r.Status)
	}

	tests := []struct {
		name      string
		client    *exampletest.Client // nil: a client with no cookie
		path      string
		header    []string
		status    int
		auth      string // the answer's "auth"; "" for an error
		user      string // the answer's user, or ""
		challenge string // WWW-Authenticate
	}{
		{"registered token", nil, "/api/me", []string{"Authorization: Bearer hf_test_mockuser"}, http.StatusOK, "bearer", user.PreferredUsername, ""},
		{"OAuth token the provider issued", nil, "/api/me", []string{"Authorization: Bearer " + issued}, http.StatusUnauthorized, "", "", `Bearer error="invalid_token"`},
		{"lower-case scheme", nil, "/api/me", []string{"Authorization: bearer hf_test_outsider"}, http.StatusOK, "bearer", "outsider", ""},
		{"session cookie", session, "/api/me", nil, http.StatusOK, "session", user.PreferredUsername, ""},
		{"unknown token", nil, "/api/me", []string{"Authorization: Bearer hf_unknown_token"}, http.StatusUnauthorized, "", "", `Bearer error="invalid_token"`},
		{"not a Hugging Face token", nil, "/api/me", []string{"Authorization: Bearer abc.def.ghi"}, http.StatusUnauthorized, "", "", `Bearer error="invalid_token"`},
		{"unknown token with a session cookie", session, "/api/me", []string{"Authorization: Bearer hf_unknown_token"}, http.StatusUnauthorized, "", "", `Bearer error="invalid_token"`},
		{"no token", nil, "/api/me", nil, http.StatusUnauthorized, "", "", "Bearer"},
		{"no token, JSON wanted", nil, "/api/me", []string{"Accept: application/json"}, http.StatusUnauthorized, "", "", "Bearer"},
		{"member's token", nil, "/api/members", []string{"Authorization: Bearer hf_test_mockuser"}, http.StatusOK, "bearer", user.PreferredUsername, ""},
		{"member's session", session, "/api/members", nil, http.StatusOK, "session", user.PreferredUsername, ""},
		{"non-member's token", nil, "/api/members", []string{"Authorization: Bearer hf_test_outsider"}, http.StatusForbidden, "", "", ""},
		{"no token for members", nil, "/api/members", nil, http.StatusUnauthorized, "", "", "Bearer"},
		{"unknown API route", nil, "/api/nope", []string{"Authorization: Bearer hf_test_mockuser"}, http.StatusNotFound, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.client
			if c == nil {
				c = exampletest.NewClient(t)
			}
			r := c.Get(t, p.URL+tt.path, tt.header...)
			a := decodeAPI(t, r, tt.status)
			who := a.User.PreferredUsername
			if tt.path == "/api/members" {
				who = a.Name
			}
			if a.Auth != tt.auth || who != tt.user {
				t.Errorf("GET %s: auth %q, user %q; want %q, %q\n%s", tt.path, a.Auth, who, tt.auth, tt.user, r.Body)
			}
			if got := r.Header.Get("WWW-Authenticate"); got != tt.challenge {
				t.Errorf("GET %s: WWW-Authenticate %q; want %q", tt.path, got, tt.challenge)
			}
			if tt.status != http.StatusOK && a.Message == "" {
				t.Errorf("GET %s = %d with no message: %s", tt.path, r.Status, r.Body)
			}
			if r.Header.Get("Set-Cookie") != "" && tt.client == nil {
				t.Errorf("GET %s set a cookie for a script: %q", tt.path, r.Header.Values("Set-Cookie"))
			}
			for _, secret := range []string{"hf_test_", issued, mock.TestClientSecret} {
				if strings.Contains(r.Body, secret) {
					t.Errorf("GET %s: the answer holds a secret (%.12s…): %s", tt.path, secret, r.Body)
				}
			}
			if tt.status == http.StatusOK && tt.path == "/api/me" {
				if a.User.Name == "" || a.User.Sub == "" {
					t.Errorf("GET /api/me: profile without name or sub: %s", r.Body)
				}
				if tt.user == user.PreferredUsername && len(a.User.Orgs) != len(user.Orgs) {
					t.Errorf("GET /api/me: %d organizations; want %d: %s", len(a.User.Orgs), len(user.Orgs), r.Body)
				}
			}
			if tt.status == http.StatusOK && tt.path == "/api/members" && (a.Org != spacepages.DefaultOrg || a.Role != "admin") {
				t.Errorf("GET /api/members: org %q, role %q; want %q, admin", a.Org, a.Role, spacepages.DefaultOrg)
			}
		})
	}
	if n := srv.Requests(mock.EndpointWhoami); n > 3 {
		t.Errorf("the Hub's whoami was called %d times for 3 distinct hf_ tokens and an OAuth token; want each checked once, the OAuth token never", n)
	}
}

// TestSpaceAPISettings checks the example's choice of accepting bearer
// tokens unless ECHOHF_ACCEPT_BEARER says otherwise, in either mode.
func TestSpaceAPISettings(t *testing.T) {
	tests := []struct {
		name      string
		real      bool
		env       []string
		status    int
		challenge string
	}{
		{"mock mode, default", false, nil, http.StatusOK, ""},
		{"real mode, ECHOHF_ACCEPT_BEARER=1", true, []string{echohf.EnvAcceptBearer + "=1"}, http.StatusOK, ""},
		{"real mode, ECHOHF_ACCEPT_BEARER=0", true, []string{echohf.EnvAcceptBearer + "=0"}, http.StatusUnauthorized, ""},
		{"mock mode, ECHOHF_ACCEPT_BEARER=false", false, []string{echohf.EnvAcceptBearer + "=false"}, http.StatusUnauthorized, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mock.NewServer(t, mock.Config{})
			srv.AddToken("hf_test_mockuser", "mockuser")
			env := []string{echohf.EnvHFEndpoint + "=" + srv.URL}
			if tt.real {
				env = hubEnv(t, srv)
			}
			p := exampletest.Start(t, bin, append(env, tt.env...)...)
			r := exampletest.NewClient(t).Get(t, p.URL+"/api/me", "Authorization: Bearer hf_test_mockuser")
			a := decodeAPI(t, r, tt.status)
			if tt.status == http.StatusOK && a.Auth != "bearer" {
				t.Errorf("auth = %q; want bearer", a.Auth)
			}
			if got := r.Header.Get("WWW-Authenticate"); got != tt.challenge {
				t.Errorf("WWW-Authenticate %q; want %q", got, tt.challenge)
			}
		})
	}
	exampletest.StartupFailure(t, bin, []string{echohf.EnvAcceptBearer + "=maybe"}, echohf.EnvAcceptBearer)
}
