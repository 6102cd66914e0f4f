package mock

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// maxBodyBytes bounds the request body of the token and revocation endpoints.
const maxBodyBytes = 64 << 10

// Grant types of the token endpoint, for [Provider.Grants].
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

// GrantCount is what [Provider.Grants] reports for one grant type.
type GrantCount struct {
	// Issued counts the requests that got tokens.
	Issued int
	// Refused counts the requests refused with an error, faults included
	// (invalid_grant, a switched-on status, a request canceled by RefreshDelay).
	Refused int
}

// Grants counts the token requests of grantType (GrantAuthorizationCode or
// GrantRefreshToken) from an authenticated client since the provider was created. Requests
// that fail before (a bad body, a bad client, TokenStatus or TokenInvalidGrant) are counted
// by [Provider.Requests] only.
func (p *Provider) Grants(grantType string) GrantCount {
	i := 0
	switch grantType {
	case GrantAuthorizationCode:
	case GrantRefreshToken:
		i = 1
	default:
		return GrantCount{}
	}
	return GrantCount{Issued: int(p.grants[i][0].Load()), Refused: int(p.grants[i][1].Load())}
}

// countGrant counts an answer to the grant type of index i (0 code, 1 refresh).
func (p *Provider) countGrant(i int, issued bool) {
	if issued {
		p.grants[i][0].Add(1)
	} else {
		p.grants[i][1].Add(1)
	}
}

// tokenResponse is the successful token endpoint answer.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
}

// errClient is returned by authenticateClient for a failed client authentication.
var errClient = errors.New("client authentication failed")

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	f := p.currentFaults()
	switch {
	case f.TokenStatus != 0:
		faultStatus(w, f.TokenStatus)
		return
	case f.TokenInvalidGrant:
		writeJSON(w, http.StatusBadRequest, oauthError{Error: "invalid_grant", Description: "mock: fault switched on"})
		return
	}
	client, form, ok := p.clientRequest(w, r)
	if !ok {
		return
	}
	var resp *tokenResponse
	var oerr *oauthError
	status := http.StatusBadRequest
	switch gt := form.Get("grant_type"); gt {
	case GrantAuthorizationCode:
		resp, oerr = p.exchangeCode(client, form)
		p.countGrant(0, oerr == nil)
	case GrantRefreshToken:
		resp, oerr, status = p.refreshGrant(r.Context(), client, form, f)
		p.countGrant(1, oerr == nil)
	case "":
		oerr = invalidRequest("grant_type is required")
	default:
		oerr = &oauthError{Error: "unsupported_grant_type", Description: "unsupported grant_type " + gt}
	}
	switch {
	case oerr == nil:
		writeJSON(w, http.StatusOK, resp)
	case status == 0: // the request was canceled while a fault held it: nobody reads an answer
	default:
		writeJSON(w, status, oerr)
	}
}

// clientRequest reads the form of a POST to the token or revocation endpoint and
// authenticates its client. When it cannot, it answers the error itself and ok is false.
func (p *Provider) clientRequest(w http.ResponseWriter, r *http.Request) (client Client, form url.Values, ok bool) {
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != "application/x-www-form-urlencoded" {
		writeJSON(w, http.StatusBadRequest, invalidRequest("the body must be application/x-www-form-urlencoded"))
		return client, nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, invalidRequest("the body is malformed or too large"))
		return client, nil, false
	}
	form = r.PostForm
	for name, v := range form {
		if len(v) > 1 {
			writeJSON(w, http.StatusBadRequest, invalidRequest(name+" is repeated"))
			return client, nil, false
		}
	}
	client, basic, err := p.authenticateClient(r, form)
	if err != nil {
		if errors.Is(err, errClient) {
			if basic {
				w.Header().Set("WWW-Authenticate", `Basic realm="hfmock", charset="UTF-8"`)
			}
			writeJSON(w, http.StatusUnauthorized, oauthError{Error: "invalid_client", Description: err.Error()})
		} else {
			writeJSON(w, http.StatusBadRequest, invalidRequest(err.Error()))
		}
		return client, nil, false
	}
	return client, form, true
}

// authenticateClient authenticates by HTTP Basic (client_secret_basic, RFC 6749 section
// 2.3.1: id and secret form-urlencoded) or by client_id and client_secret in the body.
// basic reports whether the Authorization header was used.
func (p *Provider) authenticateClient(r *http.Request, form url.Values) (c Client, basic bool, err error) {
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if r.Header.Get("Authorization") != "" {
		basic = true
		if p.currentFaults().TokenAuthPost {
			return c, basic, fmt.Errorf("%w: client_secret_basic is not accepted, only client_secret_post", errClient)
		}
		user, pass, ok := r.BasicAuth()
		if !ok {
			return c, basic, fmt.Errorf("%w: malformed Basic authorization", errClient)
		}
		if form.Has("client_secret") {
			return c, basic, errors.New("more than one client authentication method")
		}
		uid, err1 := url.QueryUnescape(user)
		usecret, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return c, basic, fmt.Errorf("%w: malformed Basic credentials", errClient)
		}
		if form.Has("client_id") && id != uid {
			return c, basic, errors.New("client_id does not match the authenticated client")
		}
		id, secret = uid, usecret
	}
	if id == "" {
		return c, basic, fmt.Errorf("%w: no client authentication", errClient)
	}
	c, ok := p.client(id)
	if !ok || subtle.ConstantTimeCompare([]byte(secret), []byte(c.Secret)) != 1 {
		return Client{}, basic, fmt.Errorf("%w: unknown client or wrong secret", errClient)
	}
	return c, basic, nil
}

func (p *Provider) exchangeCode(client Client, form url.Values) (*tokenResponse, *oauthError) {
	code, redirectURI, verifier := form.Get("code"), form.Get("redirect_uri"), form.Get("code_verifier")
	if code == "" {
		return nil, invalidRequest("code is required")
	}
	if redirectURI == "" {
		return nil, invalidRequest("redirect_uri is required")
	}
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.codes[code]
	switch {
	case !ok:
		return nil, invalidGrant("unknown authorization code")
	case g.used:
		// A replayed code: revoke what it issued (RFC 6749 section 4.1.2).
		delete(p.access, g.access)
		delete(p.refresh, g.refresh)
		return nil, invalidGrant("authorization code already used")
	case now.After(g.expires):
		delete(p.codes, code)
		return nil, invalidGrant("authorization code expired")
	case g.clientID != client.ID:
		return nil, invalidGrant("authorization code was issued to another client")
	case g.redirectURI != redirectURI:
		return nil, invalidGrant("redirect_uri does not match the authorization request")
	case g.challenge == "" && verifier != "":
		return nil, invalidGrant("code_verifier without code_challenge")
	case g.challenge != "" && verifier == "":
		return nil, invalidGrant("code_verifier is required")
	case g.challenge != "" && (!validVerifier(verifier) || s256(verifier) != g.challenge):
		return nil, invalidGrant("code_verifier does not match code_challenge")
	}
	g.used = true
	resp, err := p.issueLocked(client.ID, g.user, g.scopes, g.authTime, g.nonce, now)
	if err != nil {
		return nil, &oauthError{Error: "server_error", Description: err.Error()}
	}
	g.access, g.refresh = resp.AccessToken, resp.RefreshToken
	return resp, nil
}

// validVerifier reports whether s is a PKCE code verifier (RFC 7636 section 4.1).
func validVerifier(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for _, c := range s {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', strings.ContainsRune("-._~", c):
		default:
			return false
		}
	}
	return true
}

func s256(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// refreshGrant answers a refresh_token grant, applying the refresh faults of f. On
// failure it returns the error and the status to answer it with (0 when the request was
// canceled while RefreshDelay held it, and gets no answer).
func (p *Provider) refreshGrant(ctx context.Context, client Client, form url.Values, f Faults) (*tokenResponse, *oauthError, int) {
	old := form.Get("refresh_token")
	if old == "" {
		return nil, invalidRequest("refresh_token is required"), http.StatusBadRequest
	}
	if f.RefreshDelay > 0 {
		t := time.NewTimer(f.RefreshDelay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, &oauthError{Error: "server_error", Description: "mock: request canceled"}, 0
		}
	}
	switch {
	case f.RefreshStatus != 0:
		code := "server_error"
		if f.RefreshStatus == http.StatusServiceUnavailable {
			code = "temporarily_unavailable"
		}
		return nil, &oauthError{Error: code, Description: "mock: fault switched on"}, f.RefreshStatus
	case f.RefreshInvalidGrant:
		return nil, invalidGrant("mock: fault switched on"), http.StatusBadRequest
	}
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	rt, ok := p.refresh[old]
	switch {
	case !ok:
		return nil, invalidGrant("unknown, used or revoked refresh token"), http.StatusBadRequest
	case !rt.expires.IsZero() && now.After(rt.expires):
		delete(p.refresh, old)
		return nil, invalidGrant("refresh token expired"), http.StatusBadRequest
	case rt.clientID != client.ID:
		return nil, invalidGrant("refresh token was issued to another client"), http.StatusBadRequest
	}
	scopes := rt.scopes
	if form.Has("scope") {
		scopes = strings.Fields(form.Get("scope"))
		for _, s := range scopes {
			if !slices.Contains(rt.scopes, s) {
				return nil, &oauthError{Error: "invalid_scope", Description: "scope " + s + " was not granted"}, http.StatusBadRequest
			}
		}
		if !slices.Contains(scopes, "openid") {
			return nil, &oauthError{Error: "invalid_scope", Description: "the openid scope is required"}, http.StatusBadRequest
		}
	}
	delete(p.refresh, old) // rotation: the old token is retired, single-use
	// The new tokens and id_token describe the user as the provider knows them now.
	resp, err := p.issueLocked(client.ID, p.currentUserLocked(rt.user), scopes, rt.authTime, "", now)
	if err != nil {
		return nil, &oauthError{Error: "server_error", Description: err.Error()}, http.StatusInternalServerError
	}
	return resp, nil, 0
}

// issueLocked mints an access token, a refresh token and an id_token. p.mu must be held.
func (p *Provider) issueLocked(clientID string, u User, scopes []string, authTime time.Time, nonce string, now time.Time) (*tokenResponse, error) {
	idToken, err := p.idTokenLocked(clientID, u, scopes, authTime, nonce, now)
	if err != nil {
		return nil, err
	}
	for k, t := range p.access { // forget expired tokens
		if now.After(t.expires) {
			delete(p.access, k)
		}
	}
	access := "hf_oauth_" + randomString(32)
	refresh := "hf_oauth_refresh_" + randomString(32)
	p.access[access] = &accessToken{clientID: clientID, user: u, scopes: scopes, expires: now.Add(p.ttl.access)}
	p.refresh[refresh] = &refreshToken{clientID: clientID, user: u, scopes: scopes, authTime: authTime, expires: now.Add(p.ttl.refresh)}
	return &tokenResponse{
		AccessToken:  access,
		TokenType:    "bearer",
		ExpiresIn:    int64(p.ttl.access / time.Second),
		Scope:        strings.Join(scopes, " "),
		RefreshToken: refresh,
		IDToken:      idToken,
	}, nil
}
