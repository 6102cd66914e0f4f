package mock_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/echohf/echohf/mock"
)

// TestIDTokenFaults shows that go-oidc rejects every faulty id_token, and accepts the
// same flow once the fault is switched off.
func TestIDTokenFaults(t *testing.T) {
	for _, tt := range []struct {
		name   string
		faults mock.Faults
	}{
		{"ForeignKey", mock.Faults{ForeignKey: true}},
		{"UnknownKID", mock.Faults{UnknownKID: true}},
		{"AlgNone", mock.Faults{AlgNone: true}},
		{"HS256PublicKey", mock.Faults{HS256PublicKey: true}},
		{"WrongAudience", mock.Faults{WrongAudience: true}},
		{"WrongIssuer", mock.Faults{WrongIssuer: true}},
		{"ExpiredIDToken", mock.Faults{ExpiredIDToken: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, mock.Config{})
			_, v := verifier(t, srv, mock.TestClientID)
			conf := oauthConfig(srv, oauth2.AuthStyleInHeader)
			srv.SetFaults(tt.faults)
			tok, _ := login(t, conf)
			raw := rawIDToken(t, tok)
			if _, err := v.Verify(context.Background(), raw); err == nil {
				t.Fatalf("go-oidc accepted the %s id_token", tt.name)
			} else {
				t.Logf("go-oidc: %v", err)
			}
			h := jwtHeader(t, raw)
			realKey := &sharedKey(t).PublicKey // newServer's signing key
			switch tt.name {
			case "AlgNone":
				if h["alg"] != "none" {
					t.Errorf("alg = %v", h["alg"])
				}
			case "HS256PublicKey":
				if h["alg"] != "HS256" {
					t.Errorf("alg = %v", h["alg"])
				}
				// The attack works only if the HMAC key is exactly the PEM a verifier would hold.
				if err := checkSignature(raw, "HS256", publicKeyPEM(t, realKey)); err != nil {
					t.Errorf("HS256 with the PEM of the real public key: %v", err)
				}
			case "ForeignKey", "UnknownKID":
				if h["kid"] == jwksKey(t, srv)["kid"] {
					t.Errorf("kid is the JWKS's")
				}
				// go-oidc stops at the unknown kid; the signature tells the two faults apart.
				err := checkSignature(raw, "RS256", realKey)
				if tt.name == "ForeignKey" && !errors.Is(err, jwt.ErrTokenSignatureInvalid) {
					t.Errorf("RS256 with the real key: err = %v; want an invalid signature", err)
				}
				if tt.name == "UnknownKID" && err != nil {
					t.Errorf("RS256 with the real key: %v", err)
				}
			default:
				if h["alg"] != "RS256" || h["kid"] != jwksKey(t, srv)["kid"] {
					t.Errorf("header %v changed; only the claims should", h)
				}
				if err := checkSignature(raw, "RS256", realKey); err != nil {
					t.Errorf("RS256 with the real key: %v", err)
				}
			}
			// The access token is untouched by id_token faults.
			getUserinfo(t, srv, tok.AccessToken)

			srv.SetFaults(mock.Faults{})
			tok, _ = login(t, conf)
			if _, err := v.Verify(context.Background(), rawIDToken(t, tok)); err != nil {
				t.Errorf("after clearing the fault: %v", err)
			}
		})
	}
}

func TestWrongNonce(t *testing.T) {
	srv := newServer(t, mock.Config{})
	_, v := verifier(t, srv, mock.TestClientID)
	srv.SetFaults(mock.Faults{WrongNonce: true})
	tok, nonce := login(t, oauthConfig(srv, oauth2.AuthStyleInHeader))
	idt, err := v.Verify(context.Background(), rawIDToken(t, tok))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if idt.Nonce == nonce || idt.Nonce == "" {
		t.Errorf("nonce = %q; want a different one than %q", idt.Nonce, nonce)
	}
}

func TestDeny(t *testing.T) {
	srv := newServer(t, mock.Config{})
	srv.SetFaults(mock.Faults{Deny: true})
	conf := oauthConfig(srv, oauth2.AuthStyleInHeader)
	q := authorize(t, conf.AuthCodeURL("the state/+&", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if q.Get("error") != "access_denied" || q.Get("error_description") == "" || q.Get("state") != "the state/+&" || q.Has("code") {
		t.Errorf("denied redirect query = %v", q)
	}
	if n := srv.Requests(mock.EndpointAuthorize); n != 1 {
		t.Errorf("Requests(authorize) = %d", n)
	}
}

func TestJWKSStatus(t *testing.T) {
	srv := newServer(t, mock.Config{})
	srv.SetFaults(mock.Faults{JWKSStatus: http.StatusInternalServerError})
	_, v := verifier(t, srv, mock.TestClientID)
	tok, _ := login(t, oauthConfig(srv, oauth2.AuthStyleInHeader))
	if _, err := v.Verify(context.Background(), rawIDToken(t, tok)); err == nil {
		t.Fatal("Verify succeeded with the JWKS answering 500")
	}
	resp, err := http.Get(srv.URL + "/oauth/jwks")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("JWKS status %d; want 500", resp.StatusCode)
	}
	if n := srv.Requests(mock.EndpointJWKS); n < 2 {
		t.Errorf("Requests(jwks) = %d; want >= 2", n)
	}
}

func TestJWKSDelay(t *testing.T) {
	srv := newServer(t, mock.Config{})
	srv.SetFaults(mock.Faults{JWKSDelay: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/oauth/jwks", nil)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow JWKS: err = %v; want a deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	srv.SetFaults(mock.Faults{JWKSDelay: 50 * time.Millisecond})
	start = time.Now()
	resp, err = http.Get(srv.URL + "/oauth/jwks")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if d := time.Since(start); resp.StatusCode != http.StatusOK || d < 50*time.Millisecond {
		t.Errorf("JWKS answered %d after %v; want 200 after >= 50ms", resp.StatusCode, d)
	}
	if n := srv.Requests(mock.EndpointJWKS); n != 2 {
		t.Errorf("Requests(jwks) = %d; want 2", n)
	}
}

func TestTokenFaults(t *testing.T) {
	for _, tt := range []struct {
		name       string
		faults     mock.Faults
		wantStatus int
		wantCode   string
	}{
		{"TokenStatus", mock.Faults{TokenStatus: http.StatusBadGateway}, 502, "server_error"},
		{"TokenInvalidGrant", mock.Faults{TokenInvalidGrant: true}, 400, "invalid_grant"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, mock.Config{})
			srv.SetFaults(tt.faults)
			_, _, err := tryLogin(t, oauthConfig(srv, oauth2.AuthStyleInHeader))
			re := retrieveError(t, err)
			if re.Response.StatusCode != tt.wantStatus || re.ErrorCode != tt.wantCode {
				t.Errorf("exchange: %d %q; want %d %q", re.Response.StatusCode, re.ErrorCode, tt.wantStatus, tt.wantCode)
			}
			if n := srv.Requests(mock.EndpointToken); n != 1 {
				t.Errorf("Requests(token) = %d", n)
			}
		})
	}
}

func TestUserinfoFaults(t *testing.T) {
	srv := newServer(t, mock.Config{})
	tok, _ := login(t, oauthConfig(srv, oauth2.AuthStyleInHeader))

	srv.SetFaults(mock.Faults{UserinfoStatus: 500})
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/oauth/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("userinfo status %d; want 500", resp.StatusCode)
	}

	srv.SetFaults(mock.Faults{UserinfoSub: "someone-else"})
	if u := getUserinfo(t, srv, tok.AccessToken); u.Sub != "someone-else" || u.PreferredUsername != mock.DefaultUser().PreferredUsername {
		t.Errorf("userinfo = %+v; want sub someone-else, the rest unchanged", u)
	}
	if n := srv.Requests(mock.EndpointUserinfo); n != 2 {
		t.Errorf("Requests(userinfo) = %d", n)
	}
}

func TestRotateKey(t *testing.T) {
	srv := newServer(t, mock.Config{})
	conf := oauthConfig(srv, oauth2.AuthStyleInHeader)
	oldTok, _ := login(t, conf)
	oldKID := jwksKey(t, srv)["kid"]
	newKID := srv.RotateKey()
	if newKID == oldKID {
		t.Fatalf("RotateKey = %q, the old kid", newKID)
	}
	if key := jwksKey(t, srv); key["kid"] != newKID || key["alg"] != "RS256" || key["use"] != "sig" || key["kty"] != "RSA" {
		t.Errorf("JWKS key = %v; want only %q", key, newKID)
	}
	_, v := verifier(t, srv, mock.TestClientID)
	if _, err := v.Verify(context.Background(), rawIDToken(t, oldTok)); err == nil {
		t.Error("an id_token signed by the dropped key verified")
	}
	tok, _ := login(t, conf)
	raw := rawIDToken(t, tok)
	if kid := jwtHeader(t, raw)["kid"]; kid != newKID {
		t.Errorf("new id_token kid %v; want %q", kid, newKID)
	}
	if _, err := v.Verify(context.Background(), raw); err != nil {
		t.Errorf("Verify after rotation: %v", err)
	}
}

// TestLoopbackAnyPort checks that the test client may use any loopback port and path, and
// that a non-loopback host is refused.
func TestLoopbackAnyPort(t *testing.T) {
	srv := newServer(t, mock.Config{Clients: []mock.Client{{ID: "exact", Secret: "s", RedirectURIs: []string{"http://localhost/cb", "https://app.example/cb"}}}})
	for _, tt := range []struct {
		client, redirect string
		ok               bool
	}{
		{mock.TestClientID, "http://127.0.0.1:1234/oauth/huggingface/callback", true},
		{mock.TestClientID, "http://localhost:7860/my/router/oauth/huggingface/callback", true},
		{mock.TestClientID, "http://[::1]:80/x", true},
		{mock.TestClientID, "http://example.com/cb", false},
		{mock.TestClientID, "https://127.0.0.1.example.com/cb", false},
		{"exact", "http://localhost:5555/cb", true},
		{"exact", "http://localhost/cb", true},
		{"exact", "http://localhost:5555/other", false},
		{"exact", "https://app.example/cb", true},
		{"exact", "https://app.example:8443/cb", false},
		{"exact", "https://app.example/cb/", false},
		{"exact", "http://127.0.0.1/cb", false},
	} {
		q := url.Values{"client_id": {tt.client}, "redirect_uri": {tt.redirect}, "response_type": {"code"}, "scope": {"openid"}}
		resp, err := noRedirect.Get(srv.URL + "/oauth/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.StatusCode == http.StatusFound; got != tt.ok {
			t.Errorf("%s %s: status %d; want redirect %v", tt.client, tt.redirect, resp.StatusCode, tt.ok)
		}
	}
}

// jwtClaims decodes the claims of a compact JWT without checking anything.
func jwtClaims(t *testing.T, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("id_token has %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("claims: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("claims: %v", err)
	}
	return m
}

// TestAudienceFaults checks that ExtraAudience and ForeignAZP change the aud and azp
// claims as documented and nothing else: the header, the signature and every other claim
// are a faithful token's. go-oidc checks only that aud contains the client, so what it
// makes of these tokens is logged, not asserted.
func TestAudienceFaults(t *testing.T) {
	for _, tt := range []struct {
		name    string
		faults  mock.Faults
		wantAud any
		wantAZP any // nil: no azp claim
	}{
		{"ExtraAudience", mock.Faults{ExtraAudience: true}, []any{mock.TestClientID, "another-client"}, nil},
		{"ForeignAZP", mock.Faults{ForeignAZP: true}, mock.TestClientID, "another-client"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, mock.Config{})
			_, v := verifier(t, srv, mock.TestClientID)
			conf := oauthConfig(srv, oauth2.AuthStyleInHeader)
			faithful := jwtClaims(t, rawIDToken(t, first(login(t, conf))))

			srv.SetFaults(tt.faults)
			tok, nonce := login(t, conf)
			raw := rawIDToken(t, tok)
			if _, err := v.Verify(context.Background(), raw); err != nil {
				t.Logf("go-oidc rejects it: %v", err)
			} else {
				t.Logf("go-oidc accepts it")
			}
			if h := jwtHeader(t, raw); h["alg"] != "RS256" || h["kid"] != jwksKey(t, srv)["kid"] {
				t.Errorf("header %v changed; only the claims should", h)
			}
			if err := checkSignature(raw, "RS256", &sharedKey(t).PublicKey); err != nil {
				t.Errorf("RS256 with the real key: %v", err)
			}
			c := jwtClaims(t, raw)
			if !reflect.DeepEqual(c["aud"], tt.wantAud) {
				t.Errorf("aud = %#v; want %#v", c["aud"], tt.wantAud)
			}
			if azp, ok := c["azp"]; azp != tt.wantAZP || ok != (tt.wantAZP != nil) {
				t.Errorf("azp = %#v (present %v); want %#v", azp, ok, tt.wantAZP)
			}
			if c["nonce"] != nonce {
				t.Errorf("nonce = %v; want %q", c["nonce"], nonce)
			}
			// Every other claim is there with the faithful token's value (times aside).
			for k, want := range faithful {
				switch k {
				case "aud", "azp", "nonce", "iat", "exp", "auth_time":
					continue
				}
				if !reflect.DeepEqual(c[k], want) {
					t.Errorf("claim %s = %#v; want %#v", k, c[k], want)
				}
			}
			for _, k := range []string{"iat", "exp", "auth_time"} {
				if _, ok := c[k].(float64); !ok {
					t.Errorf("claim %s = %#v; want a time", k, c[k])
				}
			}
			if exp, _ := c["exp"].(float64); int64(exp) <= time.Now().Unix() {
				t.Errorf("exp %v is not in the future", c["exp"])
			}
		})
	}
}

// first returns the first of two values.
func first[A, B any](a A, _ B) A { return a }

// jwksKey fetches srv's JWKS and returns its only key.
func jwksKey(t *testing.T, srv *mock.Server) map[string]string {
	t.Helper()
	resp, err := http.Get(srv.URL + "/oauth/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("JWKS has %d keys; want 1", len(set.Keys))
	}
	return set.Keys[0]
}

// TestJWKSKeyFaults checks that JWKSKeyAlg and JWKSKeyUse change only the named member of
// the published key, and that id_tokens are still RS256-signed by that key. What go-oidc
// makes of such a key is logged, not asserted.
func TestJWKSKeyFaults(t *testing.T) {
	for _, tt := range []struct {
		name   string
		faults mock.Faults
		member string
		want   string
	}{
		{"JWKSKeyAlg", mock.Faults{JWKSKeyAlg: "RS512"}, "alg", "RS512"},
		{"JWKSKeyUse", mock.Faults{JWKSKeyUse: "enc"}, "use", "enc"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, mock.Config{})
			faithful := jwksKey(t, srv)
			srv.SetFaults(tt.faults)
			key := jwksKey(t, srv)
			if key[tt.member] != tt.want {
				t.Errorf("JWKS key %s = %q; want %q", tt.member, key[tt.member], tt.want)
			}
			want := maps.Clone(faithful)
			want[tt.member] = tt.want
			if !maps.Equal(key, want) {
				t.Errorf("JWKS key = %v; want %v", key, want)
			}

			_, v := verifier(t, srv, mock.TestClientID) // fetches the faulty JWKS
			tok, _ := login(t, oauthConfig(srv, oauth2.AuthStyleInHeader))
			raw := rawIDToken(t, tok)
			if _, err := v.Verify(context.Background(), raw); err != nil {
				t.Logf("go-oidc rejects it: %v", err)
			} else {
				t.Logf("go-oidc accepts it")
			}
			if h := jwtHeader(t, raw); h["alg"] != "RS256" || h["kid"] != key["kid"] {
				t.Errorf("id_token header %v; want RS256 and the published kid %q", h, key["kid"])
			}
			if err := checkSignature(raw, "RS256", &sharedKey(t).PublicKey); err != nil {
				t.Errorf("RS256 with the real key: %v", err)
			}
		})
	}
}

// TestUserinfoOmit checks that userinfo leaves out exactly the fields UserinfoOmit names,
// while the id_token still carries them.
func TestUserinfoOmit(t *testing.T) {
	srv := newServer(t, mock.Config{})
	conf := oauthConfig(srv, oauth2.AuthStyleInHeader, "openid", "profile", "email")
	omit := []string{"name", "picture", "email", "website"}
	srv.SetFaults(mock.Faults{UserinfoOmit: " " + strings.Join(omit, "  ") + " "})
	tok, _ := login(t, conf)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/oauth/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("userinfo: %d %v", resp.StatusCode, err)
	}
	srv.SetFaults(mock.Faults{})
	b, _ := json.Marshal(getUserinfo(t, srv, tok.AccessToken))
	var full map[string]any
	if err := json.Unmarshal(b, &full); err != nil {
		t.Fatal(err)
	}
	claims := jwtClaims(t, rawIDToken(t, tok))
	for _, k := range omit {
		if _, ok := got[k]; ok {
			t.Errorf("userinfo has %s; want it left out", k)
		}
		if _, ok := full[k]; !ok {
			t.Errorf("the faithful userinfo has no %s: the check is vacuous", k)
		}
		if claims[k] != full[k] {
			t.Errorf("id_token %s = %v; want %v", k, claims[k], full[k])
		}
		delete(full, k)
	}
	if !reflect.DeepEqual(got, full) {
		t.Errorf("userinfo = %v; want %v", got, full)
	}
}

// discoveredList returns the list member of srv's discovery document, such as
// "scopes_supported".
func discoveredList(t *testing.T, srv *mock.Server, member string) []string {
	t.Helper()
	resp, err := http.Get(srv.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	var list []string
	if err := json.Unmarshal(d[member], &list); err != nil {
		t.Fatalf("discovery %s: %v", member, err)
	}
	return list
}

// TestTokenAuthPost checks that TokenAuthPost makes the token endpoint take client
// credentials only from the form, and discovery say so; switched off, both methods work.
func TestTokenAuthPost(t *testing.T) {
	srv := newServer(t, mock.Config{})
	srv.SetFaults(mock.Faults{TokenAuthPost: true})
	if got, want := discoveredList(t, srv, "token_endpoint_auth_methods_supported"), []string{"client_secret_post"}; !reflect.DeepEqual(got, want) {
		t.Errorf("token_endpoint_auth_methods_supported = %q; want %q", got, want)
	}
	_, _, err := tryLogin(t, oauthConfig(srv, oauth2.AuthStyleInHeader))
	if re := retrieveError(t, err); re.Response.StatusCode != http.StatusUnauthorized || re.ErrorCode != "invalid_client" {
		t.Errorf("client_secret_basic: %d %q; want 401 invalid_client", re.Response.StatusCode, re.ErrorCode)
	}
	_, v := verifier(t, srv, mock.TestClientID)
	tok, _ := login(t, oauthConfig(srv, oauth2.AuthStyleInParams))
	if _, err := v.Verify(context.Background(), rawIDToken(t, tok)); err != nil {
		t.Errorf("client_secret_post: id_token: %v", err)
	}

	srv.SetFaults(mock.Faults{})
	if got, want := discoveredList(t, srv, "token_endpoint_auth_methods_supported"), []string{"client_secret_basic", "client_secret_post"}; !reflect.DeepEqual(got, want) {
		t.Errorf("switched off: token_endpoint_auth_methods_supported = %q; want %q", got, want)
	}
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		login(t, oauthConfig(srv, style))
	}
}
