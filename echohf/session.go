package echohf

import (
	"sync/atomic"
	"time"
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

// pending is what a login cookie carries between the redirect to the
// provider and the callback. It keeps the state's SHA-256, not the state:
// the callback has the state from its query, and the cookie stays the same
// small size whatever target and org ids the state carries.
type pending struct {
	StateHash []byte `json:"h"`
	Nonce     string `json:"n"`
	Verifier  string `json:"v"`
	Redirect  string `json:"r"` // the redirect_uri sent to the provider
	Created   int64  `json:"c"` // Unix nanoseconds, to evict the oldest pending login
}
