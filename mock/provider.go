package mock

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Endpoint names for [Provider.Requests].
const (
	EndpointDiscovery = "discovery"
	EndpointAuthorize = "authorize"
	EndpointToken     = "token"
	EndpointUserinfo  = "userinfo"
	EndpointJWKS      = "jwks"
)

// Paths served, relative to the issuer.
const (
	PathDiscovery = "/.well-known/openid-configuration"
	PathAuthorize = "/oauth/authorize"
	PathToken     = "/oauth/token" //nolint:gosec // a URL path, not a credential
	PathUserinfo  = "/oauth/userinfo"
	PathJWKS      = "/oauth/jwks"
)

// DefaultScopes are the scopes a Provider supports when [Config].Scopes is empty: Hugging Face's.
var DefaultScopes = []string{
	"openid", "profile", "email", "read-billing", "read-memberships",
	"read-repos", "write-repos", "manage-repos", "gated-repos",
	"write-discussions", "read-collections", "write-collections",
	"inference-api", "jobs", "webhooks", "read-mcp",
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
	// Scopes are the scopes the provider supports. Optional. Default [DefaultScopes].
	Scopes []string
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
	// UserinfoStatus, if non-zero, makes the userinfo endpoint answer this status.
	UserinfoStatus int
	// UserinfoSub, if non-empty, is reported by userinfo instead of the user's sub.
	UserinfoSub string
	// UserinfoOmit is a space-separated list of userinfo fields, by their JSON names (e.g.
	// "name email"), that userinfo leaves out of its answer. id_tokens are unchanged: they
	// still carry the profile and email claims their scopes grant.
	UserinfoOmit string
}

// Provider is a fake Hugging Face OpenID provider. It is an [net/http.Handler], safe for
// concurrent use. Create it with [New], or run it with [Start] or [NewServer].
type Provider struct {
	issuer string
	prefix string // issuer URL path, prepended to every served path
	ttl    struct{ access, id, code, refresh time.Duration }
	now    func() time.Time
	scopes []string

	counters [len(endpointNames)]atomic.Int64

	mu         sync.Mutex
	users      []User
	current    int
	clients    map[string]Client
	key        *rsa.PrivateKey
	kid        string
	foreignKey *rsa.PrivateKey
	foreignKID string
	faults     Faults
	codes      map[string]*grant
	access     map[string]*accessToken
	refresh    map[string]*refreshToken
}

// grant is a recorded authorization request and the code issued for it.
type grant struct {
	clientID    string
	redirectURI string
	scopes      []string
	nonce       string
	challenge   string
	user        User
	authTime    time.Time
	expires     time.Time
	used        bool
	access      string // tokens issued from the code, revoked if it is replayed
	refresh     string
}

type accessToken struct {
	clientID string
	user     User
	scopes   []string
	expires  time.Time
}

type refreshToken struct {
	clientID string
	user     User
	scopes   []string
	authTime time.Time
	expires  time.Time // zero: never
}

// New returns a provider served at issuer, the base URL under which its handler is mounted
// (a trailing slash is removed). Zero fields of cfg take their defaults.
func New(issuer string, cfg Config) (*Provider, error) {
	issuer = strings.TrimRight(issuer, "/")
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("mock: issuer %q is not an absolute http(s) URL without query", issuer)
	}
	p := &Provider{
		issuer:  issuer,
		prefix:  u.EscapedPath(),
		now:     cfg.Now,
		scopes:  slices.Clone(cfg.Scopes),
		clients: make(map[string]Client),
		codes:   make(map[string]*grant),
		access:  make(map[string]*accessToken),
		refresh: make(map[string]*refreshToken),
	}
	if p.now == nil {
		p.now = time.Now
	}
	if len(p.scopes) == 0 {
		p.scopes = slices.Clone(DefaultScopes)
	}
	if !slices.Contains(p.scopes, "openid") {
		return nil, errors.New("mock: Config.Scopes must include openid")
	}
	for _, d := range []struct {
		dst *time.Duration
		v   time.Duration
		def time.Duration
		n   string
	}{
		{&p.ttl.access, cfg.AccessTokenTTL, DefaultAccessTokenTTL, "AccessTokenTTL"},
		{&p.ttl.id, cfg.IDTokenTTL, DefaultIDTokenTTL, "IDTokenTTL"},
		{&p.ttl.code, cfg.CodeTTL, DefaultCodeTTL, "CodeTTL"},
		{&p.ttl.refresh, cfg.RefreshTokenTTL, DefaultRefreshTokenTTL, "RefreshTokenTTL"},
	} {
		switch {
		case d.v < 0:
			return nil, fmt.Errorf("mock: Config.%s is negative", d.n)
		case d.v == 0:
			*d.dst = d.def
		default:
			*d.dst = d.v
		}
	}
	users := cfg.Users
	if len(users) == 0 {
		users = []User{DefaultUser()}
	}
	for _, u := range users {
		if err := p.addUser(u); err != nil {
			return nil, err
		}
	}
	for _, c := range cfg.Clients {
		if err := p.addClient(c); err != nil {
			return nil, err
		}
	}
	key := cfg.Key
	if key == nil {
		if key, err = generateKey(); err != nil {
			return nil, fmt.Errorf("mock: generating key: %w", err)
		}
	} else if err := key.Validate(); err != nil {
		return nil, fmt.Errorf("mock: Config.Key: %w", err)
	}
	p.key, p.kid = key, thumbprint(&key.PublicKey)
	return p, nil
}

// Issuer returns the issuer URL (no trailing slash).
func (p *Provider) Issuer() string { return p.issuer }

// AddClient registers c, replacing any client with the same ID. It panics if c.ID is empty
// or a redirect URI does not parse.
func (p *Provider) AddClient(c Client) {
	if err := p.addClient(c); err != nil {
		panic(err)
	}
}

func (p *Provider) addClient(c Client) error {
	if c.ID == "" {
		return errors.New("mock: client with an empty ID")
	}
	for _, r := range c.RedirectURIs {
		if u, err := url.Parse(strings.TrimSuffix(r, "*")); err != nil || !u.IsAbs() || u.Fragment != "" {
			return fmt.Errorf("mock: client %q: redirect URI %q is not absolute", c.ID, r)
		}
	}
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	p.mu.Lock()
	p.clients[c.ID] = c
	p.mu.Unlock()
	return nil
}

// AddUser adds u, replacing any user with the same PreferredUsername. It panics if u has an
// empty Sub or PreferredUsername.
func (p *Provider) AddUser(u User) {
	if err := p.addUser(u); err != nil {
		panic(err)
	}
}

func (p *Provider) addUser(u User) error {
	if u.Sub == "" || u.PreferredUsername == "" {
		return errors.New("mock: user with an empty Sub or PreferredUsername")
	}
	u = u.clone()
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.users {
		if p.users[i].PreferredUsername == u.PreferredUsername {
			p.users[i] = u
			return nil
		}
	}
	p.users = append(p.users, u)
	return nil
}

// SetUser selects the user that the next authorizations approve.
func (p *Provider) SetUser(preferredUsername string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.users {
		if p.users[i].PreferredUsername == preferredUsername {
			p.current = i
			return nil
		}
	}
	return fmt.Errorf("mock: no user %q", preferredUsername)
}

// SetFaults replaces the fault switches.
func (p *Provider) SetFaults(f Faults) {
	p.mu.Lock()
	p.faults = f
	p.mu.Unlock()
}

// Faults returns the current fault switches.
func (p *Provider) Faults() Faults {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.faults
}

// RotateKey replaces the signing key with a new RSA 2048 key and returns its kid. The old
// key is dropped from the JWKS, so id_tokens it signed no longer verify.
func (p *Provider) RotateKey() (newKID string) {
	key, err := generateKey()
	if err != nil {
		panic("mock: generating key: " + err.Error())
	}
	kid := thumbprint(&key.PublicKey)
	p.mu.Lock()
	p.key, p.kid = key, kid
	p.mu.Unlock()
	return kid
}

// KeyID returns the kid of the current signing key.
func (p *Provider) KeyID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.kid
}

// Requests returns how many requests the endpoint (EndpointDiscovery, EndpointAuthorize, …)
// has received since the start or [Provider.ResetCounters], faulted and rejected ones included.
func (p *Provider) Requests(endpoint string) int {
	if i := endpointIndex(endpoint); i >= 0 {
		return int(p.counters[i].Load())
	}
	return 0
}

// ResetCounters sets every request counter to zero.
func (p *Provider) ResetCounters() {
	for i := range p.counters {
		p.counters[i].Store(0)
	}
}

var endpointNames = [...]string{EndpointDiscovery, EndpointAuthorize, EndpointToken, EndpointUserinfo, EndpointJWKS}

func endpointIndex(name string) int {
	for i, n := range endpointNames {
		if n == name {
			return i
		}
	}
	return -1
}

// randomString returns n random bytes, base64url-encoded without padding.
func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("mock: crypto/rand: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// jwk is a public RSA key in JWK form.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
}

func publicJWK(k *rsa.PublicKey, kid string) jwk {
	return jwk{
		Kty: "RSA", Kid: kid, Alg: "RS256", Use: "sig",
		N: base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
		E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
	}
}

// thumbprint is the RFC 7638 JWK thumbprint of k, used as its kid.
func thumbprint(k *rsa.PublicKey) string {
	j := publicJWK(k, "")
	b, _ := json.Marshal(struct {
		E   string `json:"e"`
		Kty string `json:"kty"`
		N   string `json:"n"`
	}{j.E, j.Kty, j.N})
	h := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// redirectAllowed reports whether the requested redirect URI matches one registered for c.
func redirectAllowed(c Client, requested string) bool {
	req, ok := normalizeRedirect(requested)
	if !ok {
		return false
	}
	for _, r := range c.RedirectURIs {
		wild := strings.HasSuffix(r, "*")
		reg, ok := normalizeRedirect(strings.TrimSuffix(r, "*"))
		if !ok {
			continue
		}
		if reg == req || (wild && strings.HasPrefix(req, reg)) {
			return true
		}
	}
	return false
}

// normalizeRedirect drops the port of loopback http URIs; ok is false for URIs that can
// never be redirect URIs (relative, with a fragment, unparsable).
func normalizeRedirect(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" || strings.Contains(s, "#") {
		return "", false
	}
	if u.Scheme == "http" && isLoopback(u.Hostname()) {
		h := u.Hostname()
		if strings.Contains(h, ":") {
			h = "[" + h + "]"
		}
		u.Host = h
	}
	return u.String(), true
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// generateKey returns a fresh RSA 2048 key, the size every key of the provider has.
func generateKey() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) }
