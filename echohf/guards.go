package echohf

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
)

// seen is what Auth left on a request, for the guards and the link
// builders: the login (nil when logged out), and the OAuth whose Auth saw
// the request, or skipped it; o is nil when no Auth saw the request.
type seen struct {
	info    *OAuthInfo
	o       *OAuth
	skipped bool          // Auth's Skipper skipped the request
	bearer  bearerOutcome // what became of a logged-out request's bearer token
}

// bare stands in for an OAuth when none handled the request: only its
// prefix is used, to build default links.
var bare = &OAuth{}

// owner is the OAuth whose links the request gets: the one whose Auth saw
// it, else bare.
func (s seen) owner() *OAuth {
	if s.o != nil {
		return s.o
	}
	return bare
}

// guard is what RequireLogin and RequireOrg share: letting echohf's own
// routes through, sending logged-out requests to login, and reporting a
// missing Auth.
type guard struct {
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

// decide is g's answer to r, routed to route (its route path), given what
// Auth left on it: the zero reply lets r go on. echohf's own routes always
// go on; a login goes on when g admits it; a logged-out request is sent to
// login (or refused with 401); a request Auth did not see gets 500.
func (g *guard) decide(s seen, r *http.Request, route string) reply {
	if g.scopes != nil && s.o != nil {
		g.scopes.check(s.o, g.orgs, g.logger)
	}
	switch {
	case s.o != nil && s.o.ownRoute(route):
		return reply{}
	case s.info != nil:
		if g.admit == nil {
			return reply{}
		}
		return g.admit(s.info)
	case s.o == nil:
		g.report(&g.noAuth, nil, g.name+" ran without echohf's Auth before it, so it cannot tell who is logged in; install Auth first: e.Use(o.Auth(), guard)", route)
		return noAuthReply
	case s.skipped:
		g.report(&g.skipped, s.o, g.name+" ran on a request that Auth's Skipper skipped, so it cannot tell who is logged in; skip the request in the guard as well, or let Auth see it", route)
		return noAuthReply
	}
	return s.o.loginRequired(r, s.bearer)
}

// report logs msg the first time done is set, to the guard's logger, else
// owner's, else slog.Default().
func (g *guard) report(done *atomic.Bool, owner *OAuth, msg, route string) {
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
func (o *OAuth) loginRequired(r *http.Request, bearer bearerOutcome) reply {
	if bearer == bearerNone && isNavigation(r) {
		return redirect(o.LoginURL(r.URL.RequestURI()))
	}
	msg := "Please sign in to see this page."
	switch bearer {
	case bearerRefused:
		msg = "The bearer token is invalid or expired."
	case bearerUnverified:
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
