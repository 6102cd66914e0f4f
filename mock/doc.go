// Package mock is a fake Hugging Face OpenID Connect provider for tests, examples and laptops.
//
// A [Provider] is an [net/http.Handler] that serves the same endpoints as huggingface.co,
// relative to its issuer URL:
//
//	/.well-known/openid-configuration  discovery
//	/oauth/authorize                   authorization code flow (consent is automatic)
//	/oauth/token                       authorization_code and refresh_token grants
//	/oauth/userinfo                    the Hugging Face userinfo JSON (with orgs)
//	/oauth/jwks                        the RS256 public key
//	/oauth/revoke                      token revocation (RFC 7009)
//	/api/whoami-v2                     the Hub API's account of a Bearer token
//	/api/models?author=…&limit=…       the Hub API's model list
//
// It is a faithful provider, not a stub: codes are single-use, short-lived and bound to the
// client, the redirect URI and the PKCE (S256) verifier; refresh tokens rotate and are
// single-use; id_tokens are real RS256 JWTs whose keys are published in the JWKS; a revoked
// access token gets 401 from userinfo; userinfo describes the user as they are now, so a test
// can change their organizations between two calls ([Provider.AddUser]); bad requests get the
// OAuth 2.0 error responses (never a redirect to an unregistered URI, never a 5xx). [Faults]
// switch on the failures a relying party must survive, one at a time; [Provider.Requests]
// counts requests per endpoint and [Provider.Grants] token grants per type, so tests can
// assert caching; [Provider.SetAccessTokenTTL] makes tokens short-lived.
//
// The two Hub API endpoints make the provider a small fake Hub too: whoami-v2 answers, in the
// Hub's shape, for the access tokens the token endpoint issued and for personal tokens
// registered with [Provider.AddToken] (401 for any other); the model list shows [DefaultModels]
// (or [Config].Models), private ones only to a token of their author or of a member of the
// owning organization. An app's HF_ENDPOINT is then the provider's URL. [Provider.LastAuthorize]
// tells what the last authorization request asked for (scopes, prompt, orgIds).
//
// In tests, [NewServer] starts a provider on a loopback port, registers the client
// [TestClientID]/[TestClientSecret] (any loopback redirect URI) and stops it when the test ends:
//
//	srv := mock.NewServer(t, mock.Config{})
//	conf := &oauth2.Config{
//		ClientID:     mock.TestClientID,
//		ClientSecret: mock.TestClientSecret,
//		Endpoint: oauth2.Endpoint{
//			AuthURL:  srv.URL + "/oauth/authorize",
//			TokenURL: srv.URL + "/oauth/token",
//		},
//		RedirectURL: "http://127.0.0.1:8080/oauth/huggingface/callback",
//		Scopes:      []string{"openid", "profile"},
//	}
//
// Programs use [Start]; the command hfmock (go run ./mock/cmd/hfmock) serves one on
// 127.0.0.1:5556 and prints the environment to run an echohf app in real mode against it.
//
// [DefaultUser] is the user a provider approves by default; echohf's mock mode, which runs with
// no provider, signs in the same profile. Users' pictures are SVG data URIs, so pages showing
// them need no network.
//
// The package only ever listens on loopback addresses.
package mock
