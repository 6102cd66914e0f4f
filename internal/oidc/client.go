// Package oidc is echohf's client of an OpenID provider: discovery,
// the provider's keys, id_token verification, the token endpoint (code
// exchange and refresh), userinfo and token revocation, plus the bounded
// GETs that the Hub's whoami shares. It makes no decision about sessions:
// it says what the provider answered, as errors that match ErrProvider,
// ErrVerify, ErrTokenRefused, ErrGrant or ErrClient. hfauth decides what
// to do with that.
package oidc

// This file holds Config, Client (discovery, fetched once and retried
// after a failure) and Provider, the discovered provider.

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// DiscoveryRetry is how long a failed discovery is remembered before the
// next call tries again, so an outage does not queue every login behind a
// fresh timeout.
const DiscoveryRetry = time.Second

// Config is what a Client needs; every field is required.
type Config struct {
	// Issuer is the provider's URL, without a trailing slash: discovery is
	// read from Issuer + "/.well-known/openid-configuration" and must name
	// it as its issuer.
	Issuer       string
	ClientID     string
	ClientSecret string
	Scopes       []string
	HTTPClient   *http.Client
	// Timeout bounds discovery and every JWKS fetch.
	Timeout time.Duration
	// Leeway is the clock skew allowed in an id_token's times.
	Leeway time.Duration
	// JWKSRefreshInterval is how long a key id still unknown after a fetch
	// of the keys is refused without another fetch.
	JWKSRefreshInterval time.Duration
	Now                 func() time.Time
	Logger              *slog.Logger
}

// Client finds the provider: it reads discovery on first use and keeps the
// Provider it describes for the Client's life; a failed discovery is
// remembered for DiscoveryRetry. A Client is safe for concurrent use.
type Client struct {
	cfg Config
	ctx context.Context // owns the JWKS refresher

	prov    atomic.Pointer[Provider]
	mu      sync.Mutex
	err     error     // the last discovery's failure
	retryAt time.Time // no discovery before then
}

// NewClient returns a Client for cfg. It does no I/O. ctx owns the
// background refresh of the provider's keys: when it ends, so do the
// fetches, and a login that needs new keys fails.
func NewClient(ctx context.Context, cfg Config) *Client {
	return &Client{cfg: cfg, ctx: ctx}
}

// Provider returns the discovered provider, discovering it on first use.
// Its errors are *Error values of kind ErrProvider.
func (c *Client) Provider(ctx context.Context) (*Provider, error) {
	if p := c.prov.Load(); p != nil {
		return p, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.prov.Load(); p != nil {
		return p, nil
	}
	if c.cfg.Now().Before(c.retryAt) {
		return nil, c.err
	}
	// One visitor closing their tab must not fail discovery for everyone.
	p, err := c.discover(context.WithoutCancel(ctx))
	if err != nil {
		c.err = err
		c.retryAt = c.cfg.Now().Add(DiscoveryRetry)
		return nil, err
	}
	c.prov.Store(p)
	return p, nil
}

// Discovery is the part of the provider's OpenID configuration that echohf
// uses, as the provider sent it (checked: the issuer is the Config's, the
// endpoints are http(s) URLs, https for an https provider).
type Discovery struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	UserinfoEndpoint      string   `json:"userinfo_endpoint"`
	JWKSURI               string   `json:"jwks_uri"`
	IDTokenAlgs           []string `json:"id_token_signing_alg_values_supported"`
	TokenAuthMethods      []string `json:"token_endpoint_auth_methods_supported"`
	// RevocationEndpoint is optional (RFC 8414): "" when the provider
	// announces none, or an unusable one.
	RevocationEndpoint string `json:"revocation_endpoint"`
}

// Provider is a discovered OpenID provider: its endpoints (the embedded
// Discovery, read-only), its cached keys and how this client authenticates
// at its token endpoint. A Provider is safe for concurrent use.
type Provider struct {
	Discovery
	cfg   Config
	algs  []string // allowed id_token algorithms
	keys  *keySource
	oauth oauth2.Config // the client and endpoints; the auth style is set per request
	// listed is the token endpoint's client authentication style that
	// discovery settles; when it settles none, learned is the one that
	// worked (see token), styleUnknown until then.
	listed  authStyle
	learned atomic.Int32
	// post makes the token and revocation requests: the Config's client,
	// but one that never follows a redirect, since a 307 or 308 would
	// carry their body (the tokens, and the client secret when posted) to
	// wherever it points.
	post *http.Client
}

func (c *Client) discover(ctx context.Context) (*Provider, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	const step = "discovery"
	issuer := c.cfg.Issuer
	host := HostOf(issuer)
	var d Discovery
	if err := getJSON(ctx, c.cfg.HTTPClient, step, issuer+"/.well-known/openid-configuration", &d); err != nil {
		return nil, err
	}
	if strings.TrimRight(d.Issuer, "/") != issuer {
		return nil, &Error{Step: step, Host: host, Kind: ErrProvider,
			What: fmt.Sprintf("sent issuer %q, not the provider URL", Printable(d.Issuer))}
	}
	secure := strings.HasPrefix(issuer, "https://") // an https provider's endpoints are https too
	for _, e := range []struct{ name, url string }{
		{"authorization_endpoint", d.AuthorizationEndpoint},
		{"token_endpoint", d.TokenEndpoint},
		{"userinfo_endpoint", d.UserinfoEndpoint},
		{"jwks_uri", d.JWKSURI},
	} {
		if !strings.HasPrefix(e.url, "https://") && (secure || !strings.HasPrefix(e.url, "http://")) {
			return nil, &Error{Step: step, Host: host, Kind: ErrProvider,
				What: fmt.Sprintf("sent no usable %s (missing, not an http(s) URL, or http for an https provider)", e.name)}
		}
	}
	if e := d.RevocationEndpoint; e != "" && !strings.HasPrefix(e, "https://") && (secure || !strings.HasPrefix(e, "http://")) {
		c.cfg.Logger.Warn("echohf: discovery sent an unusable revocation_endpoint (not an http(s) URL, or http for an https provider): logout will not revoke tokens", "provider", host)
		d.RevocationEndpoint = ""
	}
	p := &Provider{Discovery: d, cfg: c.cfg, post: noRedirects(c.cfg.HTTPClient)}
	for _, a := range d.IDTokenAlgs {
		if slices.Contains(asymmetric, a) {
			p.algs = append(p.algs, a)
		}
	}
	if len(p.algs) == 0 {
		p.algs = []string{"RS256"}
	}
	keys, err := newKeySource(c.ctx, d.JWKSURI, c.cfg)
	if err != nil {
		return nil, err
	}
	p.keys = keys
	p.oauth = oauth2.Config{
		ClientID:     c.cfg.ClientID,
		ClientSecret: c.cfg.ClientSecret,
		Scopes:       c.cfg.Scopes,
		Endpoint:     oauth2.Endpoint{AuthURL: d.AuthorizationEndpoint, TokenURL: d.TokenEndpoint},
	}
	p.listed = listedStyle(d.TokenAuthMethods)
	return p, nil
}

// noRedirects is a copy of c that answers a redirect as it is, without
// following it.
func noRedirects(c *http.Client) *http.Client {
	n := *c
	n.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &n
}

// AuthCodeURL is the provider's authorization URL for a login with state
// and opts (PKCE challenge, nonce, redirect_uri...).
func (p *Provider) AuthCodeURL(state string, opts ...oauth2.AuthCodeOption) string {
	return p.oauth.AuthCodeURL(state, opts...)
}

// UserInfo reads the userinfo document with the access token token and
// returns its body, for the caller to parse. A failure is an *Error of
// kind ErrProvider whose Status is the provider's answer, when not 200.
func (p *Provider) UserInfo(ctx context.Context, token string) ([]byte, error) {
	return GetBody(ctx, p.cfg.HTTPClient, "userinfo", p.UserinfoEndpoint, token)
}
