package hfauth

// This file holds Seen (what the authenticate step found) and the guards:
// RequireLoginGuard and RequireOrgGuard.

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
)

// Seen is what the authenticate step (OAuth.Authenticate, OAuth.Skip)
// found on a request, for the guards, the link builders and HubClient. An
// adapter keeps it where its framework keeps request values, and hands it
// back to Guard.Decide and Seen.HubClient; the zero Seen is a request that
// no authenticate step saw.
//
// An adapter may keep it without allocating: Info alone when it is set
// (OAuth is then Info's own OAuth), else OAuth (or, with Skipped, a
// one-pointer struct holding it) and Bearer, a small integer.
type Seen struct {
	// Info is the login, or nil when the request is logged out.
	Info *OAuthInfo
	// OAuth is the instance whose authenticate step saw (or skipped) the
	// request; nil when none did. With Info set it may be left nil.
	OAuth *OAuth
	// Skipped reports that the adapter's Skipper skipped the request.
	Skipped bool
	// Bearer is what became of a logged-out request's bearer token.
	Bearer BearerOutcome
}

// unowned returns the stand-in for an OAuth when none handled the request:
// an unconfigured OAuth with every default setting (no prefix, the public
// Hub, the default timeout and HTTP client), and no routes or sessions of
// its own. It is made on each call, so that it takes the slog default of
// the moment.
func unowned() *OAuth {
	var r resolved
	r.defaults()
	return &OAuth{cfg: r}
}

// norm fills s.OAuth from s.Info when the adapter kept only the login.
func (s Seen) norm() Seen {
	if s.OAuth == nil && s.Info != nil {
		s.OAuth = s.Info.owner
	}
	return s
}

// Owner returns the OAuth whose links the request gets: the one whose
// authenticate step saw it, else an unconfigured OAuth whose links are the
// default paths (LoginPath, LogoutPath). Use it for its link builders
// (LoginURL, LogoutURL, HubEndpoint) only.
func (s Seen) Owner() *OAuth {
	if s = s.norm(); s.OAuth != nil {
		return s.OAuth
	}
	return unowned()
}

// Guard is a check that guarded routes run after the authenticate step:
// it lets the OAuth's own routes through, sends logged-out requests to
// login, refuses logins that do not qualify, and reports a missing
// authenticate step. Build one with RequireLoginGuard or RequireOrgGuard;
// adapters render its Decision, and Guard.Middleware serves net/http. A
// Guard is safe for concurrent use.
type Guard struct {
	name    string                 // the guard's constructor, for the log line
	logger  *slog.Logger           // nil: the owner's, else slog.Default()
	admit   func(*OAuthInfo) reply // the check of a login; nil admits any
	scopes  *orgScopeCheck         // RequireOrg: the scope warning, checked on its first request
	orgs    []string               // RequireOrg: its organizations, for that warning
	noAuth  atomic.Bool            // a missing Auth was logged
	skipped atomic.Bool            // a request Auth skipped was logged
}

// noAuthReply answers a guarded request that Auth did not see.
var noAuthReply = reply{
	status: http.StatusInternalServerError,
	msg:    "This page needs sign-in, but the server is misconfigured: echohf's Auth middleware did not see this request.",
	err:    ErrNoAuth,
}

// Decide is g's answer to r, routed to route (its route path, as the
// router matched it; a plain path will do), given what the authenticate
// step left on it: the zero Decision lets r go on. The OAuth's own routes
// always go on; a login goes on when g admits it; a logged-out request is
// sent to login (or refused with 401); a request no authenticate step saw
// gets 500 with ErrNoAuth. See the package documentation for the rules.
func (g *Guard) Decide(s Seen, r *http.Request, route string) Decision {
	return g.decide(s.norm(), r, route).decision()
}

func (g *Guard) decide(s Seen, r *http.Request, route string) reply {
	if g.scopes != nil && s.OAuth != nil {
		g.scopes.check(s.OAuth, g.orgs, g.logger)
	}
	switch {
	case s.OAuth != nil && s.OAuth.ownRoute(route):
		return reply{}
	case s.Info != nil:
		if g.admit == nil {
			return reply{}
		}
		return g.admit(s.Info)
	case s.OAuth == nil:
		g.report(&g.noAuth, nil, g.name+" ran without echohf's Auth before it, so it cannot tell who is logged in; install Auth first: e.Use(o.Auth(), guard)", route)
		return noAuthReply
	case s.Skipped:
		g.report(&g.skipped, s.OAuth, g.name+" ran on a request that Auth's Skipper skipped, so it cannot tell who is logged in; skip the request in the guard as well, or let Auth see it", route)
		return noAuthReply
	}
	return s.OAuth.loginRequired(r, s.Bearer)
}

// RequireLoginGuard returns the guard for routes that need a logged-in
// user: a logged-out browser navigation is sent to login, coming back to
// the current path and query; any other logged-out request gets 401 (see
// the package documentation for how a navigation is told from an API
// call). logger receives the line that reports the guard running without
// the authenticate step (once per guard); nil means the OAuth's Logger,
// else slog.Default().
func RequireLoginGuard(logger *slog.Logger) *Guard {
	return &Guard{name: "RequireLogin", logger: logger}
}

// RequireOrgConfig configures RequireOrgGuard.
type RequireOrgConfig struct {
	// Orgs are the organizations that grant access, by handle
	// (preferred_username) or by id (sub, 24 hexadecimal digits, matched
	// against ids only); membership of any one is enough. Required.
	Orgs []string
	// MinRole is the least role in the organization that grants access:
	// RoleRead < RoleContributor < RoleWrite < RoleAdmin. Optional. Default
	// "": any member.
	MinRole string
	// RefuseRestricted refuses an organization whose securityRestrictions
	// is not empty (the session does not meet the organization's IP, token,
	// MFA or SSO policy); such a member gets a 403 naming the policy, whose
	// error is ErrRestricted. Optional. Default false.
	RefuseRestricted bool
	// Logger receives the line that reports the guard running without the
	// authenticate step (once per guard), and the warning that the OAuth's
	// scopes lack read-memberships when this guard is the first of the
	// process to find it (see docs/scopes.md). Optional. Default: the
	// Logger of the OAuth that saw or skipped the request, else
	// slog.Default().
	Logger *slog.Logger
}

// RequireOrgGuard returns the guard for routes reserved to members of one
// of cfg.Orgs: logged-out requests are treated as by RequireLoginGuard;
// logged-in non-members get 403 (ErrNotMember), members whose role is below
// cfg.MinRole get 403 saying which role the page needs (ErrRoleTooLow), and
// with cfg.RefuseRestricted, members whose session does not meet the
// organization's security restrictions get 403 (ErrRestricted). Its error
// matches ErrConfig when cfg names no organization or an unknown MinRole.
func RequireOrgGuard(cfg RequireOrgConfig) (*Guard, error) {
	rule, err := newOrgRule(cfg.Orgs, cfg.MinRole, cfg.RefuseRestricted)
	if err != nil {
		return nil, err
	}
	return &Guard{name: "RequireOrg", logger: cfg.Logger, admit: rule.admit, scopes: &orgScopeCheck{}, orgs: rule.orgs}, nil
}

// report logs msg the first time done is set, to the guard's logger, else
// owner's, else slog.Default().
func (g *Guard) report(done *atomic.Bool, owner *OAuth, msg, route string) {
	if done.Swap(true) {
		return
	}
	l := g.logger
	if l == nil && owner != nil {
		l = owner.cfg.Logger
	}
	if l == nil {
		l = slog.Default()
	}
	l.Error("echohf: "+msg, "path", route)
}

// loginRequired sends a browser to o's login and answers an API call, or
// any request that came with a bearer token, with 401 (and a Bearer
// challenge when o accepts bearer tokens).
func (o *OAuth) loginRequired(r *http.Request, bearer BearerOutcome) reply {
	if bearer == BearerNone && isNavigation(r) {
		return redirect(o.LoginURL(r.URL.RequestURI()))
	}
	msg := "Please sign in to see this page."
	switch bearer {
	case BearerRefused:
		msg = "The bearer token is invalid or expired."
	case BearerUnverified:
		msg = "The bearer token could not be checked with Hugging Face. Please try again."
	}
	return reply{status: http.StatusUnauthorized, msg: msg, err: ErrLoginRequired, challenge: o.bearerChallenge(bearer)}
}

// isNavigation tells a browser loading a page from a script or API call:
// a GET or HEAD whose Sec-Fetch-Mode is "navigate", or, with no
// Sec-Fetch-Mode (a browser too old to send it), whose Accept lists
// text/html. Sec-Fetch-Mode decides when present, since a script's fetch
// may ask for text/html too.
func isNavigation(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if mode := r.Header.Get("Sec-Fetch-Mode"); mode != "" {
		return mode == "navigate"
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// Roles in an organization, from least to most privileged.
const (
	RoleRead        = "read"
	RoleContributor = "contributor"
	RoleWrite       = "write"
	RoleAdmin       = "admin"
)

var roles = []string{RoleRead, RoleContributor, RoleWrite, RoleAdmin}

// roleRank orders roles; an unknown or missing role ranks below read.
func roleRank(role *string) int {
	if role == nil {
		return -1
	}
	return slices.Index(roles, *role)
}

// orgRule is a checked RequireOrg configuration.
type orgRule struct {
	orgs             []string // as the configuration names them, empty names dropped
	minRole          string
	minRank          int // below every role's rank without a MinRole, unknown roles (-1) included
	refuseRestricted bool
}

// newOrgRule checks a RequireOrg configuration: at least one organization,
// and a known role if any.
func newOrgRule(orgs []string, minRole string, refuseRestricted bool) (orgRule, error) {
	r := orgRule{minRole: minRole, minRank: -1, refuseRestricted: refuseRestricted}
	if minRole != "" {
		r.minRank = roleRank(&minRole)
		if r.minRank < 0 {
			return orgRule{}, fmt.Errorf("%w: RequireOrg MinRole %q is not read, contributor, write or admin", ErrConfig, minRole)
		}
	}
	for _, org := range orgs {
		if org != "" {
			r.orgs = append(r.orgs, org)
		}
	}
	if len(r.orgs) == 0 {
		return orgRule{}, fmt.Errorf("%w: RequireOrg needs at least one organization", ErrConfig)
	}
	return r, nil
}

// admit lets info through when the user is a member of one of the
// organizations with the role and restrictions the rule asks for, and
// otherwise answers 403: ErrRoleTooLow when the role is what is missing,
// ErrRestricted when only the organization's security restrictions are,
// else ErrNotMember.
func (r orgRule) admit(info *OAuthInfo) reply {
	var low, restricted *OAuthOrgInfo  // the first org the user is in with too low a role, with unmet restrictions
	var lowName, restrictedName string // as the configuration names them
	for _, name := range r.orgs {
		org := info.UserInfo.Org(name)
		switch {
		case org == nil:
			continue
		case roleRank(org.RoleInOrg) < r.minRank:
			if low == nil {
				low, lowName = org, name
			}
			continue
		case r.refuseRestricted && (len(org.SecurityRestrictions) > 0 || info.bearer):
			if restricted == nil {
				restricted, restrictedName = org, name
			}
			continue
		}
		return reply{}
	}
	switch {
	case low != nil:
		return reply{status: http.StatusForbidden, msg: roleMessage(r.minRole, lowName, low), err: ErrRoleTooLow}
	case restricted != nil:
		return reply{status: http.StatusForbidden, msg: restrictedMessage(restrictedName, restricted, info.bearer), err: ErrRestricted}
	}
	return reply{status: http.StatusForbidden, msg: "This page is reserved to members of " + strings.Join(r.orgs, ", ") + ".", err: ErrNotMember}
}

// restrictedMessage tells a member of org (named name in the guard's
// configuration) that their session does not meet its security policy, or
// that a bearer token cannot show it does.
// The restriction names are Hugging Face's fixed words ("mfa", "sso", …),
// cut to printable ASCII.
func restrictedMessage(name string, org *OAuthOrgInfo, bearer bool) string {
	if org.PreferredUsername != "" {
		name = org.PreferredUsername
	}
	if bearer { // whoami says nothing of the restrictions a token meets
		return "This page needs a browser session that meets the security policy of " + name + "; a bearer token cannot show that it does."
	}
	what := make([]string, 0, len(org.SecurityRestrictions))
	for _, s := range org.SecurityRestrictions {
		what = append(what, safeToken(s))
	}
	return "This page needs a session that meets the security policy of " + name + " (" + strings.Join(what, ", ") + ")."
}

// roleMessage tells a member of org (named name in the guard's
// configuration) that the page needs role there, and which role they have
// (only a known role is repeated).
func roleMessage(role, name string, org *OAuthOrgInfo) string {
	if org.PreferredUsername != "" {
		name = org.PreferredUsername
	}
	have := "no known role there"
	if roleRank(org.RoleInOrg) >= 0 {
		have = *org.RoleInOrg
	}
	return "This page needs the " + role + " role in " + name + "; you have " + have + "."
}
