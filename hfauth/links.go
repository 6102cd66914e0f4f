package hfauth

// This file holds the links to the login and logout routes: loginLink is
// the one builder of login links, which LoginURL, LoginURLWithOptions,
// MockLoginURL, the guards (through LoginURL) and the retries of a login
// whose cookie was lost (retryLogin) all use.

import (
	"net/url"
	"strconv"
	"strings"
)

// promptConsent is the one prompt value the login route passes on.
const promptConsent = "consent"

// LoginOptions are the optional parts of a link to the login route, for
// LoginURLWithOptions.
type LoginOptions struct {
	// OrgIDs asks the user for access to these organizations (the
	// authorize URL's orgIds parameter), beside Config.OrgIDs. Invalid ids
	// are left out.
	OrgIDs []string
	// Consent shows Hugging Face's consent screen even to a user who
	// already authorized the app (prompt=consent), so that they can grant
	// access to organizations they skipped the first time.
	Consent bool
}

// LoginURLWithOptions returns the path of o's login route that comes back to
// target (sanitized), with opts. The login route takes the same options as
// query parameters: orgIds (comma-separated) and prompt=consent (any other
// prompt value is ignored). Both survive the retries of a login whose
// cookie was lost.
func (o *OAuth) LoginURLWithOptions(target string, opts LoginOptions) string {
	return loginLink{target: target, orgIDs: opts.OrgIDs, consent: opts.Consent}.build(o.prefix)
}

// LoginURL returns the path of o's login route that comes back to target
// (sanitized) and, when orgIDs are given, asks the user for access to those
// organizations (the authorize URL's orgIds parameter). See also
// LoginURLWithOptions.
func (o *OAuth) LoginURL(target string, orgIDs ...string) string {
	return loginLink{target: target, orgIDs: orgIDs}.build(o.prefix)
}

// LogoutURL returns the path of o's logout route that comes back to target.
func (o *OAuth) LogoutURL(target string) string {
	return o.prefix + LogoutPath + query(targetParam(target))
}

// loginLink is a link to the login route. Its parameters are written in
// one fixed order (mock_key, _nb_redirects, _target_url, orgIds, prompt),
// each only when set.
type loginLink struct {
	mockKey string   // mock mode's key (MockLoginURL)
	retries int      // the retries so far of a login whose cookie was lost; 0 for none
	target  string   // where the login comes back to; sanitized here, left out when ""
	orgIDs  []string // organizations to ask access to; invalid ids are left out
	consent bool     // prompt=consent
}

// build returns the link under prefix.
func (l loginLink) build(prefix string) string {
	q := make([]string, 0, 5)
	if l.mockKey != "" {
		q = append(q, paramMockKey+"="+url.QueryEscape(l.mockKey))
	}
	if l.retries > 0 {
		q = append(q, paramRedirects+"="+strconv.Itoa(l.retries))
	}
	q = append(q, targetParam(l.target)...)
	var ids []string
	for _, id := range l.orgIDs {
		if validOrgID(id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		q = append(q, paramOrgIDs+"="+strings.Join(ids, ","))
	}
	if l.consent {
		q = append(q, paramPrompt+"="+promptConsent)
	}
	return prefix + LoginPath + query(q)
}

// targetParam is the _target_url parameter for target, sanitized, or none
// when target is "".
func targetParam(target string) []string {
	if target == "" {
		return nil
	}
	return []string{paramTarget + "=" + url.QueryEscape(SanitizeTarget(target))}
}

// query joins encoded parameters into a query string with its "?", or ""
// for none.
func query(q []string) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + strings.Join(q, "&")
}
