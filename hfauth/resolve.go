package hfauth

// This file holds the resolution of a Config into the settings New uses:
// checks and defaults.

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Defaults of Config fields that more than resolve needs.
const (
	defaultTimeout    = 10 * time.Second         // Config.Timeout
	defaultHFEndpoint = "https://huggingface.co" // Config.HFEndpoint
)

// ErrConfig is matched (errors.Is) by every error that New, NewFromEnv,
// Default and Config.FromEnv return for an invalid configuration. The
// error's text names every bad or missing setting at once, each by its
// Config field and its environment variable. RequireOrgGuard returns it
// too, for a guard configuration that cannot work.
var ErrConfig = errors.New("echohf: invalid configuration")

// minSecretLen is the shortest session secret accepted: 32 bytes, the
// size of the HMAC-SHA256 keys derived from it.
const minSecretLen = 32

// configError collects the problems of a configuration, so that one error
// names them all. The zero value is empty and ready to use.
type configError struct{ problems []string }

func (e *configError) addf(format string, args ...any) {
	e.problems = append(e.problems, fmt.Sprintf(format, args...))
}

// err returns e as an error, or nil when it holds no problem.
func (e *configError) err() error {
	if len(e.problems) == 0 {
		return nil
	}
	return e
}

func (e *configError) Error() string {
	if len(e.problems) == 1 {
		return ErrConfig.Error() + ": " + e.problems[0]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%d problems):", ErrConfig, len(e.problems))
	for _, p := range e.problems {
		b.WriteString("\n  - ")
		b.WriteString(p)
	}
	return b.String()
}

func (e *configError) Unwrap() error { return ErrConfig }

// resolved is a Config with defaults applied and checked.
type resolved struct {
	Config
	mode   Mode
	secure bool // cookies get Secure, SameSite=None and __Host-
	// customHosts are the custom domains listed after the Space's own host
	// in SpaceHost (which resolve cuts to that first entry): sign-in on
	// them ends with a handoff (handoff.go).
	customHosts []string
	secrets     []string
	randomKey   bool
	// warnings are logged once by New: settings that work but should not
	// stay as they are.
	warnings []string
}

// checkValues records in p every set value of c that is malformed. Missing
// settings are resolve's business.
func (c Config) checkValues(p *configError) {
	checkFeedURL(&c, p)
	if c.Mode < ModeAuto || c.Mode > ModeMock {
		p.addf("Mode %d is not ModeAuto, ModeReal or ModeMock", c.Mode)
	}
	if c.ProviderURL != "" && !httpURL(c.ProviderURL) {
		p.addf("ProviderURL (%s) %q is not an http(s) URL", EnvProviderURL, c.ProviderURL)
	}
	if c.RedirectURL != "" && !httpURL(c.RedirectURL) {
		p.addf("RedirectURL (%s) %q is not an absolute http(s) URL", EnvRedirectURL, c.RedirectURL)
	}
	switch {
	case c.HFEndpoint == "":
	case !httpURL(c.HFEndpoint):
		p.addf("HFEndpoint (%s) %q is not an http(s) URL", EnvHFEndpoint, c.HFEndpoint)
	case originOf(c.HFEndpoint) == "": // HubClient could not tell the Hub
		p.addf("HFEndpoint (%s) %q must have a plain ASCII host: write an internationalized name in its xn-- form, and no IPv6 zone", EnvHFEndpoint, c.HFEndpoint)
	}
	if c.SpaceHost != "" {
		for i, h := range strings.Split(c.SpaceHost, ",") {
			if h = strings.TrimSpace(h); (h != "" || i == 0) && !validHost(h) {
				p.addf("SpaceHost (%s) entry %q is not a host name with an optional :port", EnvSpaceHost, h)
			}
		}
	}
	if n := len(c.SessionSecret); n > 0 && n < minSecretLen {
		p.addf("SessionSecret (%s) is %d bytes long; it must be at least %d bytes (for example the output of `openssl rand -hex 32`)",
			EnvSessionSecret, n, minSecretLen)
	}
	for i, s := range c.OldSessionSecrets {
		if s == "" {
			p.addf("OldSessionSecrets (%s) entry %d is empty", EnvOldSessionSecrets, i)
		}
	}
	if c.RefreshBefore > 0 && c.RefreshBefore < time.Second {
		p.addf("RefreshBefore (%s) %v is under a second; set at least 1s, or a negative value to turn refreshing off", EnvRefreshBefore, c.RefreshBefore)
	}
	if c.RevalidateEvery > 0 && c.RevalidateEvery < time.Second {
		p.addf("RevalidateEvery (%s) %v is under a second; set at least 1s, or a negative value to turn revalidation off", EnvRevalidateEvery, c.RevalidateEvery)
	}
	for _, id := range c.OrgIDs {
		if !validOrgID(id) {
			p.addf("OrgIDs entry %q is not an organization id", id)
		}
	}
	if why := prefixProblem(c.Prefix); why != "" {
		p.addf("Prefix %q %s", c.Prefix, why)
	}
	if why := cookieNameProblem(c.CookieName); why != "" {
		p.addf("CookieName %q %s", c.CookieName, why)
	}
	if c.SessionMaxAge > 0 && c.SessionMaxAge < time.Second {
		p.addf("SessionMaxAge %v is shorter than one second", c.SessionMaxAge)
	}
}

// maxCookieNameLen bounds CookieName, far below what would leave no room
// for the session in a cookie.
const maxCookieNameLen = 128

// cookieNameProblem says what is wrong with a CookieName, or "" when
// nothing is. The __Secure- prefix is resolve's business: it depends on
// whether the cookie is Secure.
func cookieNameProblem(name string) string {
	switch {
	case name == "":
		return ""
	case len(name) > maxCookieNameLen:
		return fmt.Sprintf("is %d bytes long; it may be at most %d", len(name), maxCookieNameLen)
	case !isCookieName(name):
		return "is not a cookie name: use letters, digits and !#$%&'*+-.^_`|~"
	case len(name) >= len("__Host-") && strings.EqualFold(name[:len("__Host-")], "__Host-"):
		return "starts with __Host-: echohf adds that prefix itself when the cookie is Secure"
	}
	return ""
}

// isCookieName reports whether name is an RFC 7230 token, the syntax of a
// cookie name.
func isCookieName(name string) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; !idChar(c) && !strings.ContainsRune("!#$%&'*+.^`|~", rune(c)) {
			return false
		}
	}
	return name != ""
}

// prefixProblem says what is wrong with a Prefix, or "" when nothing is.
// A Prefix may hold only unreserved path characters and '/': Echo reads
// ':' and '*' as route patterns, '?' and '#' would cut every link, and
// other characters would need escaping that the links do not do. Dot
// segments are refused too, since browsers remove them from links.
func prefixProblem(prefix string) string {
	for i := 0; i < len(prefix); i++ {
		if c := prefix[i]; !idChar(c) && c != '.' && c != '~' && c != '/' {
			return "may hold only letters, digits, '-', '.', '_', '~' and '/'"
		}
	}
	for seg := range strings.SplitSeq(prefix, "/") {
		if seg == "." || seg == ".." {
			return fmt.Sprintf("has a %q segment, which browsers remove from links", seg)
		}
	}
	return ""
}

// httpURL reports whether v is an absolute http or https URL with a host.
func httpURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// resolve checks c as given (it never reads the environment), records every
// problem in p and returns c with its defaults applied.
func (c Config) resolve(p *configError) resolved {
	c.checkValues(p)
	r := resolved{Config: c}
	r.SpaceHost, r.customHosts = splitHosts(c.SpaceHost)
	r.Prefix = normalizePrefix(r.Prefix)
	r.mode = ModeMock
	if c.Mode == ModeReal || c.Mode == ModeAuto && c.SpaceID != "" {
		r.mode = ModeReal
	}
	switch {
	case c.Mode != ModeAuto && c.Mode != ModeMock && c.Mode != ModeReal:
		// Reported by checkValues; which mode it meant is unknown.
	case r.mode == ModeMock && c.DisallowMock && c.Mode == ModeMock:
		p.addf("Mode (%s) is mock but DisallowMock (%s) forbids mock mode", EnvMode, EnvDisallowMock)
	case r.mode == ModeMock && c.DisallowMock:
		p.addf("mock mode is disallowed by DisallowMock (%s) and SpaceID (%s) is not set; set SPACE_ID and the OAuth variables (`hf_oauth: true` on a Space), or Mode: ModeReal (%s=real)",
			EnvDisallowMock, EnvSpaceID, EnvMode)
	case r.mode == ModeReal:
		r.checkReal(p)
	}
	r.ProviderURL = strings.TrimRight(c.ProviderURL, "/")
	r.secure = !c.InsecureCookie && (c.SpaceHost != "" || strings.HasPrefix(c.RedirectURL, "https://"))
	if !r.secure && len(c.CookieName) >= len("__Secure-") && strings.EqualFold(c.CookieName[:len("__Secure-")], "__Secure-") {
		p.addf("CookieName %q starts with __Secure-, which browsers accept only on a Secure cookie, and this configuration's cookies are not Secure (no https SpaceHost or RedirectURL, or InsecureCookie)", c.CookieName)
	}

	switch {
	case c.SessionSecret != "":
		r.secrets = append([]string{c.SessionSecret}, c.OldSessionSecrets...)
	case c.ClientSecret != "":
		r.secrets = append([]string{c.ClientSecret}, c.OldSessionSecrets...)
		if len(c.ClientSecret) < minSecretLen {
			r.warnings = append(r.warnings, fmt.Sprintf("echohf: the session secret is the OAuth client secret (%s), which is shorter than %d bytes; set %s to a random secret of at least %d bytes",
				EnvClientSecret, minSecretLen, EnvSessionSecret, minSecretLen))
		}
	default:
		r.randomKey = true
	}
	short := 0
	for _, s := range c.OldSessionSecrets {
		if s != "" && len(s) < minSecretLen {
			short++
		}
	}
	if short > 0 && !r.randomKey {
		r.warnings = append(r.warnings, fmt.Sprintf("echohf: %d of OldSessionSecrets (%s) are shorter than %d bytes; they still verify existing sessions, but remove them once those have expired",
			short, EnvOldSessionSecrets, minSecretLen))
	}
	r.defaults()
	return r
}

// checkReal records what real mode lacks: every missing setting in one
// problem, with the Space hint once.
func (r *resolved) checkReal(p *configError) {
	var missing []string
	for _, s := range []struct{ field, env, value string }{
		{"ClientID", EnvClientID, r.ClientID},
		{"ClientSecret", EnvClientSecret, r.ClientSecret},
		{"Scopes", EnvScopes, strings.Join(r.Scopes, " ")},
		{"ProviderURL", EnvProviderURL, r.ProviderURL},
	} {
		if s.value == "" {
			missing = append(missing, s.field+" ("+s.env+")")
		}
	}
	if len(missing) > 0 {
		p.addf("real mode needs %s; on a Space, set `hf_oauth: true` in the Space's README metadata to have them provided",
			strings.Join(missing, ", "))
	}
	if len(r.Scopes) > 0 && !slices.Contains(r.Scopes, "openid") {
		p.addf("Scopes (%s) %q must include openid: real mode signs users in with an id_token", EnvScopes, strings.Join(r.Scopes, " "))
	}
	// A proxy may rewrite the callback's path, so a RedirectURL to another
	// path is worth a warning only.
	if u, err := url.Parse(r.RedirectURL); r.RedirectURL != "" && err == nil && !strings.HasSuffix(u.EscapedPath(), r.Prefix+CallbackPath) {
		r.warnings = append(r.warnings, fmt.Sprintf("echohf: RedirectURL (%s) path %s does not end with %s, the callback route: unless a proxy rewrites the path, the provider will send every login to a page that does not exist",
			EnvRedirectURL, cmp.Or(u.EscapedPath(), "/"), r.Prefix+CallbackPath))
	}
	if r.SpaceHost == "" && r.RedirectURL == "" {
		r.warnings = append(r.warnings, fmt.Sprintf("echohf: neither SpaceHost (%s) nor RedirectURL (%s) is set, so the callback URL is built from each request's Host header; that is for local development only",
			EnvSpaceHost, EnvRedirectURL))
	}
}

// defaults fills the fields that have a fixed default.
func (r *resolved) defaults() {
	if r.CookieName == "" {
		r.CookieName = "hf_session"
	}
	if r.SessionMaxAge <= 0 {
		r.SessionMaxAge = 30 * 24 * time.Hour
	}
	if r.SessionCacheSize == 0 {
		r.SessionCacheSize = 1024
	} else if r.SessionCacheSize < 0 {
		r.SessionCacheSize = 0
	}
	if r.RefreshBefore == 0 {
		r.RefreshBefore = time.Hour
	}
	if r.RevalidateEvery == 0 {
		r.RevalidateEvery = 10 * time.Minute
	}
	if r.MaxPendingLogins <= 0 {
		r.MaxPendingLogins = 4
	}
	if r.Leeway <= 0 {
		r.Leeway = time.Minute
	}
	if r.Timeout <= 0 {
		r.Timeout = defaultTimeout
	}
	if r.HTTPClient == nil {
		r.HTTPClient = &http.Client{Timeout: r.Timeout}
	}
	if r.JWKSRefreshInterval <= 0 {
		r.JWKSRefreshInterval = time.Minute
	}
	if r.HFEndpoint == "" {
		r.HFEndpoint = defaultHFEndpoint
	}
	r.HFEndpoint = strings.TrimRight(r.HFEndpoint, "/")
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	if r.Now == nil {
		r.Now = time.Now
	}
}

// splitHosts reads SpaceHost as $SPACE_HOST gives it: the Space's own host,
// then its custom domains, comma-separated. Blank entries and repeats are
// dropped.
func splitHosts(v string) (space string, custom []string) {
	for i, h := range strings.Split(v, ",") {
		h = strings.TrimSpace(h)
		switch {
		case i == 0:
			space = h
		case h == "" || strings.EqualFold(h, space) || slices.ContainsFunc(custom, func(c string) bool { return strings.EqualFold(c, h) }):
		default:
			custom = append(custom, h)
		}
	}
	return space, custom
}

// validOrgID accepts Hub ids: short runs of letters, digits, '-' and '_'.
func validOrgID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !idChar(c) {
			return false
		}
	}
	return true
}

// idChar reports whether c may appear in an id: base64url's alphabet.
func idChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}
