package hfauth

// This file holds session, what the session cookie carries, and the
// authenticate step that reads it.

import (
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/echohf/echohf/jwtstore"
)

// session is what the session cookie carries, signed by jwtstore. The
// access and refresh tokens are sealed: the cookie's holder cannot read them.
type session struct {
	Token   string        `json:"t"`            // sealed access token
	Refresh string        `json:"r,omitempty"`  // sealed refresh token; none in mock mode, or once known spent
	Expires int64         `json:"e"`            // access token expiry, Unix seconds, rounded down (with em: see expiry)
	Issued  int64         `json:"i,omitempty"`  // when the access token was obtained, Unix seconds, rounded down (sizes the refresh window)
	Checked int64         `json:"ck,omitempty"` // when User was last read from the provider, Unix seconds
	Login   int64         `json:"l,omitempty"`  // when the user signed in, Unix seconds, rounded down: the session ends SessionMaxAge later
	Scope   string        `json:"sc,omitempty"` // granted scopes
	State   string        `json:"st,omitempty"` // the login's OAuth state
	SignIn  string        `json:"si,omitempty"` // without State (SaveSession, mock login): a random id of the sign-in, kept by renewals (logouts.go)
	User    OAuthUserInfo `json:"u"`
	// The milliseconds, 0 to 999, that Expires, Issued and Login leave
	// out. A cookie minted before they were kept has none: its times
	// read as the whole seconds they were, and a replica that does not
	// know them reads the whole seconds of a newer cookie, a little early.
	ExpiresMs int64 `json:"em,omitempty"`
	IssuedMs  int64 `json:"im,omitempty"`
	LoginMs   int64 `json:"lm,omitempty"`

	// info memoizes the OAuthInfo built from this session. jwtstore's
	// cache hands the same *session to every request with the same cookie,
	// so the token is unsealed once per session per process.
	info atomic.Pointer[OAuthInfo]
	// due is when, in Unix nanoseconds, a request of this session must
	// renew it (refresh or revalidate; see renew.go): 0 until infoOf sets
	// it, before info is published; moved later by a renewal that failed,
	// or to dueNow by logout.
	due atomic.Int64
	// seen is the epoch of the logout memory (logouts.go) at which this
	// session was last found signed in.
	seen atomic.Uint64
	// ends memoizes OAuth.endOf for a session jwtstore loaded, whose
	// fields nothing changes, in Unix nanoseconds: 0 until loadedLive
	// sets it. Auth then does no time arithmetic per request.
	ends atomic.Int64
	// plainText has MarshalJSON write the packed user's text as it is,
	// never deflated: mint sets it for a session that fits in one cookie
	// that way.
	plainText bool
}

// Times of a session are kept to the millisecond: whole Unix seconds in
// the fields the cookie always had, rounded down, and the milliseconds
// they leave out in fields of their own. A time is rounded up to the
// millisecond, so that a session never ends before its token, and
// outlives it by less than a millisecond.

// unixMs splits t, rounded up to the millisecond, into Unix seconds and
// the milliseconds past them.
func unixMs(t time.Time) (sec, ms int64) {
	sec, ms = t.Unix(), int64((t.Nanosecond()+999_999)/1_000_000)
	if ms == 1000 {
		sec, ms = sec+1, 0
	}
	return sec, ms
}

// atMs is the time sec Unix seconds and ms milliseconds after the epoch.
func atMs(sec, ms int64) time.Time { return time.Unix(sec, ms*1_000_000) }

// expiry is when the access token of s expires.
func (s *session) expiry() time.Time { return atMs(s.Expires, s.ExpiresMs) }

// setExpiry sets when the access token of s expires.
func (s *session) setExpiry(t time.Time) { s.Expires, s.ExpiresMs = unixMs(t) }

// issued is when the access token of s was obtained, or the zero time
// when s does not say.
func (s *session) issued() time.Time {
	if s.Issued <= 0 {
		return time.Time{}
	}
	return atMs(s.Issued, s.IssuedMs)
}

// setIssued sets when the access token of s was obtained.
func (s *session) setIssued(t time.Time) { s.Issued, s.IssuedMs = unixMs(t) }

// setLogin sets when the user of s signed in.
func (s *session) setLogin(t time.Time) { s.Login, s.LoginMs = unixMs(t) }

// signedIn is when the user of s signed in, for the session that renews
// s: as s says, else now (see end).
func (s *session) signedIn(now time.Time) time.Time {
	if s.Login > 0 {
		return atMs(s.Login, s.LoginMs)
	}
	return now
}

// end is when s ends, maxAge being Config.SessionMaxAge and refreshing
// whether this replica refreshes sessions: the rule of docs/sessions.md,
// "When a session ends". A session that holds a refresh token lives
// until maxAge after the sign-in, its access token being refreshed when
// it is due or has ended; any other ends with its access token, or at
// that bound when it comes first. A session that does not say when its
// user signed in (a cookie older than that field) ends with its token.
func (s *session) end(maxAge time.Duration, refreshing bool) time.Time {
	exp := s.expiry()
	if s.Login <= 0 {
		return exp
	}
	last := atMs(s.Login, s.LoginMs).Add(maxAge)
	if refreshing && s.Refresh != "" || last.Before(exp) {
		return last
	}
	return exp
}

// refreshing reports whether o refreshes sessions: real mode with
// RefreshBefore positive.
func (o *OAuth) refreshing() bool { return o.cfg.mode == ModeReal && o.cfg.RefreshBefore > 0 }

// endOf is when s ends on o (see session.end).
func (o *OAuth) endOf(s *session) time.Time { return s.end(o.cfg.SessionMaxAge, o.refreshing()) }

// live reports whether s is still valid on o at now (see end): to the
// millisecond, with no Leeway.
func (o *OAuth) live(s *session, now time.Time) bool {
	return s != nil && now.Before(o.endOf(s))
}

// loadedLive is live for a session jwtstore loaded (and may have cached),
// with now in Unix nanoseconds: its end is worked out once per session.
func (o *OAuth) loadedLive(s *session, now int64) bool {
	end := s.ends.Load()
	if end == 0 {
		end = o.endOf(s).UnixNano()
		s.ends.Store(end)
	}
	return now < end
}

// authenticate returns the login r's session cookie holds, or nil when r
// is logged out. A session that is due (in its refresh window, or not
// checked with the provider for RevalidateEvery) is renewed first, which
// may call the provider and mint a new cookie on w (see renew); any other
// request does no network I/O. A session whose sign-in was logged out in
// this process (logouts.go) is logged out. The cookies of an invalid,
// expired or logged-out session are expired on w, so the browser drops
// them, except those signed with a key o does not know
// (jwtstore.ErrUnknownKey). A session ends at s.end, with no Leeway.
func (o *OAuth) authenticate(w http.ResponseWriter, r *http.Request) *OAuthInfo {
	now := o.cfg.Now() // the request's one clock reading, for the cookie's times and the session's
	s, err := o.sessions.LoadAt(r, now)
	t := now.UnixNano()
	if err == nil && s != nil && o.loadedLive(s, t) {
		if info := o.infoOf(s); info != nil {
			if t < s.due.Load() && o.logouts.current(s) {
				return info
			}
			if !o.logouts.loggedOut(s, t) {
				if t < s.due.Load() {
					return info
				}
				return o.renew(w, r, s, info, now)
			}
		}
	}
	if o.logouts.refusing() {
		return nil // a fail-closed feed out of sync: refused, cookies kept for when it is back
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
// short of a key mix-up; the session is then treated as invalid). The
// first call for s also sets when s is due: at once when this process
// remembers a renewal or a logout of its cookie (jwtstore's cache may have
// dropped the *session that knew, or be off).
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
	due := o.dueOf(s, false)
	if due != never && o.renewals.known(s.Token) {
		due = dueNow // renewed, failed or logged out here: the memory says what next
	}
	s.due.CompareAndSwap(0, due)
	s.info.CompareAndSwap(nil, o.infoFrom(s, string(token)))
	return s.info.Load()
}

// infoFrom is the OAuthInfo of s, whose access token is token.
func (o *OAuth) infoFrom(s *session, token string) *OAuthInfo {
	info := &OAuthInfo{
		AccessToken:          token,
		AccessTokenExpiresAt: s.expiry().UTC(),
		UserInfo:             s.User,
		State:                s.State,
		Scope:                s.Scope,
		owner:                o,
	}
	if s.Checked > 0 {
		info.UserInfoCheckedAt = time.Unix(s.Checked, 0).UTC()
	}
	return info
}

// newSession seals the tokens of a login, obtained at issued (the time of
// the sign-in), into a session whose user data was read from the provider
// at checked. refresh may be empty; it is kept only while refreshing is on.
func (o *OAuth) newSession(info *OAuthInfo, refresh string, issued, checked time.Time) (*session, error) {
	sealed, err := o.sealer.Seal([]byte(info.AccessToken))
	if err != nil {
		return nil, err
	}
	s := &session{Token: sealed, Checked: checked.Unix(), Scope: info.Scope, State: info.State, User: info.UserInfo}
	s.setExpiry(info.AccessTokenExpiresAt)
	s.setIssued(issued)
	s.setLogin(issued)
	if s.State == "" {
		s.SignIn = randomString(16) // what logout remembers such a sign-in by (logouts.go)
	}
	if refresh != "" && o.cfg.RefreshBefore > 0 {
		if s.Refresh, err = o.refreshSealer.Seal([]byte(refresh)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// saveSession mints the session cookie of a new login (see newSession),
// obtained and checked now: one clock reading for the session's times and
// its cookie's.
func (o *OAuth) saveSession(w http.ResponseWriter, r *http.Request, info *OAuthInfo, refresh string) error {
	now := o.cfg.Now()
	s, err := o.newSession(info, refresh, now, now)
	if err != nil {
		return err
	}
	return o.store(w, r, s, now)
}

// store mints the session cookie of s at now and sets it on w (see mint).
func (o *OAuth) store(w http.ResponseWriter, r *http.Request, s *session, now time.Time) error {
	m, err := o.mint(s, now)
	if err != nil {
		return err
	}
	return m.Write(w, r)
}
