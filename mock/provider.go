package mock

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Provider is a fake Hugging Face OpenID provider. It is an [net/http.Handler], safe for
// concurrent use. Create it with [New], or run it with [Start] or [NewServer].
type Provider struct {
	issuer string
	prefix string                                            // issuer URL path, prepended to every served path
	ttl    struct{ access, id, code, refresh time.Duration } // access: under mu
	ttl0   time.Duration                                     // Config's access token lifetime
	now    func() time.Time
	scopes []string

	counters [numEndpoints]atomic.Int64
	grants   [2][2]atomic.Int64 // [code, refresh][issued, refused]

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
	tokens     map[string]string // personal access token → username
	models     []Model
	last       *AuthorizeRequest
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
		tokens:  make(map[string]string),
	}
	if p.now == nil {
		p.now = time.Now
	}
	if len(p.scopes) == 0 {
		p.scopes = DefaultScopes()
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
	models := cfg.Models
	if models == nil {
		models = DefaultModels()
	}
	for _, m := range models {
		if err := p.addModel(m); err != nil {
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
	p.ttl0 = p.ttl.access
	return p, nil
}

// SetAccessTokenTTL sets the lifetime of the access tokens issued from now on (by code
// exchanges and refreshes), for tests of short-lived tokens; d <= 0 restores the Config's.
// Tokens already issued keep theirs.
func (p *Provider) SetAccessTokenTTL(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d <= 0 {
		d = p.ttl0
	}
	p.ttl.access = d
}

// AddUser adds u, replacing any user with the same PreferredUsername. It panics if u has an
// empty Sub or PreferredUsername. Replacing a user changes what userinfo and refreshed
// id_tokens say about them from then on, for tokens already issued too (matched by Sub): to
// take a user out of an organization, or change their role, between two calls.
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

// currentUserLocked returns the provider's current record of the user u is a copy of (the
// user with u's Sub), or u when there is none. p.mu must be held.
func (p *Provider) currentUserLocked(u User) User {
	for i := range p.users {
		if p.users[i].Sub == u.Sub {
			return p.users[i].clone()
		}
	}
	return u.clone()
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

// randomString returns n random bytes, base64url-encoded without padding.
func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("mock: crypto/rand: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
