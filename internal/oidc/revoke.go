package oidc

// This file holds token revocation (RFC 7009).

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Revoke asks the provider's revocation endpoint to revoke token, of the
// kind hint ("refresh_token" or "access_token"), authenticating the client
// as at the token endpoint: in the style discovery lists or this Provider
// learned there; while none is known, client_secret_basic and, when that
// is answered 400 or 401, client_secret_post once (a revocation may be
// asked twice: RFC 7009 answers 200 for a token already revoked). Any
// answer but 200 is a failure, an *Error of kind ErrProvider. The caller
// checks that RevocationEndpoint is set.
func (p *Provider) Revoke(ctx context.Context, token, hint string) error {
	style := p.style()
	err := p.revoke(ctx, token, hint, style != stylePost)
	if pe := (*Error)(nil); style == styleUnknown && errors.As(err, &pe) &&
		(pe.Status == http.StatusBadRequest || pe.Status == http.StatusUnauthorized) {
		err = p.revoke(ctx, token, hint, false)
	}
	return err
}

// revoke is one revocation request, with the client's credentials in an
// Authorization header when basic is set, else in the form.
func (p *Provider) revoke(ctx context.Context, token, hint string, basic bool) error {
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	if !basic {
		form.Set("client_id", p.cfg.ClientID)
		form.Set("client_secret", p.cfg.ClientSecret)
	}
	pe := &Error{Step: "revocation", Host: HostOf(p.RevocationEndpoint), Kind: ErrProvider}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.RevocationEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		pe.What = "has an unusable URL"
		return pe
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic { // as x/oauth2 does for the token endpoint (RFC 6749 section 2.3.1)
		req.SetBasicAuth(url.QueryEscape(p.cfg.ClientID), url.QueryEscape(p.cfg.ClientSecret))
	}
	res, err := p.post.Do(req)
	if err != nil {
		pe.What, pe.Unanswered = transportError(err), true
		return pe
	}
	drain(res)
	if res.StatusCode != http.StatusOK {
		pe.What, pe.Status = fmt.Sprintf("answered %d", res.StatusCode), res.StatusCode
		return pe
	}
	return nil
}
