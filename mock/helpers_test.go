package mock_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/echohf/echohf/mock"
)

const callback = "http://127.0.0.1:9999/oauth/huggingface/callback"

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

// sharedKey returns one RSA key for all test servers, to keep the tests fast.
func sharedKey(t testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		var err error
		if testKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
	})
	return testKey
}

// newServer is mock.NewServer with the shared key.
func newServer(t *testing.T, cfg mock.Config) *mock.Server {
	t.Helper()
	if cfg.Key == nil {
		cfg.Key = sharedKey(t)
	}
	return mock.NewServer(t, cfg)
}

func oauthConfig(srv *mock.Server, style oauth2.AuthStyle, scopes ...string) *oauth2.Config {
	if len(scopes) == 0 {
		scopes = []string{"openid", "profile"}
	}
	return &oauth2.Config{
		ClientID:     mock.TestClientID,
		ClientSecret: mock.TestClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   srv.URL + "/oauth/authorize",
			TokenURL:  srv.URL + "/oauth/token",
			AuthStyle: style,
		},
		RedirectURL: callback,
		Scopes:      scopes,
	}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorize GETs the authorization URL and returns the query of the redirect it answers.
func authorize(t *testing.T, authURL string) url.Values {
	t.Helper()
	resp, err := noRedirect.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != callback {
		t.Fatalf("authorize redirected to %q; want %q", got, callback)
	}
	return loc.Query()
}

// login runs authorize and the code exchange with PKCE, state and nonce; it returns the
// token and the nonce sent.
func login(t *testing.T, conf *oauth2.Config) (*oauth2.Token, string) {
	t.Helper()
	tok, nonce, err := tryLogin(t, conf)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok, nonce
}

func tryLogin(t *testing.T, conf *oauth2.Config) (*oauth2.Token, string, error) {
	t.Helper()
	verifier, state, nonce := oauth2.GenerateVerifier(), "st-"+oauth2.GenerateVerifier(), "n-"+oauth2.GenerateVerifier()
	q := authorize(t, conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", nonce)))
	if q.Get("state") != state {
		t.Fatalf("state = %q; want %q", q.Get("state"), state)
	}
	if q.Get("error") != "" {
		t.Fatalf("authorize error %q: %q", q.Get("error"), q.Get("error_description"))
	}
	tok, err := conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
	return tok, nonce, err
}

func rawIDToken(t *testing.T, tok *oauth2.Token) string {
	t.Helper()
	s, ok := tok.Extra("id_token").(string)
	if !ok || s == "" {
		t.Fatal("no id_token in the token response")
	}
	return s
}

// verifier returns a fresh go-oidc verifier for srv (fresh key cache).
func verifier(t *testing.T, srv *mock.Server, clientID string) (*oidc.Provider, *oidc.IDTokenVerifier) {
	t.Helper()
	p, err := oidc.NewProvider(context.Background(), srv.URL)
	if err != nil {
		t.Fatalf("oidc.NewProvider: %v", err)
	}
	return p, p.Verifier(&oidc.Config{ClientID: clientID})
}

// jwtHeader decodes the header of a compact JWT.
func jwtHeader(t *testing.T, raw string) map[string]any {
	t.Helper()
	h, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("header: %v", err)
	}
	return m
}

// checkSignature verifies only the signature of a compact JWT: alg must be the header's,
// key is what jwt/v5 takes for it, and the claims (expiry, audience…) are not looked at.
func checkSignature(raw, alg string, key any) error {
	_, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{alg}), jwt.WithoutClaimsValidation())
	return err
}

// publicKeyPEM is the PEM "PUBLIC KEY" (PKIX) encoding of k.
func publicKeyPEM(t *testing.T, k *rsa.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func retrieveError(t *testing.T, err error) *oauth2.RetrieveError {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("error %v is not an *oauth2.RetrieveError", err)
	}
	return re
}
