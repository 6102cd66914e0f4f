package mock

import (
	"crypto/rsa"
	"time"
)

// DefaultScopes returns the scopes a Provider supports when [Config].Scopes is empty:
// Hugging Face's, as https://huggingface.co/docs/hub/oauth lists them, and read-mcp, which
// Hugging Face's own apps request. Each call returns a new slice.
func DefaultScopes() []string {
	return []string{
		"openid", "profile", "email", "read-billing", "read-memberships",
		"read-repos", "gated-repos", "contribute-repos", "write-repos", "manage-repos",
		"read-collections", "write-collections", "inference-api",
		"read-endpoints", "write-endpoints", "jobs", "webhooks",
		"write-discussions", "read-mcp",
	}
}

// Default lifetimes, used for zero [Config] fields.
const (
	DefaultAccessTokenTTL  = 8 * time.Hour
	DefaultIDTokenTTL      = time.Hour
	DefaultCodeTTL         = time.Minute
	DefaultRefreshTokenTTL = 30 * 24 * time.Hour
)

// Client is a registered OAuth client.
//
// RedirectURIs match exactly, except that a loopback http URI (host 127.0.0.1, [::1] or
// localhost) matches on any port, as Hugging Face allows. As an extension for tests and
// local runs, a registered URI ending in "*" matches every URI that starts with the part
// before the star (after the same port rule): "http://localhost/*" accepts any callback on
// localhost. A Client with an empty Secret is public: it authenticates with client_id alone.
type Client struct {
	ID           string
	Secret       string
	RedirectURIs []string
}

// Config configures a Provider. Zero fields take defaults.
type Config struct {
	// Users are the accounts the provider knows. Optional. Default []User{DefaultUser()}.
	// The first is approved by authorize until [Provider.SetUser].
	Users []User
	// Clients are the registered OAuth clients. Optional. Default none (see [Provider.AddClient]
	// and [NewServer]).
	Clients []Client
	// Scopes are the scopes the provider supports. Optional. Default [DefaultScopes]().
	Scopes []string
	// Models are the models the Hub API lists (see [PathModels]). Optional. Default
	// [DefaultModels](); an empty, non-nil slice lists none.
	Models []Model
	// AccessTokenTTL is the access token lifetime. Optional. Default 8h.
	AccessTokenTTL time.Duration
	// IDTokenTTL is the id_token lifetime. Optional. Default 1h.
	IDTokenTTL time.Duration
	// CodeTTL is the authorization code lifetime (codes are single-use). Optional. Default 1m.
	CodeTTL time.Duration
	// RefreshTokenTTL is the refresh token lifetime. Optional. Default 30 days.
	RefreshTokenTTL time.Duration
	// Now is the clock. Optional. Default time.Now.
	Now func() time.Time
	// Key is the initial RS256 signing key. Optional. Default a fresh RSA 2048 key.
	Key *rsa.PrivateKey
}
