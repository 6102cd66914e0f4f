package hfauth

// This file holds the RequireOrg guard's one-time warning when the
// configured scopes cannot show the organizations it checks.

import (
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// scopeMemberships is the scope with which Hugging Face's userinfo lists
// every organization a user belongs to, with their role in each
// (https://huggingface.co/docs/hub/oauth#currently-supported-scopes).
// Without it, expect only the organizations the user grants the app at
// sign-in (the orgIds parameter asks for one).
const scopeMemberships = "read-memberships"

// scopeWarnings holds, by scope, the missing scopes already warned about
// in this process: one warning per scope per process, however many guards
// and OAuths lack it.
var scopeWarnings sync.Map

// orgScopeCheck is a RequireOrg guard's check, made on its first request,
// that the sessions it judges can hold its organizations.
type orgScopeCheck struct{ done atomic.Bool }

// check logs, the first time the guard sees a request of an OAuth, a
// warning when that OAuth signs users in (real mode) with scopes that lack
// read-memberships and does not ask for every one of orgs on every login
// (Config.OrgIDs, by id): members who do not grant the organization at
// sign-in would then be refused. The warning comes once per process (the
// OAuth's scopeWarned), from whichever guard finds the scope missing
// first: the fix is the same for every guard. The log goes to logger,
// else the OAuth's.
func (s *orgScopeCheck) check(o *OAuth, orgs []string, logger *slog.Logger) {
	if s.done.Load() || s.done.Swap(true) { // one atomic read per request once done
		return
	}
	if o.cfg.mode != ModeReal || slices.Contains(o.cfg.Scopes, scopeMemberships) {
		return
	}
	if !slices.ContainsFunc(orgs, func(org string) bool { return !slices.Contains(o.cfg.OrgIDs, org) }) {
		return
	}
	if _, warned := o.scopeWarned.LoadOrStore(scopeMemberships, true); warned {
		return
	}
	if logger == nil {
		logger = o.cfg.Logger
	}
	logger.Warn("echohf: RequireOrg("+strings.Join(orgs, ", ")+") may refuse members: the OAuth scopes ("+EnvScopes+") lack "+scopeMemberships+
		", the scope Hugging Face documents for listing a user's organizations and roles, so userinfo may list only those the user grants this app at sign-in; add "+scopeMemberships+
		" to the scopes (hf_oauth_scopes in a Space's README), or ask for the organizations by id on every login with OrgIDs (logged once per process, for the first guard that finds the scope missing)",
		"scopes", strings.Join(o.cfg.Scopes, " "))
}
