package hfauth

// This file holds the id_token checks: signature (through keySource), iss,
// aud, azp, exp, iat and nonce.

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// errVerify reports an id_token or userinfo answer that fails a check
// (answered 401, where a provider problem is answered 502 or 503).
var errVerify = errors.New("echohf: verification failed")

// asymmetric is the id_token algorithm allowlist: never "none", never HMAC.
var asymmetric = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// idClaims are the checked claims of an id_token.
type idClaims struct {
	Sub  string
	JSON []byte // every claim, for the profile fields
}

// verifyIDToken checks raw's signature against the provider's keys and its
// claims: algorithm allowlist, iss, aud, azp, exp, iat and nonce.
func (o *OAuth) verifyIDToken(ctx context.Context, p *provider, raw, nonce string) (*idClaims, error) {
	return o.checkIDToken(ctx, p, raw, jwt.WithClaimValue("nonce", nonce))
}

// verifyRefreshedIDToken checks an id_token that came with a refresh as
// verifyIDToken does, but for its nonce: OpenID Connect Core (section 12.2)
// has a refreshed id_token carry none, or the login's, which the session
// does not keep.
func (o *OAuth) verifyRefreshedIDToken(ctx context.Context, p *provider, raw string) (*idClaims, error) {
	return o.checkIDToken(ctx, p, raw)
}

// checkIDToken is verifyIDToken with the nonce check, if any, in extra.
func (o *OAuth) checkIDToken(ctx context.Context, p *provider, raw string, extra ...jwt.ParseOption) (*idClaims, error) {
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
	opts := append([]jwt.ParseOption{
		jwt.WithKey(jwa.SignatureAlgorithm(alg), key),
		jwt.WithValidate(true),
		jwt.WithIssuer(p.Issuer),
		jwt.WithAudience(o.cfg.ClientID),
		jwt.WithAcceptableSkew(o.cfg.Leeway),
		jwt.WithClock(jwt.ClockFunc(o.cfg.Now)),
		jwt.WithRequiredClaim(jwt.ExpirationKey),
		jwt.WithRequiredClaim(jwt.IssuedAtKey),
		jwt.WithRequiredClaim(jwt.SubjectKey),
	}, extra...)
	tok, err := jwt.Parse([]byte(raw), opts...)
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
