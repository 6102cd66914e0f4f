package hfauth

// This file holds OpenID discovery: the provider document, fetched once and
// retried after a failure.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// discoveryRetry is how long a failed discovery is remembered before the
// next login tries again, so an outage does not queue every login behind a
// fresh timeout.
const discoveryRetry = time.Second

// discovery is the part of the provider's OpenID configuration we use.
type discovery struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	UserinfoEndpoint      string   `json:"userinfo_endpoint"`
	JWKSURI               string   `json:"jwks_uri"`
	IDTokenAlgs           []string `json:"id_token_signing_alg_values_supported"`
	TokenAuthMethods      []string `json:"token_endpoint_auth_methods_supported"`
	// RevocationEndpoint is optional (RFC 8414): logout revokes the
	// session's tokens there when it is given.
	RevocationEndpoint string `json:"revocation_endpoint"`
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
	if err := o.getJSON(ctx, step, o.cfg.ProviderURL+"/.well-known/openid-configuration", &d); err != nil {
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
	if e := d.RevocationEndpoint; e != "" && !strings.HasPrefix(e, "https://") && (secure || !strings.HasPrefix(e, "http://")) {
		o.cfg.Logger.Warn("echohf: discovery sent an unusable revocation_endpoint (not an http(s) URL, or http for an https provider): logout will not revoke tokens", "provider", host)
		d.RevocationEndpoint = ""
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
