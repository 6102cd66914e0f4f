package mock

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"html"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxBodyBytes bounds the token endpoint's request body.
const maxBodyBytes = 64 << 10

// ServeHTTP serves the provider's endpoints under the issuer's path.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, p.prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch path {
	case PathDiscovery:
		p.count(EndpointDiscovery)
		if allow(w, r, http.MethodGet, http.MethodHead) {
			p.discovery(w, p.Faults())
		}
	case PathAuthorize:
		p.count(EndpointAuthorize)
		if allow(w, r, http.MethodGet) {
			p.authorize(w, r)
		}
	case PathToken:
		p.count(EndpointToken)
		if allow(w, r, http.MethodPost) {
			p.token(w, r)
		}
	case PathUserinfo:
		p.count(EndpointUserinfo)
		if allow(w, r, http.MethodGet, http.MethodPost) {
			p.userinfo(w, r)
		}
	case PathJWKS:
		p.count(EndpointJWKS)
		if allow(w, r, http.MethodGet, http.MethodHead) {
			p.jwks(w, r)
		}
	default:
		http.NotFound(w, r)
	}
}

func (p *Provider) count(endpoint string) { p.counters[endpointIndex(endpoint)].Add(1) }

// allow answers 405 with an Allow header unless r's method is one of methods.
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	if slices.Contains(methods, r.Method) {
		return true
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeJSON(w, http.StatusMethodNotAllowed, invalidRequest("method "+r.Method+" not allowed"))
	return false
}

// oauthError is the error body of RFC 6749 section 5.2.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// faultStatus answers a switched-on status fault.
func faultStatus(w http.ResponseWriter, status int) {
	code := "server_error"
	if status == http.StatusServiceUnavailable {
		code = "temporarily_unavailable"
	}
	writeJSON(w, status, oauthError{Error: code, Description: "mock: fault switched on"})
}

func (p *Provider) discovery(w http.ResponseWriter, f Faults) {
	authMethods := []string{"client_secret_basic", "client_secret_post"}
	if f.TokenAuthPost {
		authMethods = []string{"client_secret_post"}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.issuer,
		"authorization_endpoint":                p.issuer + PathAuthorize,
		"token_endpoint":                        p.issuer + PathToken,
		"userinfo_endpoint":                     p.issuer + PathUserinfo,
		"jwks_uri":                              p.issuer + PathJWKS,
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": authMethods,
		"scopes_supported":                      p.scopes,
		"claims_supported": []string{
			"iss", "aud", "sub", "exp", "iat", "auth_time", "nonce",
			"name", "preferred_username", "profile", "picture", "website",
			"email", "email_verified", "isPro", "canPay", "orgs",
		},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	f := p.Faults()
	if f.JWKSDelay > 0 {
		t := time.NewTimer(f.JWKSDelay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if f.JWKSStatus != 0 {
		faultStatus(w, f.JWKSStatus)
		return
	}
	p.mu.Lock()
	key := publicJWK(&p.key.PublicKey, p.kid)
	p.mu.Unlock()
	if f.JWKSKeyAlg != "" {
		key.Alg = f.JWKSKeyAlg
	}
	if f.JWKSKeyUse != "" {
		key.Use = f.JWKSKeyUse
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_ = json.NewEncoder(w).Encode(map[string][]jwk{"keys": {key}})
}

// authorizeParams are the parameters of an authorization request.
var authorizeParams = []string{"client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method"}

func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		errorPage(w, "the query string is malformed")
		return
	}
	// Client and redirect URI first: until both are valid, errors go to the user, never to
	// the redirect URI (RFC 6749 section 4.1.2.1).
	for _, name := range []string{"client_id", "redirect_uri"} {
		if len(q[name]) != 1 || q.Get(name) == "" {
			errorPage(w, "exactly one "+name+" is required")
			return
		}
	}
	clientID, redirectURI := q.Get("client_id"), q.Get("redirect_uri")
	client, ok := p.client(clientID)
	if !ok {
		errorPage(w, "unknown client_id")
		return
	}
	if !redirectAllowed(client, redirectURI) {
		errorPage(w, "redirect_uri is not registered for this client")
		return
	}
	state := q.Get("state")
	fail := func(code, desc string) {
		v := url.Values{"error": {code}, "error_description": {desc}}
		if q.Has("state") {
			v.Set("state", state)
		}
		redirect(w, r, redirectURI, v)
	}
	for _, name := range authorizeParams {
		if len(q[name]) > 1 {
			fail("invalid_request", name+" is repeated")
			return
		}
	}
	switch rt := q.Get("response_type"); {
	case rt == "":
		fail("invalid_request", "response_type is required")
		return
	case rt != "code":
		fail("unsupported_response_type", "only response_type=code is supported")
		return
	}
	scopes := strings.Fields(q.Get("scope"))
	if !slices.Contains(scopes, "openid") {
		fail("invalid_scope", "the openid scope is required")
		return
	}
	for _, s := range scopes {
		if !slices.Contains(p.scopes, s) {
			fail("invalid_scope", "unsupported scope "+s)
			return
		}
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	switch {
	case challenge == "" && method != "":
		fail("invalid_request", "code_challenge_method without code_challenge")
		return
	case challenge != "" && method != "S256":
		fail("invalid_request", "code_challenge_method must be S256")
		return
	case challenge != "" && !validChallenge(challenge):
		fail("invalid_request", "code_challenge must be a base64url SHA-256")
		return
	}
	if p.Faults().Deny {
		fail("access_denied", "The user denied access to the application")
		return
	}
	now := p.now()
	code := randomString(32)
	p.mu.Lock()
	for k, g := range p.codes { // forget expired codes
		if now.After(g.expires) {
			delete(p.codes, k)
		}
	}
	p.codes[code] = &grant{
		clientID:    clientID,
		redirectURI: redirectURI,
		scopes:      slices.Compact(scopes),
		nonce:       q.Get("nonce"),
		challenge:   challenge,
		user:        p.users[p.current].clone(),
		authTime:    now,
		expires:     now.Add(p.ttl.code),
	}
	p.mu.Unlock()
	v := url.Values{"code": {code}}
	if q.Has("state") {
		v.Set("state", state)
	}
	redirect(w, r, redirectURI, v)
}

// validChallenge reports whether s is a base64url-encoded SHA-256 (43 characters).
func validChallenge(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == sha256.Size
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

// redirect sends a 302 to target with params added to its query.
func redirect(w http.ResponseWriter, r *http.Request, target string, params url.Values) {
	u, _ := url.Parse(target) // validated by redirectAllowed
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound) //nolint:gosec // target passed redirectAllowed: a registered redirect URI
}

// errorPage answers 400 with a small HTML page, for requests that must not be redirected.
func errorPage(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = fmt.Fprintf(w, "<!doctype html>\n<title>Invalid request</title>\n<h1>Invalid OAuth request</h1>\n<p>%s</p>\n", html.EscapeString(msg))
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
	switch f := p.Faults(); {
	case f.TokenStatus != 0:
		faultStatus(w, f.TokenStatus)
		return
	case f.TokenInvalidGrant:
		writeJSON(w, http.StatusBadRequest, oauthError{Error: "invalid_grant", Description: "mock: fault switched on"})
		return
	}
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != "application/x-www-form-urlencoded" {
		writeJSON(w, http.StatusBadRequest, invalidRequest("the body must be application/x-www-form-urlencoded"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, invalidRequest("the body is malformed or too large"))
		return
	}
	form := r.PostForm
	for name, v := range form {
		if len(v) > 1 {
			writeJSON(w, http.StatusBadRequest, invalidRequest(name+" is repeated"))
			return
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
		return
	}
	var resp *tokenResponse
	var oerr *oauthError
	switch gt := form.Get("grant_type"); gt {
	case "authorization_code":
		resp, oerr = p.exchangeCode(client, form)
	case "refresh_token":
		resp, oerr = p.refreshGrant(client, form)
	case "":
		oerr = invalidRequest("grant_type is required")
	default:
		oerr = &oauthError{Error: "unsupported_grant_type", Description: "unsupported grant_type " + gt}
	}
	if oerr != nil {
		writeJSON(w, http.StatusBadRequest, oerr)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// authenticateClient authenticates by HTTP Basic (client_secret_basic, RFC 6749 section
// 2.3.1: id and secret form-urlencoded) or by client_id and client_secret in the body.
// basic reports whether the Authorization header was used.
func (p *Provider) authenticateClient(r *http.Request, form url.Values) (c Client, basic bool, err error) {
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if r.Header.Get("Authorization") != "" {
		basic = true
		if p.Faults().TokenAuthPost {
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

// invalidRequest is the invalid_request error with description desc.
func invalidRequest(desc string) *oauthError {
	return &oauthError{Error: "invalid_request", Description: desc}
}

// invalidGrant is the invalid_grant error with description desc.
func invalidGrant(desc string) *oauthError {
	return &oauthError{Error: "invalid_grant", Description: desc}
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

func s256(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func (p *Provider) refreshGrant(client Client, form url.Values) (*tokenResponse, *oauthError) {
	old := form.Get("refresh_token")
	if old == "" {
		return nil, invalidRequest("refresh_token is required")
	}
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	rt, ok := p.refresh[old]
	switch {
	case !ok:
		return nil, invalidGrant("unknown or retired refresh token")
	case !rt.expires.IsZero() && now.After(rt.expires):
		delete(p.refresh, old)
		return nil, invalidGrant("refresh token expired")
	case rt.clientID != client.ID:
		return nil, invalidGrant("refresh token was issued to another client")
	}
	scopes := rt.scopes
	if form.Has("scope") {
		scopes = strings.Fields(form.Get("scope"))
		for _, s := range scopes {
			if !slices.Contains(rt.scopes, s) {
				return nil, &oauthError{Error: "invalid_scope", Description: "scope " + s + " was not granted"}
			}
		}
		if !slices.Contains(scopes, "openid") {
			return nil, &oauthError{Error: "invalid_scope", Description: "the openid scope is required"}
		}
	}
	delete(p.refresh, old) // rotation: the old token is retired
	resp, err := p.issueLocked(client.ID, rt.user, scopes, rt.authTime, "", now)
	if err != nil {
		return nil, &oauthError{Error: "server_error", Description: err.Error()}
	}
	return resp, nil
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

// otherClient is the client id that the ExtraAudience and ForeignAZP faults put in id_tokens.
const otherClient = "another-client"

// idTokenLocked signs an id_token, applying the id_token faults. p.mu must be held.
func (p *Provider) idTokenLocked(clientID string, u User, scopes []string, authTime time.Time, nonce string, now time.Time) (string, error) {
	f := p.faults
	claims := jwt.MapClaims{
		"iss":       p.issuer,
		"sub":       u.Sub,
		"aud":       clientID,
		"iat":       now.Unix(),
		"exp":       now.Add(p.ttl.id).Unix(),
		"auth_time": authTime.Unix(),
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if slices.Contains(scopes, "profile") {
		claims["name"] = u.Name
		claims["preferred_username"] = u.PreferredUsername
		claims["profile"] = u.Profile
		claims["picture"] = u.Picture
		if u.Website != "" {
			claims["website"] = u.Website
		}
	}
	if slices.Contains(scopes, "email") && u.Email != "" {
		claims["email"] = u.Email
		if u.EmailVerified != nil {
			claims["email_verified"] = *u.EmailVerified
		}
	}
	if f.WrongAudience {
		claims["aud"] = "not-" + clientID
	}
	if f.WrongIssuer {
		claims["iss"] = "https://issuer.invalid"
	}
	if f.ExpiredIDToken {
		claims["iat"] = now.Add(-2 * time.Hour).Unix()
		claims["exp"] = now.Add(-time.Hour).Unix()
	}
	if f.WrongNonce {
		claims["nonce"] = "wrong-" + randomString(12)
	}
	if f.ExtraAudience {
		claims["aud"] = []string{clientID, otherClient}
	}
	if f.ForeignAZP {
		claims["azp"] = otherClient
	}
	method, key, kid := jwt.SigningMethod(jwt.SigningMethodRS256), any(p.key), p.kid
	switch {
	case f.AlgNone:
		method, key = jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType
	case f.HS256PublicKey:
		der, err := x509.MarshalPKIXPublicKey(&p.key.PublicKey)
		if err != nil {
			return "", err
		}
		method, key = jwt.SigningMethodHS256, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	case f.ForeignKey:
		if p.foreignKey == nil {
			k, err := generateKey()
			if err != nil {
				return "", err
			}
			p.foreignKey, p.foreignKID = k, thumbprint(&k.PublicKey)
		}
		key, kid = p.foreignKey, p.foreignKID
	case f.UnknownKID:
		kid = "unknown-" + randomString(8)
	}
	t := jwt.NewWithClaims(method, claims)
	t.Header["kid"] = kid
	return t.SignedString(key)
}

// userinfo answers the Hugging Face userinfo JSON for a Bearer access token.
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	f := p.Faults()
	if f.UserinfoStatus != 0 {
		faultStatus(w, f.UserinfoStatus)
		return
	}
	auth := r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hfmock"`)
		writeJSON(w, http.StatusUnauthorized, invalidRequest("a Bearer access token is required"))
		return
	}
	now := p.now()
	p.mu.Lock()
	at, ok := p.access[strings.TrimSpace(tok)]
	var u User
	var scopes []string
	if ok {
		if now.After(at.expires) {
			ok = false
		} else {
			u, scopes = at.user.clone(), at.scopes
		}
	}
	p.mu.Unlock()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hfmock", error="invalid_token", error_description="The access token is invalid or expired"`)
		writeJSON(w, http.StatusUnauthorized, oauthError{Error: "invalid_token", Description: "the access token is invalid or expired"})
		return
	}
	if !slices.Contains(scopes, "email") {
		u.Email, u.EmailVerified = "", nil
	}
	if f.UserinfoSub != "" {
		u.Sub = f.UserinfoSub
	}
	if f.UserinfoOmit == "" {
		writeJSON(w, http.StatusOK, u)
		return
	}
	b, err := json.Marshal(u)
	var m map[string]json.RawMessage
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, oauthError{Error: "server_error"})
		return
	}
	for _, name := range strings.Fields(f.UserinfoOmit) {
		delete(m, name)
	}
	writeJSON(w, http.StatusOK, m)
}
