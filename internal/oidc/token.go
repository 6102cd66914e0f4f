package oidc

// This file holds the token endpoint: the code exchange and the refresh
// grant through x/oauth2, the client's authentication there (the style
// discovery lists, or the one learned by trying), and its errors.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/oauth2"
)

// Exchange trades the authorization code for tokens: redirectURL and
// verifier are the login's redirect_uri and PKCE verifier. The answer
// carries an id_token (Extra("id_token")), or Exchange fails. Errors are
// *Error values (see tokenError).
func (p *Provider) Exchange(ctx context.Context, code, redirectURL, verifier string) (*oauth2.Token, error) {
	tok, err := p.token(ctx, func(ctx context.Context, cfg oauth2.Config) (*oauth2.Token, error) {
		cfg.RedirectURL = redirectURL
		return cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	})
	if err != nil {
		return nil, err
	}
	if rawID, _ := tok.Extra("id_token").(string); rawID == "" {
		return nil, &Error{Step: "token endpoint", Host: HostOf(p.TokenEndpoint), What: "sent no id_token", Kind: ErrProvider}
	}
	return tok, nil
}

// Refresh asks for new tokens with the refresh token refreshToken (a
// refresh_token grant). Errors are *Error values (see tokenError).
func (p *Provider) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	return p.token(ctx, func(ctx context.Context, cfg oauth2.Config) (*oauth2.Token, error) {
		return cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	})
}

// authStyle is how the client authenticates at the token endpoint (RFC
// 6749 section 2.3.1): client_secret_basic, client_secret_post, or not
// known yet.
type authStyle int32

const (
	styleUnknown authStyle = iota // try basic, then post once (see Provider.token)
	styleBasic                    // client_secret_basic: HTTP Basic
	stylePost                     // client_secret_post: in the form
)

// listedStyle is the style discovery's token_endpoint_auth_methods_supported
// settles: the one of client_secret_basic and client_secret_post that it
// lists alone. A list with both or neither (or no list: OpenID Connect
// Discovery then means basic, but oauth2-proxy/mockoidc, for one, lists
// both and takes only post) settles nothing: the style is learned.
func listedStyle(methods []string) authStyle {
	basic, post := slices.Contains(methods, "client_secret_basic"), slices.Contains(methods, "client_secret_post")
	switch {
	case basic && !post:
		return styleBasic
	case post && !basic:
		return stylePost
	}
	return styleUnknown
}

// style is the style to authenticate with now: the listed one, else the
// one learned, else styleUnknown.
func (p *Provider) style() authStyle {
	if p.listed != styleUnknown {
		return p.listed
	}
	return authStyle(p.learned.Load())
}

// oauth2Style is s in x/oauth2's terms: basic unless post. x/oauth2's own
// auto-detection is never used: it tries again after any failure,
// invalid_grant and 5xx included.
func (s authStyle) oauth2Style() oauth2.AuthStyle {
	if s == stylePost {
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleInHeader
}

// token sends a token request through do, which gets a context carrying
// the client and the oauth2.Config with the client's authentication style.
// With the style unknown it tries client_secret_basic, and when the
// endpoint refuses the client's authentication (refusesClient),
// client_secret_post once; the style that works is remembered for the
// Provider's life. Nothing else is tried again: invalid_grant says the
// grant is bad whatever the style, and a 5xx or no answer says nothing
// about the style. Concurrent first requests may each try; all remember
// the same answer.
func (p *Provider) token(ctx context.Context, do func(context.Context, oauth2.Config) (*oauth2.Token, error)) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.post)
	style := p.style()
	cfg := p.oauth
	cfg.Endpoint.AuthStyle = style.oauth2Style()
	tok, err := do(ctx, cfg)
	if style == styleUnknown {
		if err == nil {
			p.learned.CompareAndSwap(int32(styleUnknown), int32(styleBasic))
		} else if refusesClient(err) {
			cfg.Endpoint.AuthStyle = stylePost.oauth2Style()
			if tok, err = do(ctx, cfg); err == nil && p.learned.CompareAndSwap(int32(styleUnknown), int32(stylePost)) {
				p.cfg.Logger.Info("echohf: the token endpoint refused client_secret_basic and took client_secret_post, which this process uses from now on",
					"provider", HostOf(p.TokenEndpoint))
			}
		}
	}
	if err != nil {
		return nil, tokenError(p.TokenEndpoint, err)
	}
	return tok, nil
}

// refusesClient reports whether err, from a token request, refuses the
// client's authentication rather than the request: a 4xx with
// invalid_client or unauthorized_client, or invalid_request (what
// oauth2-proxy/mockoidc answers to credentials it does not read), or a
// 401, but never invalid_grant.
func refusesClient(err error) bool {
	re := (*oauth2.RetrieveError)(nil)
	if !errors.As(err, &re) || re.Response == nil {
		return false
	}
	code := re.Response.StatusCode
	switch {
	case code < 400 || code >= 500 || re.ErrorCode == "invalid_grant":
		return false
	case code == http.StatusUnauthorized:
		return true
	}
	return slices.Contains([]string{"invalid_client", "unauthorized_client", "invalid_request"}, re.ErrorCode)
}

// tokenError describes a failed token request (a code exchange or a
// refresh): a 4xx answer with invalid_grant is a refused grant (ErrGrant),
// one with invalid_client or unauthorized_client a refused client
// (ErrClient), any other 4xx a refused request (ErrTokenRefused), anything
// else a provider failure (ErrProvider). Only ErrGrant says that a refresh
// token is spent: a rate limit or a client the provider refuses for a
// while says nothing of it.
func tokenError(endpoint string, err error) error {
	e := &Error{Step: "token endpoint", Host: HostOf(endpoint), Kind: ErrProvider}
	if re := (*oauth2.RetrieveError)(nil); errors.As(err, &re) && re.Response != nil {
		code := re.Response.StatusCode
		e.What, e.Status = strings.TrimSpace(fmt.Sprintf("answered %d %s", code, Printable(re.ErrorCode))), code
		switch {
		case code < 400 || code >= 500:
		case re.ErrorCode == "invalid_grant":
			e.Kind = ErrGrant
		case re.ErrorCode == "invalid_client", re.ErrorCode == "unauthorized_client":
			e.Kind = ErrClient
		default:
			e.Kind = ErrTokenRefused
		}
		return e
	}
	// x/oauth2 formats its own errors with %v, so only the transport's
	// errors (from the client's Do) can be unwrapped; its message tells a
	// body cut short from an answer it could not parse.
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.As(err, new(net.Error)) ||
		strings.HasPrefix(err.Error(), "oauth2: cannot fetch token") {
		e.What, e.Unanswered = transportError(err), true
		return e
	}
	e.What = "sent a token response that could not be read"
	return e
}
