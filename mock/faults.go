package mock

import "time"

// Faults are switches for tests; each changes only what it names. The zero value is a
// faithful provider.
type Faults struct {
	// Deny makes authorize redirect back with error=access_denied&error_description=…&state=….
	Deny bool
	// ForeignKey signs id_tokens with an RSA key that is not in the JWKS (header kid is that key's).
	ForeignKey bool
	// UnknownKID signs id_tokens with the real key but a header kid that is not in the JWKS.
	UnknownKID bool
	// AlgNone issues id_tokens with alg "none" and an empty signature.
	AlgNone bool
	// HS256PublicKey issues id_tokens HS256-signed with the PEM of the RSA public key
	// (algorithm confusion).
	HS256PublicKey bool
	// WrongAudience issues id_tokens for another audience than the client.
	WrongAudience bool
	// WrongIssuer issues id_tokens with another issuer.
	WrongIssuer bool
	// ExpiredIDToken issues id_tokens that expired an hour ago.
	ExpiredIDToken bool
	// WrongNonce issues id_tokens whose nonce differs from the one sent to authorize.
	WrongNonce bool
	// ExtraAudience issues id_tokens whose aud is the client and "another-client", with no
	// azp claim to say which of the two the token was issued to.
	ExtraAudience bool
	// ForeignAZP issues id_tokens whose azp is "another-client" while aud is still the client.
	ForeignAZP bool
	// JWKSStatus, if non-zero, makes the JWKS endpoint answer this status (e.g. 500).
	JWKSStatus int
	// JWKSDelay makes the JWKS endpoint wait this long before answering (or until the request
	// is canceled).
	JWKSDelay time.Duration
	// JWKSKeyAlg, if non-empty, is the "alg" the JWKS gives the signing key instead of RS256
	// (e.g. "RS512"); id_tokens are still signed RS256 with that key.
	JWKSKeyAlg string
	// JWKSKeyUse, if non-empty, is the "use" the JWKS gives the signing key instead of "sig"
	// (e.g. "enc"); id_tokens are still signed with that key.
	JWKSKeyUse string
	// TokenStatus, if non-zero, makes the token endpoint answer this status (e.g. 502).
	TokenStatus int
	// TokenInvalidGrant makes the token endpoint answer 400 {"error":"invalid_grant"}.
	TokenInvalidGrant bool
	// TokenAuthPost makes the token endpoint take client credentials only from the form body
	// (client_secret_post), refusing HTTP Basic with 401 invalid_client, and makes discovery
	// list only client_secret_post.
	TokenAuthPost bool
	// RefreshInvalidGrant makes refresh_token grants answer 400 {"error":"invalid_grant"}, as
	// for a refresh token that was used or revoked; the token itself stays usable.
	RefreshInvalidGrant bool
	// RefreshStatus, if non-zero, makes refresh_token grants answer this status (e.g. 500)
	// without using the token.
	RefreshStatus int
	// RefreshDelay makes refresh_token grants wait this long before they are processed; a
	// request canceled meanwhile gets no answer and leaves the token unused.
	RefreshDelay time.Duration
	// NoRevocationEndpoint leaves revocation_endpoint out of discovery, as a provider without
	// one; the endpoint still answers.
	NoRevocationEndpoint bool
	// RevokeStatus, if non-zero, makes the revocation endpoint answer this status (e.g. 503)
	// and revoke nothing.
	RevokeStatus int
	// RevokeDelay makes the revocation endpoint wait this long before it revokes anything (or
	// until the request is canceled, then revoking nothing).
	RevokeDelay time.Duration
	// UserinfoStatus, if non-zero, makes the userinfo endpoint answer this status.
	UserinfoStatus int
	// UserinfoSub, if non-empty, is reported by userinfo instead of the user's sub.
	UserinfoSub string
	// UserinfoOmit is a space-separated list of userinfo fields, by their JSON names (e.g.
	// "name email"), that userinfo leaves out of its answer. id_tokens are unchanged: they
	// still carry the profile and email claims their scopes grant.
	UserinfoOmit string
	// HubStatus, if non-zero, makes the Hub API endpoints ([PathWhoami], [PathModels]) answer
	// this status (e.g. 503).
	HubStatus int
	// HubDelay makes the Hub API endpoints wait this long before answering (or until the
	// request is canceled).
	HubDelay time.Duration
}

// SetFaults replaces the fault switches.
func (p *Provider) SetFaults(f Faults) {
	p.mu.Lock()
	p.faults = f
	p.mu.Unlock()
}

// currentFaults returns the current fault switches.
func (p *Provider) currentFaults() Faults {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.faults
}
