package echohf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
	"golang.org/x/oauth2"
)

// Errors that tell a provider problem (answered 502 or 503) from a token
// that fails verification (answered 401).
var (
	// errProvider reports that the provider could not be reached, timed
	// out, or answered with an error or an unusable document.
	errProvider = errors.New("echohf: provider unavailable")
	// errVerify reports an id_token or userinfo answer that fails a check.
	errVerify = errors.New("echohf: verification failed")
)

// maxDocSize bounds any document read from the provider: a longer answer
// is an error. (x/oauth2 reads at most as much of the token endpoint's.)
const maxDocSize = 1 << 20

// discoveryRetry is how long a failed discovery is remembered before the
// next login tries again, so an outage does not queue every login behind a
// fresh timeout.
const discoveryRetry = time.Second

// asymmetric is the id_token algorithm allowlist: never "none", never HMAC.
var asymmetric = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// discovery is the part of the provider's OpenID configuration we use.
type discovery struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	UserinfoEndpoint      string   `json:"userinfo_endpoint"`
	JWKSURI               string   `json:"jwks_uri"`
	IDTokenAlgs           []string `json:"id_token_signing_alg_values_supported"`
	TokenAuthMethods      []string `json:"token_endpoint_auth_methods_supported"`
}

// provider is a discovered OpenID provider with its cached keys.
type provider struct {
	discovery
	algs  []string // allowed id_token algorithms
	keys  *keySource
	oauth oauth2.Config
}

// providerFor returns the discovered provider, discovering it on first use.
func (o *OAuth) providerFor(ctx context.Context) (*provider, error) {
	if p := o.prov.Load(); p != nil {
		return p, nil
	}
	o.provMu.Lock()
	defer o.provMu.Unlock()
	if p := o.prov.Load(); p != nil {
		return p, nil
	}
	if o.cfg.Now().Before(o.provRetryAt) {
		return nil, o.provErr
	}
	// One visitor closing their tab must not fail discovery for everyone.
	p, err := o.discover(context.WithoutCancel(ctx))
	if err != nil {
		o.provErr = err
		o.provRetryAt = o.cfg.Now().Add(discoveryRetry)
		return nil, err
	}
	o.prov.Store(p)
	return p, nil
}

func (o *OAuth) discover(ctx context.Context) (*provider, error) {
	ctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
	defer cancel()
	const step = "discovery"
	host := hostOf(o.cfg.ProviderURL)
	var d discovery
	if err := o.getJSON(ctx, step, o.cfg.ProviderURL+"/.well-known/openid-configuration", "", &d); err != nil {
		return nil, err
	}
	if strings.TrimRight(d.Issuer, "/") != o.cfg.ProviderURL {
		return nil, &providerError{step: step, host: host, kind: errProvider,
			what: fmt.Sprintf("sent issuer %q, not the provider URL", safeToken(d.Issuer))}
	}
	secure := strings.HasPrefix(o.cfg.ProviderURL, "https://") // an https provider's endpoints are https too
	for _, e := range []struct{ name, url string }{
		{"authorization_endpoint", d.AuthorizationEndpoint},
		{"token_endpoint", d.TokenEndpoint},
		{"userinfo_endpoint", d.UserinfoEndpoint},
		{"jwks_uri", d.JWKSURI},
	} {
		if !strings.HasPrefix(e.url, "https://") && (secure || !strings.HasPrefix(e.url, "http://")) {
			return nil, &providerError{step: step, host: host, kind: errProvider,
				what: fmt.Sprintf("sent no usable %s (missing, not an http(s) URL, or http for an https provider)", e.name)}
		}
	}
	p := &provider{discovery: d}
	for _, a := range d.IDTokenAlgs {
		if slices.Contains(asymmetric, a) {
			p.algs = append(p.algs, a)
		}
	}
	if len(p.algs) == 0 {
		p.algs = []string{"RS256"}
	}
	keys, err := newKeySource(o.ctx, d.JWKSURI, o.cfg)
	if err != nil {
		return nil, err
	}
	p.keys = keys
	p.oauth = oauth2.Config{
		ClientID:     o.cfg.ClientID,
		ClientSecret: o.cfg.ClientSecret,
		Scopes:       o.cfg.Scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:   d.AuthorizationEndpoint,
			TokenURL:  d.TokenEndpoint,
			AuthStyle: authStyle(d.TokenAuthMethods),
		},
	}
	return p, nil
}

// authStyle picks how the client authenticates at the token endpoint from
// discovery's token_endpoint_auth_methods_supported: client_secret_basic
// when listed or when the list is absent (OpenID Connect Discovery's
// default, and what Hugging Face takes), else client_secret_post when
// listed. A provider listing neither gets client_secret_basic, which RFC
// 6749 section 2.3.1 requires of every server that issues client secrets.
func authStyle(methods []string) oauth2.AuthStyle {
	if !slices.Contains(methods, "client_secret_basic") && slices.Contains(methods, "client_secret_post") {
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleInHeader
}

// providerError is a failed exchange with the provider, told the way the
// operator's log needs it: the step ("discovery", "token endpoint",
// "userinfo", "jwks"), the provider's host and what went wrong ("answered
// 404", "timed out", ...). It never holds a URL's path or query, a token or
// a body. It matches its kind: errProvider, or errGrant for a refused code.
type providerError struct {
	step   string
	host   string
	what   string
	kind   error
	status int // the HTTP status of an answer that was not 200, else 0
}

func (e *providerError) Error() string {
	if e.host == "" {
		return e.step + ": " + e.what
	}
	return e.step + ": " + e.host + " " + e.what
}

func (e *providerError) Unwrap() error { return e.kind }

// hostOf returns the host (and port) of rawURL, or "" when it does not parse.
func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Host
}

// getJSON fetches rawURL with getBody and decodes the body into v.
func (o *OAuth) getJSON(ctx context.Context, step, rawURL, token string, v any) error {
	body, err := o.getBody(ctx, step, rawURL, token)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &providerError{step: step, host: hostOf(rawURL), what: "sent a document that is not JSON", kind: errProvider}
	}
	return nil
}

// getBody fetches rawURL (with a bearer token when token is set) and
// returns its body; a body over maxDocSize is an error, not cut short.
// Every failure is a *providerError for step.
func (o *OAuth) getBody(ctx context.Context, step, rawURL, token string) ([]byte, error) {
	fail := func(host, what string) error {
		return &providerError{step: step, host: host, what: what, kind: errProvider}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fail("", "has an unusable URL")
	}
	host := req.URL.Host
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := o.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fail(host, transportError(err))
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxDocSize))
		return nil, &providerError{step: step, host: host, what: fmt.Sprintf("answered %d", res.StatusCode), kind: errProvider, status: res.StatusCode}
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxDocSize+1))
	switch {
	case err != nil:
		return nil, fail(host, transportError(err))
	case len(body) > maxDocSize:
		return nil, fail(host, "sent a body over 1 MiB")
	}
	return body, nil
}

// tokenError describes a failed code exchange: a 4xx answer is a refused
// code (errGrant), anything else a provider failure.
func tokenError(endpoint string, err error) error {
	e := &providerError{step: "token endpoint", host: hostOf(endpoint), kind: errProvider}
	if re := (*oauth2.RetrieveError)(nil); errors.As(err, &re) && re.Response != nil {
		code := re.Response.StatusCode
		e.what = strings.TrimSpace(fmt.Sprintf("answered %d %s", code, safeToken(re.ErrorCode)))
		if code >= 400 && code < 500 {
			e.kind = errGrant
		}
		return e
	}
	e.what = transportError(err)
	return e
}

// transportError describes a transport failure without echoing URLs that
// could carry credentials.
func transportError(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return "timed out"
	}
	return "could not be reached"
}

// idClaims are the checked claims of an id_token.
type idClaims struct {
	Sub  string
	JSON []byte // every claim, for the profile fields
}

// verifyIDToken checks raw's signature against the provider's keys and its
// claims: algorithm allowlist, iss, aud, azp, exp, iat and nonce.
func (o *OAuth) verifyIDToken(ctx context.Context, p *provider, raw, nonce string) (*idClaims, error) {
	msg, err := jws.Parse([]byte(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: id_token is not a JWS", errVerify)
	}
	sigs := msg.Signatures()
	if len(sigs) != 1 {
		return nil, fmt.Errorf("%w: id_token has %d signatures", errVerify, len(sigs))
	}
	h := sigs[0].ProtectedHeaders()
	alg := h.Algorithm().String()
	if !slices.Contains(p.algs, alg) {
		return nil, fmt.Errorf("%w: id_token algorithm %q is not allowed", errVerify, alg)
	}
	kid := h.KeyID()
	if kid == "" {
		return nil, fmt.Errorf("%w: id_token has no kid", errVerify)
	}
	key, err := p.keys.lookup(ctx, kid)
	if err != nil {
		return nil, err
	}
	if ka := key.Algorithm().String(); ka != "" && ka != alg {
		return nil, fmt.Errorf("%w: key %q is for %s, not %s", errVerify, kid, ka, alg)
	}
	if u, ok := key.Get(jwk.KeyUsageKey); ok && fmt.Sprint(u) != "sig" {
		return nil, fmt.Errorf("%w: key %q is not a signing key", errVerify, kid)
	}
	tok, err := jwt.Parse([]byte(raw),
		jwt.WithKey(jwa.SignatureAlgorithm(alg), key),
		jwt.WithValidate(true),
		jwt.WithIssuer(p.Issuer),
		jwt.WithAudience(o.cfg.ClientID),
		jwt.WithAcceptableSkew(o.cfg.Leeway),
		jwt.WithClock(jwt.ClockFunc(o.cfg.Now)),
		jwt.WithRequiredClaim(jwt.ExpirationKey),
		jwt.WithRequiredClaim(jwt.IssuedAtKey),
		jwt.WithRequiredClaim(jwt.SubjectKey),
		jwt.WithClaimValue("nonce", nonce),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: id_token: %w", errVerify, err)
	}
	azp, hasAZP := tok.Get("azp")
	if len(tok.Audience()) > 1 && !hasAZP {
		return nil, fmt.Errorf("%w: id_token has several audiences and no azp", errVerify)
	}
	if hasAZP && azp != o.cfg.ClientID {
		return nil, fmt.Errorf("%w: id_token azp is not this client", errVerify)
	}
	// The claims' bytes are the payload just verified, as the provider sent it.
	return &idClaims{Sub: tok.Subject(), JSON: msg.Payload()}, nil
}
