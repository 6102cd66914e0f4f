package jwtstore

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Defaults used for zero Options fields.
const (
	// DefaultMaxAge is the default ceiling on a session's lifetime.
	DefaultMaxAge = 30 * 24 * time.Hour
	// DefaultLeeway is the default clock skew allowed on exp, iat and nbf.
	DefaultLeeway = 30 * time.Second
	// DefaultMaxSize is the default ceiling on the total bytes of the Set-Cookie values
	// (name, value and attributes of every cookie) that one Save writes: 32 KiB, about
	// eight full chunk cookies.
	DefaultMaxSize = 32 << 10
	// CookieLimit is the size a browser accepts for one cookie: the length of the
	// Set-Cookie header value (name, value and attributes). Tokens whose single cookie
	// would exceed it are split into chunks.
	CookieLimit = 4096
	// MaxChunks is the largest number of chunk cookies a Store writes or reads.
	MaxChunks = 32
)

const (
	hostPrefix  = "__Host-"
	minChunkCap = 1024
	// maxSubID is the longest id Sub accepts.
	maxSubID = 64
)

// Options configures a Store. Zero fields take the documented defaults.
type Options struct {
	// Name is the cookie name. Required; RFC 7230 token characters only. Chunks of a
	// large session are named Name+".0", Name+".1", and so on.
	Name string
	// Purpose names what the cookies are for, e.g. "session" or "login". Required. It is
	// mixed into the HKDF label of the signing keys and carried in the token's aud
	// ("jwtstore:"+Purpose), so stores with different purposes never accept each other's
	// tokens, even when built from one secret. 1 to 128 of A-Z a-z 0-9 _ - . : /.
	Purpose string
	// Keys is the keyring. Required. Keys[0] signs; every key verifies, so a retired key
	// kept at the end of the list still loads the cookies it signed. Empty secrets and
	// duplicate ids are refused.
	Keys []Key
	// Path is the cookie Path. Optional. Default "/".
	Path string
	// Domain is the cookie Domain. Optional. Default "" (host-only cookie).
	Domain string
	// Insecure drops the Secure attribute, for plain-http development. Optional.
	// Default false: cookies are Secure.
	Insecure bool
	// SameSite is the cookie SameSite attribute. Optional. Default http.SameSiteLaxMode.
	// http.SameSiteNoneMode with Insecure is refused by New (browsers drop such cookies);
	// http.SameSiteDefaultMode writes no SameSite attribute.
	SameSite http.SameSite
	// Partitioned sets the CHIPS Partitioned attribute. Optional. Refused with Insecure.
	Partitioned bool
	// HostPrefix prefixes the cookie name with "__Host-". Optional. New refuses it with
	// Insecure, a Domain, or a Path other than "/".
	HostPrefix bool
	// MaxAge is the ceiling on any session's lifetime: Save clamps a later expiry to
	// now+MaxAge, and a zero expiry means now+MaxAge. Optional. Default DefaultMaxAge.
	MaxAge time.Duration
	// Leeway is the clock skew allowed when checking exp, iat and nbf. Optional. Default
	// DefaultLeeway. Negative values are refused.
	Leeway time.Duration
	// MaxSize is the ceiling on the total bytes of the Set-Cookie header values (names,
	// values and attributes of every cookie) that one Save writes; Save returns
	// ErrTooLarge above it. Load rejects tokens longer than MaxSize. Optional. Default
	// DefaultMaxSize; at most what MaxChunks cookies can carry.
	MaxSize int
	// Now is the clock. Optional. Default time.Now.
	Now func() time.Time
	// CacheSize bounds a per-process memo of verified tokens (shared with Sub views),
	// at most 4,194,304; its table takes 8 bytes per entry from New on. Optional.
	// Default 0: off. See Store.Load.
	CacheSize int
}

// New validates o, fills defaults and returns a Store.
func New[C any](o Options) (*Store[C], error) {
	if o.Name == "" {
		return nil, errors.New("jwtstore: Options.Name is required")
	}
	if !isToken(o.Name) {
		return nil, fmt.Errorf("jwtstore: Options.Name %q has characters not allowed in a cookie name", o.Name)
	}
	if hasPrefixFold(o.Name, hostPrefix) {
		return nil, fmt.Errorf("jwtstore: Options.Name %q: use HostPrefix instead of writing the prefix", o.Name)
	}
	if hasPrefixFold(o.Name, "__Secure-") && o.Insecure {
		return nil, fmt.Errorf("jwtstore: Options.Name %q needs Secure cookies, refused with Insecure", o.Name)
	}
	if !validPurpose(o.Purpose) {
		return nil, fmt.Errorf("jwtstore: Options.Purpose %q must be 1 to 128 of A-Z a-z 0-9 _ - . : /", o.Purpose)
	}
	if o.Path == "" {
		o.Path = "/"
	}
	if o.Path[0] != '/' || !validAttr(o.Path) {
		return nil, fmt.Errorf("jwtstore: Options.Path %q must start with / and hold no ';' or control characters", o.Path)
	}
	if o.SameSite == 0 {
		o.SameSite = http.SameSiteLaxMode
	}
	switch o.SameSite {
	case http.SameSiteDefaultMode, http.SameSiteLaxMode, http.SameSiteStrictMode, http.SameSiteNoneMode:
	default:
		return nil, fmt.Errorf("jwtstore: Options.SameSite %d is not a known mode", o.SameSite)
	}
	if o.SameSite == http.SameSiteNoneMode && o.Insecure {
		return nil, errors.New("jwtstore: SameSite=None requires Secure cookies, refused with Insecure")
	}
	if o.Partitioned && o.Insecure {
		return nil, errors.New("jwtstore: Partitioned requires Secure cookies, refused with Insecure")
	}
	if o.HostPrefix {
		switch {
		case o.Insecure:
			return nil, errors.New("jwtstore: HostPrefix requires Secure cookies, refused with Insecure")
		case o.Domain != "":
			return nil, errors.New("jwtstore: HostPrefix forbids a Domain")
		case o.Path != "/":
			return nil, errors.New(`jwtstore: HostPrefix requires Path "/"`)
		}
	}
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.MaxAge < time.Second {
		return nil, fmt.Errorf("jwtstore: Options.MaxAge %v must be at least one second", o.MaxAge)
	}
	if o.Leeway < 0 {
		return nil, errors.New("jwtstore: Options.Leeway is negative")
	}
	if o.Leeway == 0 {
		o.Leeway = DefaultLeeway
	}
	if o.MaxSize < 0 {
		return nil, errors.New("jwtstore: Options.MaxSize is negative")
	}
	if o.MaxSize == 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.CacheSize < 0 || o.CacheSize > maxCacheSize {
		return nil, fmt.Errorf("jwtstore: Options.CacheSize must be 0 to %d", maxCacheSize)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	rg, err := newRing(o.Keys, o.Purpose)
	if err != nil {
		return nil, err
	}
	s := &Store[C]{o: o, name: o.Name, ring: rg}
	s.setAud("jwtstore:" + o.Purpose)
	if o.HostPrefix {
		s.name = hostPrefix + o.Name
	}
	if err := s.checkLayout(); err != nil {
		return nil, err
	}
	s.gone = strings.TrimPrefix(s.cookie(s.name, "", time.Unix(0, 0), -1).String(), s.name+"=")
	if o.CacheSize > 0 {
		s.cache = newCache[C](o.CacheSize)
	}
	return s, nil
}

// checkLayout validates the cookie attributes with net/http and sizes the chunks.
func (s *Store[C]) checkLayout() error {
	probe := s.cookie(s.name+"."+strconv.Itoa(MaxChunks-1), "", time.Unix(1<<31, 0), 1<<30)
	if err := probe.Valid(); err != nil {
		return fmt.Errorf("jwtstore: invalid cookie attributes: %w", err)
	}
	overhead := len(probe.String()) + 3 // "NN~"
	if CookieLimit-overhead < minChunkCap {
		return fmt.Errorf("jwtstore: cookie name and attributes take %d bytes, too little room under %d", overhead, CookieLimit)
	}
	if limit := MaxChunks * CookieLimit; s.o.MaxSize > limit {
		return fmt.Errorf("jwtstore: Options.MaxSize %d is over %d (%d chunks)", s.o.MaxSize, limit, MaxChunks)
	}
	return nil
}

// isToken reports whether s is an RFC 7230 token, the syntax of a cookie name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x7f || c <= ' ' || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// validSubID reports whether id matches [A-Za-z0-9_-]{1,64}.
func validSubID(id string) bool {
	if len(id) == 0 || len(id) > maxSubID {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !b64Letter[id[i]] {
			return false
		}
	}
	return true
}

// validAttr reports whether s is safe as a cookie attribute value.
func validAttr(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == ';' {
			return false
		}
	}
	return true
}

func validPurpose(p string) bool {
	if len(p) == 0 || len(p) > 128 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; !b64Letter[c] && c != '.' && c != ':' && c != '/' {
			return false
		}
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
