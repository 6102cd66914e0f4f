package mock

import "net/http"

func (p *Provider) discovery(w http.ResponseWriter, f Faults) {
	authMethods := []string{"client_secret_basic", "client_secret_post"}
	if f.TokenAuthPost {
		authMethods = []string{"client_secret_post"}
	}
	doc := map[string]any{
		"issuer":                                p.issuer,
		"authorization_endpoint":                p.issuer + PathAuthorize,
		"token_endpoint":                        p.issuer + PathToken,
		"userinfo_endpoint":                     p.issuer + PathUserinfo,
		"jwks_uri":                              p.issuer + PathJWKS,
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": authMethods,
		"scopes_supported":                      p.scopes,
		"claims_supported": []string{
			"iss", "aud", "sub", "exp", "iat", "auth_time", "nonce",
			"name", "preferred_username", "profile", "picture", "website",
			"email", "email_verified", "isPro", "canPay", "orgs",
		},
	}
	if !f.NoRevocationEndpoint {
		doc["revocation_endpoint"] = p.issuer + PathRevoke
		doc["revocation_endpoint_auth_methods_supported"] = authMethods
	}
	writeJSON(w, http.StatusOK, doc)
}
