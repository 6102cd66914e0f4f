package mock

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// authorizeParams are the parameters of an authorization request.
var authorizeParams = []string{"client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method", "prompt"}

// AuthorizeRequest is what an authorization request asked for, as [Provider.LastAuthorize]
// reports it.
type AuthorizeRequest struct {
	ClientID    string
	RedirectURI string
	Scopes      []string
	// Prompt is the prompt parameter as sent ("consent", "login consent", ...); "" when absent.
	// Consent is automatic whatever it asks.
	Prompt string
	// OrgIDs are the organization ids of the orgIds parameter (comma-separated, possibly
	// repeated); nil when absent.
	OrgIDs []string
}

// LastAuthorize returns the last authorization request that passed validation (whether it was
// then approved or denied by the Deny fault); ok is false before the first.
func (p *Provider) LastAuthorize() (req AuthorizeRequest, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil {
		return AuthorizeRequest{}, false
	}
	req = *p.last
	req.Scopes, req.OrgIDs = slices.Clone(req.Scopes), slices.Clone(req.OrgIDs)
	return req, true
}

// validPrompt reports whether prompt is a valid OpenID Connect prompt value: "none" alone, or
// any of the other values; unknown values are ignored, as the spec allows.
func validPrompt(prompt string) bool {
	values := strings.Fields(prompt)
	return !slices.Contains(values, "none") || len(values) == 1
}

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
	if !validPrompt(q.Get("prompt")) {
		fail("invalid_request", "prompt=none cannot be combined with other values")
		return
	}
	var orgIDs []string
	for _, v := range q["orgIds"] {
		for _, id := range strings.Split(v, ",") {
			if id != "" {
				orgIDs = append(orgIDs, id)
			}
		}
	}
	p.mu.Lock()
	p.last = &AuthorizeRequest{ClientID: clientID, RedirectURI: redirectURI, Scopes: slices.Compact(slices.Clone(scopes)), Prompt: q.Get("prompt"), OrgIDs: orgIDs}
	p.mu.Unlock()
	if p.currentFaults().Deny {
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
