package oidc

// This file tests that the token and revocation endpoints' requests, which
// carry the client secret and the tokens, never follow a redirect.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestTokenRequestsFollowNoRedirect: a token or revocation endpoint that
// answers a redirect (307 or 308 keep the POST body, client_secret_post's
// secret, the code, the verifier, the refresh token) gets an error, and
// the redirect's target gets nothing, whatever the style.
func TestTokenRequestsFollowNoRedirect(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, methods := range [][]string{{"client_secret_post"}, {"client_secret_basic"}, nil} {
			t.Run(http.StatusText(status)+"/"+strings.Join(methods, ","), func(t *testing.T) {
				t.Parallel()
				var stolen atomic.Int32
				sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					stolen.Add(1)
					w.Header().Set("Content-Type", "application/json")
					_, _ = io.WriteString(w, `{"access_token":"a","token_type":"Bearer","id_token":"x"}`)
				}))
				defer sink.Close()
				var prov *httptest.Server
				prov = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					switch r.URL.Path {
					case "/.well-known/openid-configuration":
						_ = json.NewEncoder(w).Encode(map[string]any{
							"issuer": prov.URL, "authorization_endpoint": prov.URL + "/authorize", "token_endpoint": prov.URL + "/token",
							"userinfo_endpoint": prov.URL + "/userinfo", "jwks_uri": prov.URL + "/jwks", "revocation_endpoint": prov.URL + "/revoke",
							"token_endpoint_auth_methods_supported": methods,
						})
					default:
						http.Redirect(w, r, sink.URL+"/steal", status)
					}
				}))
				defer prov.Close()
				cfg := Config{Issuer: prov.URL, ClientID: "client", ClientSecret: "secret", Scopes: []string{"openid"},
					HTTPClient: &http.Client{Timeout: 5 * time.Second}, Timeout: 5 * time.Second, Leeway: time.Second,
					JWKSRefreshInterval: time.Minute, Now: time.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				p, err := NewClient(ctx, cfg).Provider(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := p.Exchange(ctx, "code", "https://app.test/cb", "verifier"); err == nil {
					t.Error("Exchange took a redirected answer")
				}
				if _, err := p.Refresh(ctx, "refresh"); err == nil {
					t.Error("Refresh took a redirected answer")
				}
				_ = p.Revoke(ctx, "refresh", "refresh_token")
				if n := stolen.Load(); n != 0 {
					t.Errorf("the redirect's target got %d token or revocation requests", n)
				}
				var pe *Error
				if _, err := p.Refresh(ctx, "refresh"); !errors.As(err, &pe) || !errors.Is(pe.Kind, ErrProvider) {
					t.Errorf("Refresh after a redirect: %v; want an ErrProvider *Error", err)
				}
			})
		}
	}
}
