package echohf

import (
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/echohf/echohf/jwtstore"
)

// session is what the session cookie carries, signed by jwtstore. The
// access token is sealed: the cookie's holder cannot read it.
type session struct {
	Token   string        `json:"t"`            // sealed access token
	Expires int64         `json:"e"`            // access token expiry, Unix seconds
	Scope   string        `json:"sc,omitempty"` // granted scopes
	State   string        `json:"st,omitempty"` // the login's OAuth state
	User    OAuthUserInfo `json:"u"`

	// info memoizes the OAuthInfo built from this session. jwtstore's
	// cache hands the same *session to every request with the same cookie,
	// so the token is unsealed once per session per process.
	info atomic.Pointer[OAuthInfo]
}

// live reports whether the access token of s is still valid at now. The
// expiry is kept in whole seconds, rounded down (time.Time.Unix), so a
// session never outlives its token.
func (s *session) live(now time.Time) bool {
	return s != nil && now.Unix() < s.Expires
}

// authenticate returns the login r's session cookie holds, or nil when r
// is logged out. It does no network I/O. The cookies of an invalid or
// expired session are expired on w, so the browser drops them, except
// those signed with a key o does not know (jwtstore.ErrUnknownKey). A session
// ends the moment its access token does: Leeway allows for clock skew on
// the cookie's times, not on the end of the token's life.
func (o *OAuth) authenticate(w http.ResponseWriter, r *http.Request) *OAuthInfo {
	s, err := o.sessions.Load(r)
	if err == nil && s.live(o.cfg.Now()) {
		if info := o.infoOf(s); info != nil {
			return info
		}
	}
	// A key the ring lacks may be one that other replicas already have (a
	// rolling rotation): logged out here, but the cookie is theirs to read.
	if err == nil || errors.Is(err, jwtstore.ErrInvalid) && !errors.Is(err, jwtstore.ErrUnknownKey) || errors.Is(err, jwtstore.ErrExpired) {
		o.sessions.Clear(w, r)
	}
	return nil
}

// infoOf returns the OAuthInfo of a verified session, or nil when its
// sealed token does not open (which a valid signature makes impossible
// short of a key mix-up; the session is then treated as invalid).
func (o *OAuth) infoOf(s *session) *OAuthInfo {
	if s == nil {
		return nil
	}
	if info := s.info.Load(); info != nil {
		return info
	}
	token, err := o.sealer.Open(s.Token)
	if err != nil {
		return nil
	}
	info := &OAuthInfo{
		AccessToken:          string(token),
		AccessTokenExpiresAt: time.Unix(s.Expires, 0).UTC(),
		UserInfo:             s.User,
		State:                s.State,
		Scope:                s.Scope,
		owner:                o,
	}
	s.info.CompareAndSwap(nil, info)
	return s.info.Load()
}

// saveSession seals the access token and mints the session cookie. A
// session too large for the cookies loses its organizations' avatars, then
// as many organizations as it must.
func (o *OAuth) saveSession(w http.ResponseWriter, r *http.Request, info *OAuthInfo) error {
	sealed, err := o.sealer.Seal([]byte(info.AccessToken))
	if err != nil {
		return err
	}
	s := &session{Token: sealed, Expires: info.AccessTokenExpiresAt.Unix(), Scope: info.Scope, State: info.State, User: info.UserInfo}
	// The cookie expires with the access token. jwtstore accepts it Leeway
	// longer (clock skew), but Auth ends the session at s.Expires exactly.
	expires := time.Unix(s.Expires, 0)
	err = o.sessions.Save(w, r, s, expires)
	if !errors.Is(err, jwtstore.ErrTooLarge) {
		return err
	}
	// A member of very many organizations: drop their avatars, then keep
	// as many organizations as fit (found by bisection; a Save that fails
	// writes nothing). A missing org can only make RequireOrg refuse.
	all := len(s.User.Orgs)
	orgs := make([]OAuthOrgInfo, all)
	for i, org := range s.User.Orgs {
		org.Picture = ""
		orgs[i] = org
	}
	lo, hi := -1, all // the largest count known to fit, the smallest known not to
	for lo+1 < hi {
		n := (lo + hi + 1) / 2
		s.User.Orgs = orgs[:n]
		if err = o.sessions.Save(discard{http.Header{}}, nil, s, expires); err == nil { // a probe: no stale cookies to expire
			lo = n
		} else if errors.Is(err, jwtstore.ErrTooLarge) {
			hi = n
		} else {
			return err
		}
	}
	if lo < 0 {
		return err
	}
	s.User.Orgs = orgs[:lo]
	o.cfg.Logger.Warn("echohf: session too large for cookies: organization avatars dropped and organizations truncated", "kept", lo, "orgs", all)
	return o.sessions.Save(w, r, s, expires)
}

// discard is a ResponseWriter that drops everything: saveSession probes
// which sessions fit with it.
type discard struct{ h http.Header }

// Header returns headers that are thrown away.
func (d discard) Header() http.Header { return d.h }

// Write drops p.
func (d discard) Write(p []byte) (int, error) { return len(p), nil }

// WriteHeader drops the status.
func (d discard) WriteHeader(int) {}
