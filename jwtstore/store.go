package jwtstore

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Errors returned by Load and Open. All of them except ErrTooLarge match ErrNoSession with
// errors.Is, so callers can treat any Load error as "logged out". Errors from Load wrap
// ErrInvalid or ErrExpired with detail; they never include token bytes.
var (
	// ErrNoSession reports that the request carries no session cookie at all.
	ErrNoSession = errors.New("jwtstore: no session")
	// ErrInvalid reports a session cookie that is malformed, badly signed, signed by an
	// unknown key, minted for another purpose, not yet valid (nbf or iat in the future),
	// duplicated, or made of missing or mixed chunks. It matches ErrNoSession.
	ErrInvalid = fmt.Errorf("%w: invalid", ErrNoSession)
	// ErrExpired reports a well-formed, correctly signed session whose exp has passed
	// (beyond Options.Leeway). It matches ErrNoSession.
	ErrExpired = fmt.Errorf("%w: expired", ErrNoSession)
	// ErrTooLarge is returned by Save when the cookies it would write exceed Options.MaxSize.
	// Nothing is written in that case.
	ErrTooLarge = errors.New("jwtstore: session too large")
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
	chunkSep    = '~' // separates the chunk count from chunk 0's data; never in a JWT
	minChunkCap = 1024
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
	// CacheSize bounds a per-process memo of verified tokens (shared with Sub views).
	// Optional. Default 0: off. See Store.Load.
	CacheSize int
}

// Store saves, loads and clears sessions of claims type C as signed JWT cookies. A Store
// is safe for concurrent use.
type Store[C any] struct {
	o       Options // normalized
	name    string  // effective cookie name
	aud     string
	audJSON [2][]byte // aud as Save encodes it: ["aud"] and "aud"
	ring    *ring
	cache   *cache[C]
	gone    string // what follows "name=" in the line that expires a cookie
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
	if o.CacheSize < 0 {
		return nil, errors.New("jwtstore: Options.CacheSize is negative")
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

// Name returns the effective cookie name, with the "__Host-" prefix when HostPrefix is set.
func (s *Store[C]) Name() string { return s.name }

// Sub returns a view of s that shares its keys, options and cache but whose cookie is named
// Name()+"_"+id, for example one login cookie per pending OAuth state. The view's tokens
// are bound to its name (through aud), so a cookie cannot be moved from one view to
// another. id must match [A-Za-z0-9_-]{1,64}.
func (s *Store[C]) Sub(id string) (*Store[C], error) {
	if len(id) == 0 || len(id) > maxSubID {
		return nil, fmt.Errorf("jwtstore: Sub id must be 1 to %d characters, got %d", maxSubID, len(id))
	}
	if !validSubID(id) {
		return nil, errors.New("jwtstore: Sub id must match [A-Za-z0-9_-]{1,64}")
	}
	v := s.view(id)
	if err := v.checkLayout(); err != nil {
		return nil, err
	}
	return v, nil
}

// view returns the Sub view id, which must be valid, without checking its cookie layout.
func (s *Store[C]) view(id string) *Store[C] {
	v := *s
	v.name = s.name + "_" + id
	v.setAud(s.aud + "#" + id)
	return &v
}

var issJSON = [2][]byte{[]byte(`"jwtstore"`)}

func (s *Store[C]) setAud(aud string) {
	s.aud = aud
	q := strconv.Quote(aud) // aud is plain ASCII without quotes or backslashes
	s.audJSON = [2][]byte{[]byte("[" + q + "]"), []byte(q)}
}

// envelope is the JWT claims set: the registered claims plus the caller's claims under "c".
type envelope[C any] struct {
	jwt.RegisteredClaims
	C C `json:"c"`
}

// Save mints a token holding claims, valid until expires, and sets it on w as one cookie.
// When one cookie would exceed CookieLimit, the payload is compressed (see the package
// documentation) and the token is split into chunk cookies if it still does not fit.
// expires is clamped to now+MaxAge (a zero expires means now+MaxAge) and truncated to the
// second; an expiry that is not at least one second ahead is an error. Stale cookies of
// this store present in r (chunks left by a larger session, or the single cookie when
// writing chunks) are expired; r may be nil. When the cookies would exceed MaxSize, Save
// writes nothing and returns an error matching ErrTooLarge.
func (s *Store[C]) Save(w http.ResponseWriter, r *http.Request, claims C, expires time.Time) error {
	now := s.o.Now()
	if limit := now.Add(s.o.MaxAge); expires.IsZero() || expires.After(limit) {
		expires = limit
	}
	exp := time.Unix(expires.Unix(), 0)
	maxAge := int(exp.Unix() - now.Unix())
	if maxAge < 1 {
		return fmt.Errorf("jwtstore: expiry %s is not in the future", expires.UTC().Format(time.RFC3339))
	}
	env := &envelope[C]{C: claims}
	env.Issuer = "jwtstore"
	env.Audience = jwt.ClaimStrings{s.aud}
	env.ExpiresAt = jwt.NewNumericDate(exp)
	env.IssuedAt = jwt.NewNumericDate(now)
	tok, err := s.sign(env)
	if err != nil {
		return err
	}
	lines, err := s.setCookieLines(tok, exp, maxAge)
	if err != nil {
		return err
	}
	h := w.Header()
	for _, l := range lines {
		h.Add("Set-Cookie", l)
	}
	single := len(lines) == 1
	s.expireStale(h, r, func(chunk int) bool {
		if chunk < 0 {
			return !single
		}
		return single || chunk >= len(lines)
	})
	return nil
}

// sign mints the compact JWS for env with the signing key.
func (s *Store[C]) sign(env *envelope[C]) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, env)
	t.Header["kid"] = s.ring.signer.kid
	tok, err := t.SignedString(s.ring.signer.key)
	if err != nil {
		return "", fmt.Errorf("jwtstore: signing: %w", err)
	}
	return tok, nil
}

// setCookieLines returns the Set-Cookie header values carrying tok, an uncompressed token
// minted by sign. When tok does not fit in one cookie, its payload is compressed first if
// that makes it shorter (see compact).
func (s *Store[C]) setCookieLines(tok string, exp time.Time, maxAge int) ([]string, error) {
	one := s.cookie(s.name, tok, exp, maxAge).String()
	if len(one) > CookieLimit {
		z, err := s.compact(tok)
		if err != nil {
			return nil, err
		}
		if z != tok {
			tok = z
			one = s.cookie(s.name, tok, exp, maxAge).String()
		}
	}
	if len(one) <= CookieLimit {
		if len(one) > s.o.MaxSize {
			return nil, fmt.Errorf("%w: %d bytes over MaxSize %d", ErrTooLarge, len(one), s.o.MaxSize)
		}
		return []string{one}, nil
	}
	// Room for data in chunk i of n, from the measured attribute overhead.
	room := func(i, n int) int {
		c := CookieLimit - len(s.cookie(s.chunkName(i), "", exp, maxAge).String())
		if i == 0 {
			c -= len(strconv.Itoa(n)) + 1
		}
		return c
	}
	n := 2
	for ; n <= MaxChunks; n++ {
		total := 0
		for i := 0; i < n; i++ {
			total += room(i, n)
		}
		if total >= len(tok) {
			break
		}
	}
	if n > MaxChunks {
		return nil, fmt.Errorf("%w: token of %d bytes needs more than %d cookies", ErrTooLarge, len(tok), MaxChunks)
	}
	lines := make([]string, 0, n)
	size := 0
	rest := tok
	for i := 0; i < n; i++ {
		part := rest[:min(room(i, n), len(rest))]
		rest = rest[len(part):]
		if i == 0 {
			part = strconv.Itoa(n) + string(chunkSep) + part
		}
		l := s.cookie(s.chunkName(i), part, exp, maxAge).String()
		size += len(l)
		lines = append(lines, l)
	}
	if size > s.o.MaxSize {
		return nil, fmt.Errorf("%w: %d bytes in %d cookies, over MaxSize %d", ErrTooLarge, size, n, s.o.MaxSize)
	}
	return lines, nil
}

func (s *Store[C]) chunkName(i int) string { return s.name + "." + strconv.Itoa(i) }

// cookie builds a cookie of this store with its attributes.
func (s *Store[C]) cookie(name, value string, exp time.Time, maxAge int) *http.Cookie {
	// #nosec G124 -- HttpOnly always; Secure unless Options.Insecure; SameSite from Options (Lax by default).
	return &http.Cookie{
		Name:        name,
		Value:       value,
		Path:        s.o.Path,
		Domain:      s.o.Domain,
		Expires:     exp.UTC(),
		MaxAge:      maxAge,
		Secure:      !s.o.Insecure,
		HttpOnly:    true,
		SameSite:    s.o.SameSite,
		Partitioned: s.o.Partitioned,
	}
}

// expireStale adds expiring Set-Cookie lines for this store's cookies present in r that
// stale reports as stale: chunk is -1 for the single cookie, else the chunk index. It adds
// at most one line per name a store can write (1+MaxChunks), whatever r carries.
func (s *Store[C]) expireStale(h http.Header, r *http.Request, stale func(chunk int) bool) {
	if r == nil {
		return
	}
	var done uint64 // bit 0: the single cookie; bit i+1: chunk i
	eachCookie(r.Header["Cookie"], func(name, _ string) bool {
		idx, ok := s.match(name)
		if bit := uint64(1) << (idx + 1); ok && done&bit == 0 && stale(idx) {
			done |= bit
			s.expire(h, name)
		}
		return true
	})
}

// expire adds to h the Set-Cookie line that expires the cookie name, unless h already has
// it (Clear called twice for one response), and returns the number of lines added.
func (s *Store[C]) expire(h http.Header, name string) int {
	line := name + "=" + s.gone // the attributes are the same for every name of a store
	if slices.Contains(h["Set-Cookie"], line) {
		return 0
	}
	h["Set-Cookie"] = append(h["Set-Cookie"], line)
	return 1
}

// match reports whether a cookie name is ours: -1 for the single cookie, the index for a
// chunk (canonical decimal, below MaxChunks).
func (s *Store[C]) match(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, s.name)
	if !ok {
		return 0, false
	}
	return chunkIndex(rest)
}

// Clear expires the session cookie and every chunk of it present in r (the single cookie
// is expired even when absent). r may be nil.
func (s *Store[C]) Clear(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	s.expire(h, s.name)
	s.expireStale(h, r, func(chunk int) bool { return chunk >= 0 })
}

// Load reads the session cookie (or its chunks) from r, verifies it and returns its
// claims. On any failure it returns the zero C and an error matching ErrNoSession:
// ErrNoSession itself when there is no cookie, else one wrapping ErrInvalid or ErrExpired.
//
// Load accepts only the exact JWT headers that Save mints for a kid of the ring
// ({"alg":"HS256","kid":...,"typ":"JWT"}, or the same with "zip":"DEF" for a compressed
// payload), checks the HMAC-SHA256 signature in constant time before decoding the payload,
// inflates a compressed payload (at most 1 MiB, nothing after the DEFLATE stream), then
// checks aud and iss exactly and exp (required), nbf and iat against Now with Leeway.
//
// With CacheSize > 0, a token verified once is remembered (up to CacheSize tokens, evicting
// an arbitrary one when full) and later Loads of the exact same token only re-check aud and
// the times. Load then returns the same C value for the same token: slices, maps and
// pointers inside it are shared between callers, who must treat them as read-only.
func (s *Store[C]) Load(r *http.Request) (C, error) {
	c, _, err := s.load(r)
	return c, err
}

// Expiry returns the expiry of the valid session in r, or an error as Load.
func (s *Store[C]) Expiry(r *http.Request) (time.Time, error) {
	_, exp, err := s.load(r)
	return exp, err
}

func (s *Store[C]) load(r *http.Request) (C, time.Time, error) {
	var zero C
	if r == nil {
		return zero, time.Time{}, ErrNoSession
	}
	tok, err := s.find(r.Header["Cookie"])
	if err != nil {
		return zero, time.Time{}, err
	}
	return s.loadToken(tok)
}

// loadToken verifies tok, found in this store's cookies, and returns its claims and expiry.
func (s *Store[C]) loadToken(tok string) (C, time.Time, error) {
	var zero C
	now := s.o.Now()
	if s.cache != nil {
		if e := s.cache.get(tok); e != nil {
			if e.aud != s.aud {
				return zero, time.Time{}, fmt.Errorf("%w: wrong audience", ErrInvalid)
			}
			if err := s.checkTimes(now, e.exp, e.nbf, e.iat); err != nil {
				if errors.Is(err, ErrExpired) {
					s.cache.remove(tok)
				}
				return zero, time.Time{}, err
			}
			return e.c, e.exp, nil
		}
	}
	w, err := s.verify(tok)
	if err != nil {
		return zero, time.Time{}, err
	}
	if !w.Exp.set {
		return zero, time.Time{}, fmt.Errorf("%w: no exp", ErrInvalid)
	}
	if !w.Iss.ok || !w.Aud.ok {
		return zero, time.Time{}, fmt.Errorf("%w: wrong issuer or audience", ErrInvalid)
	}
	var nbf, iat time.Time
	if w.Nbf.set {
		nbf = w.Nbf.t
	}
	if w.Iat.set {
		iat = w.Iat.t
	}
	exp := w.Exp.t
	if err := s.checkTimes(now, exp, nbf, iat); err != nil {
		return zero, time.Time{}, err
	}
	if s.cache != nil {
		s.cache.put(&entry[C]{tok: strings.Clone(tok), c: w.C, aud: s.aud, exp: exp, nbf: nbf, iat: iat})
	}
	return w.C, exp, nil
}

func (s *Store[C]) checkTimes(now, exp, nbf, iat time.Time) error {
	if !now.Before(exp.Add(s.o.Leeway)) {
		return ErrExpired
	}
	early := now.Add(s.o.Leeway)
	if !nbf.IsZero() && nbf.After(early) {
		return fmt.Errorf("%w: nbf in the future", ErrInvalid)
	}
	if !iat.IsZero() && iat.After(early) {
		return fmt.Errorf("%w: iat in the future", ErrInvalid)
	}
	return nil
}

// verify checks the header segment and signature of tok and decodes its payload. tok
// comes from find, which has already bounded its length.
func (s *Store[C]) verify(tok string) (*wire[C], error) {
	i := indexDot(tok)
	if i < 0 {
		return nil, fmt.Errorf("%w: not a JWT", ErrInvalid)
	}
	hd, ok := s.ring.byHeader[tok[:i]]
	if !ok {
		return nil, fmt.Errorf("%w: unknown header (algorithm or key id)", ErrInvalid)
	}
	k := hd.key
	j := indexDot(tok[i+1:])
	if j < 0 {
		return nil, fmt.Errorf("%w: not a JWT", ErrInvalid)
	}
	j += i + 1 // end of the signing input
	sig := tok[j+1:]
	if len(sig) != sigLen || indexDot(sig) >= 0 {
		return nil, fmt.Errorf("%w: bad signature length", ErrInvalid)
	}
	m := k.get()
	defer k.put(m)
	m.buf = append(m.buf[:0], tok[:j]...)
	m.h.Write(m.buf)
	m.h.Sum(m.sum[:0])
	base64.RawURLEncoding.Encode(m.enc[:], m.sum[:])
	// Constant-time compare of the canonical encoding: a non-canonical encoding of the
	// right MAC is refused too.
	var diff byte
	for x := 0; x < len(m.enc); x++ {
		diff |= m.enc[x] ^ sig[x]
	}
	if diff != 0 {
		return nil, fmt.Errorf("%w: bad signature", ErrInvalid)
	}
	payload := m.buf[i+1 : j]
	// The decoder refuses every non-alphabet byte but CR and LF, which it skips.
	if bytes.IndexByte(payload, '\n') >= 0 || bytes.IndexByte(payload, '\r') >= 0 {
		return nil, fmt.Errorf("%w: bad base64 in payload", ErrInvalid)
	}
	if n := base64.RawURLEncoding.DecodedLen(len(payload)); cap(m.dec) < n {
		m.dec = make([]byte, n)
	}
	n, err := base64.RawURLEncoding.Strict().Decode(m.dec[:cap(m.dec)], payload)
	if err != nil {
		return nil, fmt.Errorf("%w: bad base64 in payload", ErrInvalid)
	}
	data := m.dec[:n]
	if hd.zip {
		// Only now that the signature is verified.
		z := getInflater()
		defer putInflater(z)
		if data, err = z.inflate(data, maxInflate); errors.Is(err, errInflateBound) {
			return nil, fmt.Errorf("%w: compressed payload inflates beyond %d bytes", ErrInvalid, maxInflate)
		} else if err != nil {
			return nil, fmt.Errorf("%w: bad compressed payload", ErrInvalid)
		}
	}
	w := new(wire[C])
	w.Iss.want = issJSON
	w.Aud.want = s.audJSON
	if err := json.Unmarshal(data, w); err != nil {
		return nil, fmt.Errorf("%w: bad payload JSON", ErrInvalid)
	}
	return w, nil
}

// find returns the token carried by this store's cookie or chunk cookies in the Cookie
// header lines. It refuses a token longer than MaxSize, and a single cookie longer than
// CookieLimit (Save would have chunked it).
func (s *Store[C]) find(lines []string) (string, error) {
	var p pieces
	eachCookie(lines, func(name, raw string) bool {
		if idx, ok := s.match(name); ok {
			return p.add(idx, cookieValue(raw))
		}
		return true
	})
	return p.token(s.o.MaxSize)
}
