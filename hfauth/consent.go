package hfauth

import (
	"net/url"
	"slices"
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
	q := make([]string, 0, 3)
	if target != "" {
		q = append(q, paramTarget+"="+url.QueryEscape(SanitizeTarget(target)))
	}
	var ids []string
	for _, id := range opts.OrgIDs {
		if validOrgID(id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		q = append(q, paramOrgIDs+"="+strings.Join(ids, ","))
	}
	if opts.Consent {
		q = append(q, paramPrompt+"="+promptConsent)
	}
	u := o.prefix + LoginPath
	if len(q) > 0 {
		u += "?" + strings.Join(q, "&")
	}
	return u
}

// wantsConsent reports whether the login route's query asks for
// prompt=consent, the only prompt it passes on.
func wantsConsent(q url.Values) bool {
	return slices.Contains(q[paramPrompt], promptConsent)
}
