package mock

import (
	"crypto/x509"
	"encoding/pem"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// otherClient is the client id that the ExtraAudience and ForeignAZP faults put in id_tokens.
const otherClient = "another-client"

// idTokenLocked signs an id_token, applying the id_token faults. p.mu must be held.
func (p *Provider) idTokenLocked(clientID string, u User, scopes []string, authTime time.Time, nonce string, now time.Time) (string, error) {
	f := p.faults
	claims := jwt.MapClaims{
		"iss":       p.issuer,
		"sub":       u.Sub,
		"aud":       clientID,
		"iat":       now.Unix(),
		"exp":       now.Add(p.ttl.id).Unix(),
		"auth_time": authTime.Unix(),
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if slices.Contains(scopes, "profile") {
		claims["name"] = u.Name
		claims["preferred_username"] = u.PreferredUsername
		claims["profile"] = u.Profile
		claims["picture"] = u.Picture
		if u.Website != "" {
			claims["website"] = u.Website
		}
	}
	if slices.Contains(scopes, "email") && u.Email != "" {
		claims["email"] = u.Email
		if u.EmailVerified != nil {
			claims["email_verified"] = *u.EmailVerified
		}
	}
	if f.WrongAudience {
		claims["aud"] = "not-" + clientID
	}
	if f.WrongIssuer {
		claims["iss"] = "https://issuer.invalid"
	}
	if f.ExpiredIDToken {
		claims["iat"] = now.Add(-2 * time.Hour).Unix()
		claims["exp"] = now.Add(-time.Hour).Unix()
	}
	if f.WrongNonce {
		claims["nonce"] = "wrong-" + randomString(12)
	}
	if f.ExtraAudience {
		claims["aud"] = []string{clientID, otherClient}
	}
	if f.ForeignAZP {
		claims["azp"] = otherClient
	}
	method, key, kid := jwt.SigningMethod(jwt.SigningMethodRS256), any(p.key), p.kid
	switch {
	case f.AlgNone:
		method, key = jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType
	case f.HS256PublicKey:
		der, err := x509.MarshalPKIXPublicKey(&p.key.PublicKey)
		if err != nil {
			return "", err
		}
		method, key = jwt.SigningMethodHS256, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	case f.ForeignKey:
		if p.foreignKey == nil {
			k, err := generateKey()
			if err != nil {
				return "", err
			}
			p.foreignKey, p.foreignKID = k, thumbprint(&k.PublicKey)
		}
		key, kid = p.foreignKey, p.foreignKID
	case f.UnknownKID:
		kid = "unknown-" + randomString(8)
	}
	t := jwt.NewWithClaims(method, claims)
	t.Header["kid"] = kid
	return t.SignedString(key)
}
