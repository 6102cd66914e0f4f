// Package spacepages is what examples/space (Echo v4, echohf) and
// examples/space5 (Echo v5, echohf5) share: everything of the Space app
// that no web framework shapes. It holds the HTML pages and what they
// show, the app's settings, the error page's wording, the model list read
// from the Hub and the JSON API's answers. Each app keeps its routes,
// handlers and error handler, written for its Echo.
package spacepages

// This file holds the pages, their data and the app's settings.

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/echohf/echohf/hfauth"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are the templates, each page parsed with the shared layout.
var pages = []string{"home", "private", "members", "models", "error"}

// Renderer renders the pages. Each app wraps it in its Echo's Renderer.
type Renderer map[string]*template.Template

// NewRenderer parses the pages.
func NewRenderer() (Renderer, error) {
	r := Renderer{}
	for _, p := range pages {
		t, err := template.New(p).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html")
		if err != nil {
			return nil, err
		}
		r[p] = t
	}
	return r, nil
}

// Render writes the page name with data to w.
func (r Renderer) Render(w io.Writer, name string, data any) error {
	t, ok := r[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	return t.ExecuteTemplate(w, "layout", data)
}

// View is what every page template gets.
type View struct {
	Instance  string
	Org       string
	User      *hfauth.OAuthUserInfo // nil when logged out
	LoginURL  string                // back to the current page
	LogoutURL string                // back to the home page
	// LogoutEverywhereURL ends every session of the user, on every device
	// (on every replica, with ECHOHF_REDIS_URL), then goes home.
	LogoutEverywhereURL string

	// Private page.
	Expires time.Time
	Scope   string
	// Members page.
	Role string
	// Models page.
	Models   []HubModel
	Limited  bool   // the Hub may have more than Models
	HubURL   string // the Hub's base URL, for links to the models
	HubError string // why the Hub gave no list, or ""
	MockMode bool   // the Hub is asked without a token
	// Error page.
	Status     int
	StatusText string
	Heading    string
	Message    string
	NotMember  bool
}

// NewView returns the data common to every page, for a request whose
// login is info (nil when logged out) and whose links are loginURL and
// logoutURL.
func NewView(s Settings, info *hfauth.OAuthInfo, loginURL, logoutURL string) View {
	v := View{Instance: s.Instance, Org: s.Org, LoginURL: loginURL, LogoutURL: logoutURL,
		LogoutEverywhereURL: logoutURL + "&everywhere=1"} // the logout route's switch (LogoutEverywhere)
	if info != nil {
		v.User = &info.UserInfo
		v.Expires, v.Scope = info.AccessTokenExpiresAt, info.Scope
	}
	return v
}

// SetRole sets the members page's role: the user's role in org, if known.
func (v *View) SetRole(org string) {
	if o := v.User.Org(org); o != nil && o.RoleInOrg != nil {
		v.Role = *o.RoleInOrg
	}
}

// SetError makes v the error page of status, whose message for the user is
// msg, for err (which the adapters' errors wrap) on a request for path.
func (v *View) SetError(err error, status int, msg, path string) {
	v.Status, v.StatusText, v.Message = status, http.StatusText(status), msg
	v.Heading = v.StatusText
	switch {
	case errors.Is(err, hfauth.ErrLoginRequired):
		// Logged out, or the Hub refused the session's token and
		// HubClient cleared it: offer to sign in (again).
		v.User = nil
		v.Heading = "Please sign in"
	case errors.Is(err, hfauth.ErrNotMember):
		v.Heading, v.NotMember = "Members only", true
	case errors.Is(err, hfauth.ErrAccessDenied):
		v.Heading = "Access denied"
	case status == http.StatusNotFound:
		v.Message = "There is no page at " + path + "."
	}
}

// ErrorMessage is the message of an error answer of status whose message
// is msg: a server error's status text is replaced with words for people.
func ErrorMessage(status int, msg string) string {
	if status >= 500 && msg == http.StatusText(status) {
		return "Something went wrong on our side. Please try again later."
	}
	return msg
}

// PrefersJSON tells an API client that asked for JSON and not HTML.
func PrefersJSON(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// SetHeaders names the instance on a response (replicas behind a load
// balancer can be told apart) and keeps per-user pages out of caches.
func SetHeaders(h http.Header, instance string) {
	h.Set("X-Instance", instance)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
}

// DefaultOrg is the organization of /members when ORG_NAME is not set: one
// of the mock-mode user's, so that the page opens on a laptop.
const DefaultOrg = "acme-research"

// Settings are the app's own options, besides echohf's.
type Settings struct {
	// Org is the organization whose members may open /members.
	Org string
	// Instance names this process in the X-Instance response header.
	Instance string
}

// SettingsFromEnv reads ORG_NAME and INSTANCE_ID (default: the host name).
func SettingsFromEnv(getenv func(string) string) Settings {
	s := Settings{Org: getenv("ORG_NAME"), Instance: getenv("INSTANCE_ID")}
	if s.Org == "" {
		s.Org = DefaultOrg
	}
	if s.Instance == "" {
		s.Instance, _ = os.Hostname()
	}
	if s.Instance == "" {
		s.Instance = "unknown"
	}
	return s
}
