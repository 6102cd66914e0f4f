package hfauth

// This file holds hfauth's side of the provider client (internal/oidc):
// the names hfauth uses for its types and errors, and providerFor.

import (
	"context"
	"errors"

	"github.com/echohf/echohf/internal/oidc"
)

// provider is the discovered OpenID provider (internal/oidc).
type provider = oidc.Provider

// providerError is a failed exchange with the provider or the Hub, told
// for the log (internal/oidc's Error).
type providerError = oidc.Error

// The kinds of provider failure, which errors.Is tells apart (see
// internal/oidc for each).
var (
	errProvider     = oidc.ErrProvider     // unreachable, or an error answer: 502, 503
	errVerify       = oidc.ErrVerify       // an id_token or userinfo answer that fails a check: 401
	errTokenRefused = oidc.ErrTokenRefused // a token request answered with a 4xx
	errGrant        = oidc.ErrGrant        // invalid_grant: the code or refresh token is spent
	errClient       = oidc.ErrClient       // invalid_client, unauthorized_client: the app's configuration
)

// maxDocSize bounds every document read from the provider or the Hub.
const maxDocSize = oidc.MaxDocSize

// newProviderClient is the provider client for r, whose key refresh ends
// with ctx.
func newProviderClient(ctx context.Context, r resolved) *oidc.Client {
	return oidc.NewClient(ctx, oidc.Config{
		Issuer:              r.ProviderURL,
		ClientID:            r.ClientID,
		ClientSecret:        r.ClientSecret,
		Scopes:              r.Scopes,
		HTTPClient:          r.HTTPClient,
		Timeout:             r.Timeout,
		Leeway:              r.Leeway,
		JWKSRefreshInterval: r.JWKSRefreshInterval,
		Now:                 r.Now,
		Logger:              r.Logger,
	})
}

// providerFor returns the discovered provider, discovering it on first use.
func (o *OAuth) providerFor(ctx context.Context) (*provider, error) {
	return o.provider.Provider(ctx)
}

// logClientRefused tells the operator, at Error level, that the token
// endpoint refused this app's client credentials (err matches errClient):
// a configuration problem no visitor can fix, unlike a provider failure.
// It names the provider's host and the client id, never the secret.
func (o *OAuth) logClientRefused(err error) {
	host := ""
	if pe := (*providerError)(nil); errors.As(err, &pe) {
		host = pe.Host
	}
	o.cfg.Logger.Error("echohf: configuration problem: the provider's token endpoint refused this app's client credentials; "+
		"check the client id and secret (Config.ClientID and ClientSecret, or "+EnvClientID+" and "+EnvClientSecret+
		") against the OAuth app registered with the provider, and that the app may use this grant; sign-ins and refreshes fail until then",
		"provider", host, "client_id", o.cfg.ClientID, "error", err.Error())
}

// unanswered reports whether err is a provider failure in which the
// provider gave no answer, for the page's message.
func unanswered(err error) bool { return oidc.Unanswered(err) }
