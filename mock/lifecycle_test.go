package mock_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/echohf/echohf/mock"
)

// refreshForm is the body of a refresh_token grant for rt by the test client.
func refreshForm(rt string, mods ...func(url.Values)) string {
	f := url.Values{
		"grant_type":    {mock.GrantRefreshToken},
		"refresh_token": {rt},
		"client_id":     {mock.TestClientID},
		"client_secret": {mock.TestClientSecret},
	}
	for _, m := range mods {
		m(f)
	}
	return f.Encode()
}

// tokens decodes a token endpoint answer.
func tokens(t testing.TB, w *httptest.ResponseRecorder) (access, refresh, idToken string, expiresIn int64) {
	t.Helper()
	var m struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		IDToken      string `json:"id_token"`
		ExpiresIn    int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || w.Code != http.StatusOK {
		t.Fatalf("token answer %d %s (%v)", w.Code, w.Body, err)
	}
	return m.AccessToken, m.RefreshToken, m.IDToken, m.ExpiresIn
}

// errorCode is the OAuth error code of an answer.
func errorCode(w *httptest.ResponseRecorder) string {
	var m struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &m)
	return m.Error
}

// userinfoCode is the status userinfo answers for the access token at.
func (e *env) userinfoCode(at string) int {
	return e.serve(userinfoReq(http.MethodGet, "Bearer "+at)).Code
}

// revokeReq is a POST to the revocation endpoint with form as its body.
func revokeReq(form url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, issuer+mock.PathRevoke, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// revokeForm names tok for revocation by the test client.
func revokeForm(tok string, mods ...func(url.Values)) url.Values {
	f := url.Values{"token": {tok}, "client_id": {mock.TestClientID}, "client_secret": {mock.TestClientSecret}}
	for _, m := range mods {
		m(f)
	}
	return f
}

// TestRefreshRotates: a refresh token is single-use; each refresh gives new tokens, and
// Grants counts refreshes apart from code exchanges.
func TestRefreshRotates(t *testing.T) {
	e := newEnv(t)
	at0, rt0, _, _ := tokens(t, e.serve(postForm(tokenForm(e.code(authQuery()), e.verifier).Encode())))
	at1, rt1, _, _ := tokens(t, e.serve(postForm(refreshForm(rt0))))
	if at1 == at0 || rt1 == rt0 || rt1 == "" {
		t.Fatalf("refresh did not rotate the tokens")
	}
	if w := e.serve(postForm(refreshForm(rt0))); w.Code != http.StatusBadRequest || errorCode(w) != "invalid_grant" {
		t.Errorf("refresh token used twice: %d %s; want 400 invalid_grant", w.Code, w.Body)
	}
	if _, _, _, _ = tokens(t, e.serve(postForm(refreshForm(rt1)))); e.userinfoCode(at1) != http.StatusOK {
		t.Errorf("the access token of a refresh stopped working after the next refresh")
	}
	got := []mock.GrantCount{e.p.Grants(mock.GrantAuthorizationCode), e.p.Grants(mock.GrantRefreshToken), e.p.Grants("password")}
	want := []mock.GrantCount{{Issued: 1}, {Issued: 2, Refused: 1}, {}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Grants = %+v; want %+v (code, refresh, unknown)", got, want)
			break
		}
	}
}

// TestRefreshFaults: each refresh fault fails the refresh as named, leaves the refresh token
// usable once it is switched off, leaves code exchanges alone, and is counted.
func TestRefreshFaults(t *testing.T) {
	tests := []struct {
		name     string
		faults   mock.Faults
		cancel   time.Duration // the client gives up after this long (0: never)
		want     int           // status; 0 for no answer at all
		wantCode string
	}{
		{"RefreshInvalidGrant", mock.Faults{RefreshInvalidGrant: true}, 0, 400, "invalid_grant"},
		{"RefreshStatus500", mock.Faults{RefreshStatus: 500}, 0, 500, "server_error"},
		{"RefreshStatus503", mock.Faults{RefreshStatus: 503}, 0, 503, "temporarily_unavailable"},
		{"RefreshDelayCanceled", mock.Faults{RefreshDelay: time.Minute}, 50 * time.Millisecond, 0, ""},
		{"RefreshDelayWaited", mock.Faults{RefreshDelay: 50 * time.Millisecond}, 0, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			_, rt, _, _ := tokens(t, e.serve(postForm(tokenForm(e.code(authQuery()), e.verifier).Encode())))
			e.p.SetFaults(tt.faults)
			if _, _, _, _ = tokens(t, e.serve(postForm(tokenForm(e.code(authQuery()), e.verifier).Encode()))); t.Failed() {
				t.Fatal("a refresh fault failed a code exchange")
			}
			r := postForm(refreshForm(rt))
			if tt.cancel > 0 {
				ctx, cancel := context.WithTimeout(r.Context(), tt.cancel)
				defer cancel()
				r = r.WithContext(ctx)
			}
			start := time.Now()
			w := e.serve(r)
			if tt.want == 0 {
				if w.Body.Len() != 0 || time.Since(start) > 10*time.Second {
					t.Fatalf("canceled refresh: %d %s after %v; want no answer, at once", w.Code, w.Body, time.Since(start))
				}
			} else if w.Code != tt.want || (tt.wantCode != "" && errorCode(w) != tt.wantCode) {
				t.Fatalf("refresh: %d %s; want %d %s", w.Code, w.Body, tt.want, tt.wantCode)
			}
			issued := 0
			if tt.want == 200 {
				issued = 1
			} else {
				e.p.SetFaults(mock.Faults{})
				tokens(t, e.serve(postForm(refreshForm(rt)))) // the token was not used up
			}
			if g := e.p.Grants(mock.GrantRefreshToken); g != (mock.GrantCount{Issued: 1, Refused: 1 - issued}) {
				t.Errorf("Grants(refresh) = %+v; want %d issued, %d refused", g, 1, 1-issued)
			}
			if g := e.p.Grants(mock.GrantAuthorizationCode); g != (mock.GrantCount{Issued: 2}) {
				t.Errorf("Grants(code) = %+v; want 2 issued", g)
			}
		})
	}
}

// TestSetAccessTokenTTL: the lifetime switch applies to tokens issued afterwards, by code
// exchanges and refreshes, and 0 restores the Config's.
func TestSetAccessTokenTTL(t *testing.T) {
	e := newEnv(t)
	e.p.SetAccessTokenTTL(5 * time.Second)
	at, rt, _, exp := tokens(t, e.serve(postForm(tokenForm(e.code(authQuery()), e.verifier).Encode())))
	if exp != 5 {
		t.Errorf("expires_in = %d; want 5", exp)
	}
	at2, _, _, exp2 := tokens(t, e.serve(postForm(refreshForm(rt))))
	if exp2 != 5 {
		t.Errorf("refreshed expires_in = %d; want 5", exp2)
	}
	e.now = e.now.Add(6 * time.Second)
	if c1, c2 := e.userinfoCode(at), e.userinfoCode(at2); c1 != 401 || c2 != 401 {
		t.Errorf("userinfo after 6s: %d, %d; want 401 for both 5s tokens", c1, c2)
	}
	e.p.SetAccessTokenTTL(0)
	if _, _, _, exp := tokens(t, e.serve(postForm(tokenForm(e.code(authQuery()), e.verifier).Encode()))); exp != int64(mock.DefaultAccessTokenTTL/time.Second) {
		t.Errorf("after SetAccessTokenTTL(0): expires_in = %d; want the default", exp)
	}
}

// TestRevoke drives the revocation endpoint: what it revokes, what it refuses, its faults.
func TestRevoke(t *testing.T) {
	type issued struct{ access, refresh string }
	tests := []struct {
		name       string
		faults     mock.Faults
		req        func(e *env, tok issued) *http.Request
		cancel     bool // the client gives up at once
		want       int
		wantCode   string
		accessOK   bool // the access token still works afterwards
		refreshOK  bool // the refresh token still works afterwards
		noDiscover bool // discovery leaves the endpoint out
	}{
		{name: "access token", req: func(_ *env, tok issued) *http.Request {
			return revokeReq(revokeForm(tok.access, set("token_type_hint", "access_token")))
		}, want: 200, refreshOK: true},
		{name: "access token, no hint", req: func(_ *env, tok issued) *http.Request { return revokeReq(revokeForm(tok.access)) }, want: 200, refreshOK: true},
		{name: "access token, wrong hint", req: func(_ *env, tok issued) *http.Request {
			return revokeReq(revokeForm(tok.access, set("token_type_hint", "refresh_token")))
		}, want: 200, refreshOK: true},
		{name: "refresh token", req: func(_ *env, tok issued) *http.Request {
			return revokeReq(revokeForm(tok.refresh, set("token_type_hint", "refresh_token")))
		}, want: 200, accessOK: true},
		{name: "client_secret_basic", req: func(_ *env, tok issued) *http.Request {
			r := revokeReq(revokeForm(tok.access, del("client_id"), del("client_secret")))
			r.SetBasicAuth(mock.TestClientID, mock.TestClientSecret)
			return r
		}, want: 200, refreshOK: true},
		{name: "unknown token", req: func(*env, issued) *http.Request { return revokeReq(revokeForm("hf_oauth_nope")) }, want: 200, accessOK: true, refreshOK: true},
		{name: "another client's token", req: func(_ *env, tok issued) *http.Request {
			return revokeReq(revokeForm(tok.access, set("client_id", "other"), set("client_secret", "other-secret")))
		}, want: 400, wantCode: "invalid_grant", accessOK: true, refreshOK: true},
		{name: "wrong secret", req: func(_ *env, tok issued) *http.Request {
			return revokeReq(revokeForm(tok.access, set("client_secret", "nope")))
		}, want: 401, wantCode: "invalid_client", accessOK: true, refreshOK: true},
		{name: "no token", req: func(*env, issued) *http.Request { return revokeReq(revokeForm("")) }, want: 400, wantCode: "invalid_request", accessOK: true, refreshOK: true},
		{name: "GET", req: func(_ *env, tok issued) *http.Request {
			return httptest.NewRequest(http.MethodGet, issuer+mock.PathRevoke+"?"+revokeForm(tok.access).Encode(), nil)
		}, want: 405, accessOK: true, refreshOK: true},
		{name: "RevokeStatus", faults: mock.Faults{RevokeStatus: 503}, req: func(_ *env, tok issued) *http.Request {
			return revokeReq(revokeForm(tok.access))
		}, want: 503, wantCode: "temporarily_unavailable", accessOK: true, refreshOK: true},
		{name: "RevokeDelay canceled", faults: mock.Faults{RevokeDelay: time.Minute}, cancel: true, req: func(_ *env, tok issued) *http.Request {
			return revokeReq(revokeForm(tok.access))
		}, want: 0, accessOK: true, refreshOK: true},
		{name: "NoRevocationEndpoint", faults: mock.Faults{NoRevocationEndpoint: true}, noDiscover: true, req: func(_ *env, tok issued) *http.Request {
			return revokeReq(revokeForm(tok.access))
		}, want: 200, refreshOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			at, rt, _, _ := tokens(t, e.serve(postForm(tokenForm(e.code(authQuery()), e.verifier).Encode())))
			e.p.SetFaults(tt.faults)
			var doc map[string]any
			if err := json.Unmarshal(e.serve(httptest.NewRequest(http.MethodGet, issuer+mock.PathDiscovery, nil)).Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if got, want := doc["revocation_endpoint"], any(issuer+mock.PathRevoke); tt.noDiscover && got != nil || !tt.noDiscover && got != want {
				t.Errorf("discovery revocation_endpoint = %v (NoRevocationEndpoint %v)", got, tt.noDiscover)
			}
			r := tt.req(e, issued{at, rt})
			if tt.cancel {
				ctx, cancel := context.WithCancel(r.Context())
				cancel()
				r = r.WithContext(ctx)
			}
			w := e.serve(r)
			if tt.want == 0 && w.Body.Len() != 0 || tt.want != 0 && w.Code != tt.want {
				t.Fatalf("revoke: %d %s; want %d", w.Code, w.Body, tt.want)
			}
			if tt.wantCode != "" && errorCode(w) != tt.wantCode {
				t.Errorf("revoke: error %q; want %q", errorCode(w), tt.wantCode)
			}
			e.p.SetFaults(mock.Faults{})
			if got := e.userinfoCode(at) == http.StatusOK; got != tt.accessOK {
				t.Errorf("access token works after revoke: %v; want %v", got, tt.accessOK)
			}
			if got := e.serve(postForm(refreshForm(rt))).Code == http.StatusOK; got != tt.refreshOK {
				t.Errorf("refresh token works after revoke: %v; want %v", got, tt.refreshOK)
			}
			if n := e.p.Requests(mock.EndpointRevoke); n != 1 {
				t.Errorf("Requests(revoke) = %d; want 1", n)
			}
		})
	}
}

// TestUserChangesBetweenCalls: once a user is replaced, userinfo answers their new record
// for tokens issued before, and a refresh's id_token carries it too.
func TestUserChangesBetweenCalls(t *testing.T) {
	e := newEnv(t)
	at, rt, _, _ := tokens(t, e.serve(postForm(tokenForm(e.code(authQuery(set("scope", "openid profile"))), e.verifier).Encode())))
	u := mock.DefaultUser()
	u.Name = "Renamed User"
	u.Orgs = u.Orgs[1:2]
	u.Orgs[0].RoleInOrg = "read"
	e.p.AddUser(u)
	w := e.serve(userinfoReq(http.MethodGet, "Bearer "+at))
	var got mock.User
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 {
		t.Fatalf("userinfo %d %s", w.Code, w.Body)
	}
	if got.Name != "Renamed User" || len(got.Orgs) != 1 || got.Orgs[0].PreferredUsername != "open-models" || got.Orgs[0].RoleInOrg != "read" {
		t.Errorf("userinfo after the change: name %q, %d orgs; want the new name and only open-models, as read", got.Name, len(got.Orgs))
	}
	_, _, idt, _ := tokens(t, e.serve(postForm(refreshForm(rt))))
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(idt, claims); err != nil {
		t.Fatal(err)
	}
	if claims["name"] != "Renamed User" || claims["nonce"] != nil {
		t.Errorf("refreshed id_token claims name %v nonce %v; want the new name and no nonce", claims["name"], claims["nonce"])
	}
}
