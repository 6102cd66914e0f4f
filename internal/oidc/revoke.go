package oidc

// This file holds token revocation (RFC 7009).

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// Revoke asks the provider's revocation endpoint to revoke token, of the
// kind hint ("refresh_token" or "access_token"), authenticating the client
// as at the token endpoint. Any answer but 200 is a failure, an *Error of
// kind ErrProvider. The caller checks that RevocationEndpoint is set.
func (p *Provider) Revoke(ctx context.Context, token, hint string) error {
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	header := p.oauth.Endpoint.AuthStyle != oauth2.AuthStyleInParams
	if !header {
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
	if header { // as x/oauth2 does for the token endpoint (RFC 6749 section 2.3.1)
		req.SetBasicAuth(url.QueryEscape(p.cfg.ClientID), url.QueryEscape(p.cfg.ClientSecret))
	}
	res, err := p.cfg.HTTPClient.Do(req)
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
