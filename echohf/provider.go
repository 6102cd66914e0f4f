package echohf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
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

// maxDocSize bounds any JSON document read from the provider.
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
	var d discovery
	if err := o.getJSON(ctx, o.cfg.ProviderURL+"/.well-known/openid-configuration", "", &d); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	if strings.TrimRight(d.Issuer, "/") != o.cfg.ProviderURL {
		return nil, fmt.Errorf("%w: discovery: issuer %q is not the provider URL %q", errProvider, d.Issuer, o.cfg.ProviderURL)
	}
	secure := strings.HasPrefix(o.cfg.ProviderURL, "https://") // an https provider's endpoints are https too
	for _, e := range []struct{ name, url string }{
		{"authorization_endpoint", d.AuthorizationEndpoint},
		{"token_endpoint", d.TokenEndpoint},
		{"userinfo_endpoint", d.UserinfoEndpoint},
		{"jwks_uri", d.JWKSURI},
	} {
		if !strings.HasPrefix(e.url, "https://") && (secure || !strings.HasPrefix(e.url, "http://")) {
			return nil, fmt.Errorf("%w: discovery: %s missing, not an http(s) URL, or http for an https provider", errProvider, e.name)
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
	cache := jwk.NewCache(o.ctx)
	if err := cache.Register(d.JWKSURI, jwk.WithHTTPClient(o.cfg.HTTPClient), jwk.WithMinRefreshInterval(15*time.Minute)); err != nil {
		return nil, fmt.Errorf("%w: jwks: %w", errProvider, err)
	}
	p.keys = &keySource{cache: cache, url: d.JWKSURI, interval: o.cfg.JWKSRefreshInterval, now: o.cfg.Now, timeout: o.cfg.Timeout}
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

// getJSON fetches url with getBody and decodes the body into v.
func (o *OAuth) getJSON(ctx context.Context, url, token string, v any) error {
	body, err := o.getBody(ctx, url, token)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: the answer is not a JSON document", errProvider)
	}
	return nil
}

// getBody fetches url (with a bearer token when token is set) and returns
// its body, at most maxDocSize bytes. Transport failures and non-200
// answers wrap errProvider; the error never contains the token or the body.
func (o *OAuth) getBody(ctx context.Context, url, token string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errProvider, err)
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := o.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", errProvider, transportError(err))
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxDocSize))
		return nil, fmt.Errorf("%w: %s answered %d", errProvider, req.URL.Path, res.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxDocSize))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %s", errProvider, req.URL.Path, transportError(err))
	}
	return body, nil
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
	return "unreachable"
}

// keySource finds the provider's verification keys: a jwk.Cache fetches the
// JWKS once and refreshes it in the background; an unknown kid forces at
// most one refresh per interval, shared by every caller waiting on it. When
// a refresh fails the keys already cached keep working, and the next login
// tries again rather than waiting out the interval: the limit is for kids
// the provider does not know, not for a provider that was unreachable.
type keySource struct {
	cache    *jwk.Cache
	url      string
	interval time.Duration
	timeout  time.Duration
	now      func() time.Time

	mu     sync.Mutex
	forced time.Time // when a refresh was last forced
	failed bool      // whether that refresh failed
}

// errUnknownKey reports a kid the provider's JWKS does not hold.
var errUnknownKey = fmt.Errorf("%w: unknown key id", errVerify)

func (k *keySource) lookup(ctx context.Context, kid string) (jwk.Key, error) {
	if key, ok := k.cached(ctx, kid); ok {
		return key, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	// Another caller may have refreshed while we waited.
	if key, ok := k.cached(ctx, kid); ok {
		return key, nil
	}
	now := k.now()
	if !k.failed && !k.forced.IsZero() && now.Sub(k.forced) < k.interval {
		return nil, errUnknownKey
	}
	k.forced = now
	ctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	set, err := k.cache.Refresh(ctx, k.url)
	k.failed = err != nil
	if err != nil {
		return nil, fmt.Errorf("%w: jwks: %s", errProvider, transportError(err))
	}
	if key, ok := set.LookupKeyID(kid); ok {
		return key, nil
	}
	return nil, errUnknownKey
}

// cached looks kid up in the cached set, fetching the set on first use.
func (k *keySource) cached(ctx context.Context, kid string) (jwk.Key, bool) {
	ctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	set, err := k.cache.Get(ctx, k.url)
	if err != nil {
		return nil, false
	}
	return set.LookupKeyID(kid)
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
