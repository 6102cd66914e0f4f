package oidc

// This file holds the token endpoint: the code exchange and the refresh
// grant through x/oauth2, the client's authentication there, and its
// errors.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"golang.org/x/oauth2"
)

// Exchange trades the authorization code for tokens: redirectURL and
// verifier are the login's redirect_uri and PKCE verifier. The answer
// carries an id_token (Extra("id_token")), or Exchange fails. Errors are
// *Error values (see tokenError).
func (p *Provider) Exchange(ctx context.Context, code, redirectURL, verifier string) (*oauth2.Token, error) {
	cfg := p.oauth
	cfg.RedirectURL = redirectURL
	tok, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, p.cfg.HTTPClient), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, tokenError(p.TokenEndpoint, err)
	}
	if rawID, _ := tok.Extra("id_token").(string); rawID == "" {
		return nil, &Error{Step: "token endpoint", Host: HostOf(p.TokenEndpoint), What: "sent no id_token", Kind: ErrProvider}
	}
	return tok, nil
}

// Refresh asks for new tokens with the refresh token refreshToken (a
// refresh_token grant). Errors are *Error values (see tokenError).
func (p *Provider) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.cfg.HTTPClient)
	tok, err := p.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	if err != nil {
		return nil, tokenError(p.TokenEndpoint, err)
	}
	return tok, nil
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
