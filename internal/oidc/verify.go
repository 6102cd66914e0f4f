package oidc

// This file holds the id_token checks: signature (through keySource), iss,
// aud, azp, exp, iat and nonce.

import (
	"context"
	"fmt"
	"slices"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// asymmetric is the id_token algorithm allowlist: never "none", never HMAC.
var asymmetric = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// IDClaims are the checked claims of an id_token.
type IDClaims struct {
	Sub  string
	JSON []byte // every claim, as the provider signed them, for the profile fields
}

// VerifyIDToken checks raw's signature against the provider's keys and its
// claims: algorithm allowlist, iss, aud, azp, exp, iat and nonce. A token
// that fails a check gives an error matching ErrVerify; keys that cannot be
// fetched give an *Error of kind ErrProvider.
func (p *Provider) VerifyIDToken(ctx context.Context, raw, nonce string) (*IDClaims, error) {
	return p.checkIDToken(ctx, raw, jwt.WithClaimValue("nonce", nonce))
}

// VerifyRefreshedIDToken checks an id_token that came with a refresh as
// VerifyIDToken does, but for its nonce: OpenID Connect Core (section 12.2)
// has a refreshed id_token carry none, or the login's, which a session need
// not keep.
func (p *Provider) VerifyRefreshedIDToken(ctx context.Context, raw string) (*IDClaims, error) {
	return p.checkIDToken(ctx, raw)
}

// checkIDToken is VerifyIDToken with the nonce check, if any, in extra.
func (p *Provider) checkIDToken(ctx context.Context, raw string, extra ...jwt.ParseOption) (*IDClaims, error) {
	msg, err := jws.Parse([]byte(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: id_token is not a JWS", ErrVerify)
	}
	sigs := msg.Signatures()
	if len(sigs) != 1 {
		return nil, fmt.Errorf("%w: id_token has %d signatures", ErrVerify, len(sigs))
	}
	h := sigs[0].ProtectedHeaders()
	alg := h.Algorithm().String()
	if !slices.Contains(p.algs, alg) {
		return nil, fmt.Errorf("%w: id_token algorithm %q is not allowed", ErrVerify, alg)
	}
	kid := h.KeyID()
	if kid == "" {
		return nil, fmt.Errorf("%w: id_token has no kid", ErrVerify)
	}
	key, err := p.keys.lookup(ctx, kid)
	if err != nil {
		return nil, err
	}
	if ka := key.Algorithm().String(); ka != "" && ka != alg {
		return nil, fmt.Errorf("%w: key %q is for %s, not %s", ErrVerify, kid, ka, alg)
	}
	if u, ok := key.Get(jwk.KeyUsageKey); ok && fmt.Sprint(u) != "sig" {
		return nil, fmt.Errorf("%w: key %q is not a signing key", ErrVerify, kid)
	}
	opts := append([]jwt.ParseOption{
		jwt.WithKey(jwa.SignatureAlgorithm(alg), key),
		jwt.WithValidate(true),
		jwt.WithIssuer(p.Issuer),
		jwt.WithAudience(p.cfg.ClientID),
		jwt.WithAcceptableSkew(p.cfg.Leeway),
		jwt.WithClock(jwt.ClockFunc(p.cfg.Now)),
		jwt.WithRequiredClaim(jwt.ExpirationKey),
		jwt.WithRequiredClaim(jwt.IssuedAtKey),
		jwt.WithRequiredClaim(jwt.SubjectKey),
	}, extra...)
	tok, err := jwt.Parse([]byte(raw), opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: id_token: %w", ErrVerify, err)
	}
	azp, hasAZP := tok.Get("azp")
	if len(tok.Audience()) > 1 && !hasAZP {
		return nil, fmt.Errorf("%w: id_token has several audiences and no azp", ErrVerify)
	}
	if hasAZP && azp != p.cfg.ClientID {
		return nil, fmt.Errorf("%w: id_token azp is not this client", ErrVerify)
	}
	// The claims' bytes are the payload just verified, as the provider sent it.
	return &IDClaims{Sub: tok.Subject(), JSON: msg.Payload()}, nil
}
