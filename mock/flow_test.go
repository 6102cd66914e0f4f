package mock_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/echohf/echohf/mock"
)

func TestFlow(t *testing.T) {
	for _, tt := range []struct {
		name  string
		style oauth2.AuthStyle
	}{
		{"client_secret_basic", oauth2.AuthStyleInHeader},
		{"client_secret_post", oauth2.AuthStyleInParams},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, mock.Config{})
			conf := oauthConfig(srv, tt.style, "openid", "profile", "email")
			ctx := context.Background()
			provider, v := verifier(t, srv, mock.TestClientID)

			tok, nonce := login(t, conf)
			if !strings.HasPrefix(tok.AccessToken, "hf_oauth_") {
				t.Errorf("access token %q; want hf_oauth_ prefix", tok.AccessToken)
			}
			if tok.RefreshToken == "" {
				t.Error("no refresh token")
			}
			if got := tok.Extra("scope"); got != "openid profile email" {
				t.Errorf("scope = %q", got)
			}
			if d := time.Until(tok.Expiry); d < 7*time.Hour || d > 8*time.Hour+time.Minute {
				t.Errorf("access token expires in %v; want 8h", d)
			}
			raw := rawIDToken(t, tok)
			idt, err := v.Verify(ctx, raw)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if idt.Nonce != nonce {
				t.Errorf("nonce = %q; want %q", idt.Nonce, nonce)
			}
			want := mock.DefaultUser()
			var claims struct {
				Name              string `json:"name"`
				PreferredUsername string `json:"preferred_username"`
				Profile           string `json:"profile"`
				Picture           string `json:"picture"`
				Email             string `json:"email"`
				EmailVerified     bool   `json:"email_verified"`
				AuthTime          int64  `json:"auth_time"`
			}
			if err := idt.Claims(&claims); err != nil {
				t.Fatal(err)
			}
			if idt.Subject != want.Sub || claims.PreferredUsername != want.PreferredUsername || claims.Name != want.Name ||
				claims.Profile != want.Profile || claims.Picture != want.Picture || claims.Email != want.Email || !claims.EmailVerified || claims.AuthTime == 0 {
				t.Errorf("id_token claims %+v (sub %q); want those of %+v", claims, idt.Subject, want)
			}

			// userinfo, through go-oidc and raw
			ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatalf("UserInfo: %v", err)
			}
			if ui.Subject != idt.Subject || ui.Email != want.Email {
				t.Errorf("userinfo sub %q email %q", ui.Subject, ui.Email)
			}
			var got mock.User
			if err := ui.Claims(&got); err != nil {
				t.Fatal(err)
			}
			wb, _ := json.Marshal(want)
			gb, _ := json.Marshal(got)
			if string(wb) != string(gb) {
				t.Errorf("userinfo = %s\nwant %s", gb, wb)
			}

			// refresh: rotation, new id_token without nonce
			old := tok.RefreshToken
			tok.Expiry = time.Now().Add(-time.Minute)
			tok2, err := conf.TokenSource(ctx, tok).Token()
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			if tok2.AccessToken == tok.AccessToken || tok2.RefreshToken == old || tok2.RefreshToken == "" {
				t.Errorf("refresh did not rotate the tokens")
			}
			idt2, err := v.Verify(ctx, rawIDToken(t, tok2))
			if err != nil {
				t.Fatalf("Verify refreshed id_token: %v", err)
			}
			if idt2.Nonce != "" || idt2.Subject != idt.Subject {
				t.Errorf("refreshed id_token nonce %q sub %q", idt2.Nonce, idt2.Subject)
			}
			_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: old}).Token()
			if re := retrieveError(t, err); re.ErrorCode != "invalid_grant" {
				t.Errorf("reused refresh token: %v; want invalid_grant", err)
			}
			// The rotated token works once more.
			if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok2.RefreshToken}).Token(); err != nil {
				t.Errorf("second refresh: %v", err)
			}

			for _, c := range []struct {
				endpoint string
				want     int
			}{
				{mock.EndpointDiscovery, 1},
				{mock.EndpointAuthorize, 1},
				{mock.EndpointToken, 4},
				{mock.EndpointUserinfo, 1},
				{mock.EndpointJWKS, 1},
				{"nope", 0},
			} {
				if got := srv.Requests(c.endpoint); got != c.want {
					t.Errorf("Requests(%q) = %d; want %d", c.endpoint, got, c.want)
				}
			}
			// Read after the counts, which it changes.
			if kid, want := jwtHeader(t, raw)["kid"], jwksKey(t, srv)["kid"]; kid != want {
				t.Errorf("kid = %v; want the JWKS's %v", kid, want)
			}
		})
	}
}

func TestScopes(t *testing.T) {
	srv := newServer(t, mock.Config{})
	tok, _ := login(t, oauthConfig(srv, oauth2.AuthStyleInHeader, "openid", "profile"))
	_, v := verifier(t, srv, mock.TestClientID)
	idt, err := v.Verify(context.Background(), rawIDToken(t, tok))
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if _, ok := claims["email"]; ok {
		t.Errorf("id_token has email without the email scope: %v", claims)
	}
	u := getUserinfo(t, srv, tok.AccessToken)
	if u.Email != "" || u.EmailVerified != nil {
		t.Errorf("userinfo has email without the email scope: %+v", u)
	}
	if len(u.Orgs) != 3 {
		t.Errorf("userinfo has %d orgs; want 3", len(u.Orgs))
	}
}

func getUserinfo(t *testing.T, srv *mock.Server, access string) mock.User {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/oauth/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("userinfo status %d", resp.StatusCode)
	}
	var u mock.User
	if err := json.NewDecoder(resp.Body).Decode(&u); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSetUser(t *testing.T) {
	alice := mock.NewUser("alice")
	srv := newServer(t, mock.Config{Users: []mock.User{mock.DefaultUser(), alice}})
	conf := oauthConfig(srv, oauth2.AuthStyleInHeader)
	if err := srv.SetUser("nobody"); err == nil {
		t.Error("SetUser(nobody) succeeded")
	}
	if err := srv.SetUser("alice"); err != nil {
		t.Fatal(err)
	}
	tok, _ := login(t, conf)
	if u := getUserinfo(t, srv, tok.AccessToken); u.Sub != alice.Sub || u.PreferredUsername != "alice" {
		t.Errorf("userinfo = %+v; want alice", u)
	}
	bob := mock.NewUser("bob")
	srv.AddUser(bob)
	if err := srv.SetUser("bob"); err != nil {
		t.Fatal(err)
	}
	tok, _ = login(t, conf)
	if u := getUserinfo(t, srv, tok.AccessToken); u.Sub != bob.Sub {
		t.Errorf("userinfo = %+v; want bob", u)
	}
}

func TestDiscovery(t *testing.T) {
	srv := newServer(t, mock.Config{})
	resp, err := http.Get(srv.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"issuer":                 srv.URL,
		"authorization_endpoint": srv.URL + "/oauth/authorize",
		"token_endpoint":         srv.URL + "/oauth/token",
		"userinfo_endpoint":      srv.URL + "/oauth/userinfo",
		"jwks_uri":               srv.URL + "/oauth/jwks",
	} {
		if d[k] != want {
			t.Errorf("%s = %v; want %q", k, d[k], want)
		}
	}
	for k, want := range map[string][]string{
		"response_types_supported":              {"code"},
		"id_token_signing_alg_values_supported": {"RS256"},
		"code_challenge_methods_supported":      {"S256"},
		"token_endpoint_auth_methods_supported": {"client_secret_basic", "client_secret_post"},
		"subject_types_supported":               {"public"},
	} {
		var got []string
		for _, v := range d[k].([]any) {
			got = append(got, v.(string))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s = %q; want %q", k, got, want)
		}
	}
	if strings.HasSuffix(srv.URL, "/") {
		t.Errorf("URL = %q; want no trailing slash", srv.URL)
	}
}

func TestDefaultUserIsFresh(t *testing.T) {
	u := mock.DefaultUser()
	*u.EmailVerified = false
	u.Orgs[0].SecurityRestrictions[0] = "changed"
	*u.Orgs[0].CanPay = false
	v := mock.DefaultUser()
	if !*v.EmailVerified || v.Orgs[0].SecurityRestrictions[0] == "changed" || !*v.Orgs[0].CanPay {
		t.Error("DefaultUser shares memory between calls")
	}
	roles := map[string]bool{}
	restricted := 0
	for _, o := range v.Orgs {
		roles[o.RoleInOrg] = true
		if len(o.SecurityRestrictions) > 0 {
			restricted++
		}
	}
	if len(v.Orgs) != 3 || len(roles) != 3 || restricted != 1 {
		t.Errorf("DefaultUser orgs = %+v", v.Orgs)
	}
}

// TestDefaultsAreFresh checks that a caller changing a slice the package hands out changes
// nothing for the providers started after it.
func TestDefaultsAreFresh(t *testing.T) {
	t.Run("DefaultScopes", func(t *testing.T) {
		scopes := mock.DefaultScopes()
		want := slices.Clone(scopes)
		for i := range scopes {
			scopes[i] = "changed"
		}
		if got := mock.DefaultScopes(); !slices.Equal(got, want) {
			t.Fatalf("DefaultScopes() = %q after a caller changed its slice; want %q", got, want)
		}
		srv := newServer(t, mock.Config{})
		login(t, oauthConfig(srv, oauth2.AuthStyleInHeader, "openid", "profile", "email"))
		if got := discoveredList(t, srv, "scopes_supported"); !slices.Equal(got, want) {
			t.Errorf("scopes_supported = %q; want %q", got, want)
		}
	})
	t.Run("LoopbackRedirectURIs", func(t *testing.T) {
		uris := mock.LoopbackRedirectURIs()
		for i := range uris {
			uris[i] = "https://elsewhere.example/*"
		}
		srv := newServer(t, mock.Config{})
		login(t, oauthConfig(srv, oauth2.AuthStyleInHeader))
	})
}
