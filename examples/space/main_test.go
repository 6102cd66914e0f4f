package main

import (
	"html"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/examples/internal/exampletest"
	"github.com/echohf/echohf/mock"
)

// bin is the space program, built once by TestMain: the tests run the
// binary a Space runs, configured by its environment alone.
var bin string

func TestMain(m *testing.M) { exampletest.Main(m, ".", &bin) }

// realEnv is the environment of a Space with `hf_oauth: true`, pointed at
// srv, granted the scopes README.md's front matter asks for.
func realEnv(t *testing.T, srv *mock.Server) []string {
	t.Helper()
	return exampletest.RealEnv(srv.URL, "echohf/space", spaceScopes(t))
}

// spaceScopes is OAUTH_SCOPES as Hugging Face sets it for this Space: openid
// and profile, then the hf_oauth_scopes of README.md's front matter.
func spaceScopes(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	front, ok := strings.CutPrefix(string(readme), "---\n")
	if ok {
		front, _, ok = strings.Cut(front, "\n---\n")
	}
	if !ok {
		t.Fatal("README.md has no front matter")
	}
	scopes := []string{"openid", "profile"}
	in := false
	for _, line := range strings.Split(front, "\n") {
		switch {
		case strings.HasPrefix(line, "hf_oauth_scopes:"):
			in = true
		case in && strings.HasPrefix(strings.TrimSpace(line), "- "):
			scopes = append(scopes, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- ")))
		case in && strings.HasPrefix(strings.TrimSpace(line), "#"):
		default:
			in = false
		}
	}
	if len(scopes) == 2 {
		t.Fatal("README.md's front matter lists no hf_oauth_scopes")
	}
	return strings.Join(scopes, " ")
}

// browser is the header of a page load in a browser, which the guards
// answer with a redirect to login rather than a 401.
const browser = "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// TestSpace walks through the app as a visitor does, in mock mode and in
// real mode against the mock provider.
func TestSpace(t *testing.T) {
	tests := []struct {
		name string
		real bool
	}{
		{"mock mode", false},
		{"real mode", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var env []string
			var srv *mock.Server
			if tt.real {
				srv = mock.NewServer(t, mock.Config{})
				env = realEnv(t, srv)
			}
			p := exampletest.Start(t, bin, append(env, "INSTANCE_ID=replica-1")...)
			c := exampletest.NewClient(t)
			user := mock.DefaultUser()

			// Logged out: the sign-in button, which comes back home, and no profile.
			r := c.Get(t, p.URL+"/", browser)
			wantPage(t, r, http.StatusOK)
			if got := r.Header.Get("X-Instance"); got != "replica-1" {
				t.Errorf("X-Instance = %q; want replica-1", got)
			}
			signin := href(t, r, "signin")
			if want := echohf.LoginPath + "?_target_url=%2F"; signin != want {
				t.Errorf("sign-in link = %q; want %q", signin, want)
			}
			if !strings.Contains(r.Body, "window.self !== window.top") || !strings.Contains(r.Body, `querySelectorAll("a.signin")`) ||
				!strings.Contains(r.Body, `a.target = "_blank"`) {
				t.Error("home page lacks the script opening a.signin links in a new tab when framed")
			}
			// The script finds the sign-in link by its class: without it,
			// a framed visitor would sign in inside the iframe.
			if !signinClass.MatchString(r.Body) {
				t.Error(`the sign-in link lacks class "signin", which the framed-page script selects`)
			}
			notContains(t, r, `id="username"`, `id="logout"`)

			// The RequireLogin page sends a logged-out browser to login, and
			// an API call gets a 401.
			r = c.GetNoRedirect(t, p.URL+"/private", browser)
			if loc := r.Header.Get("Location"); r.Status != http.StatusFound || loc != echohf.LoginPath+"?_target_url=%2Fprivate" {
				t.Errorf("GET /private logged out = %d to %q; want 302 to login coming back to /private", r.Status, loc)
			}
			r = c.Get(t, p.URL+"/private")
			wantPage(t, r, http.StatusUnauthorized)
			contains(t, r, "Please sign in", "Please sign in to see this page.", `id="signin"`, `id="home"`)
			r = c.Get(t, p.URL+"/private", "Accept: application/json")
			if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, `"message":"Please sign in to see this page."`) {
				t.Errorf("GET /private as JSON = %d %s; want 401 JSON", r.Status, r.Body)
			}

			if !tt.real {
				// Mock mode signs in only a browser that opened the link
				// printed at startup; then that browser signs in as usual.
				r = c.Get(t, p.URL+"/private", browser)
				wantPage(t, r, http.StatusForbidden)
				contains(t, r, "Mock login needs the sign-in link printed in the server's log", `id="signin"`)
				r = c.Get(t, p.SignInURL(t), browser)
				wantPage(t, r, http.StatusOK)
				if r.URL != p.URL+"/" {
					t.Errorf("the printed link landed on %s (via %v); want %s/", r.URL, r.Hops, p.URL)
				}
				contains(t, r, "@"+user.PreferredUsername)
				r = c.Get(t, p.URL+echohf.LogoutPath, browser)
				contains(t, r, `id="logged-out"`)
			}

			// Logging in from /private lands back on /private.
			r = c.Get(t, p.URL+"/private", browser)
			wantPage(t, r, http.StatusOK)
			if r.URL != p.URL+"/private" {
				t.Errorf("login from /private landed on %s (via %v)", r.URL, r.Hops)
			}
			contains(t, r, `id="private"`, "@"+user.PreferredUsername, "openid profile")
			if tt.real != (srv != nil && r.Via(srv.URL+mock.PathAuthorize)) {
				t.Errorf("login went through the provider = %v; want %v (hops %v)", !tt.real, tt.real, r.Hops)
			}
			for i, h := range r.Headers {
				if !strings.HasPrefix(r.Hops[i], p.URL+"/") {
					continue // the provider
				}
				if h.Get("X-Instance") != "replica-1" {
					t.Errorf("hop %d (%s) has X-Instance %q", i, r.Hops[i], h.Get("X-Instance"))
				}
			}

			// Home shows the avatar, name, @username and the organizations.
			r = c.Get(t, p.URL+"/", browser)
			wantPage(t, r, http.StatusOK)
			contains(t, r, `<img id="avatar" src="`+user.Picture+`"`, user.Name, `id="username"`, "@"+user.PreferredUsername, `id="orgs"`, `id="logout"`)
			for _, o := range user.Orgs {
				contains(t, r, `data-org="`+o.PreferredUsername+`"`, o.Name)
			}
			notContains(t, r, `id="signin"`)

			// The RequireOrg page opens for a member.
			r = c.Get(t, p.URL+"/members", browser)
			wantPage(t, r, http.StatusOK)
			contains(t, r, `id="members"`, "acme-research", `<span id="role">admin</span>`)

			// Unknown pages get the HTML error page.
			r = c.Get(t, p.URL+"/nope", browser)
			wantPage(t, r, http.StatusNotFound)
			contains(t, r, "There is no page at /nope.", `id="home"`)

			// Logging out lands on the logged-out home page.
			r = c.Get(t, p.URL+href(t, c.Get(t, p.URL+"/", browser), "logout"), browser)
			wantPage(t, r, http.StatusOK)
			if r.URL != p.URL+"/" {
				t.Errorf("logout landed on %s", r.URL)
			}
			contains(t, r, `id="signin"`, `id="logged-out"`)
			notContains(t, r, `id="username"`)
			r = c.GetNoRedirect(t, p.URL+"/members", browser)
			if r.Status != http.StatusFound {
				t.Errorf("GET /members after logout = %d; want 302 to login", r.Status)
			}

			// Both RequireOrg guards served requests: the scopes the README
			// asks for let them see the organizations, so echohf has no
			// scope warning for this app.
			if out := p.Output(); strings.Contains(out, "may refuse members") || strings.Contains(out, "lack read-memberships") {
				t.Errorf("the app logged a scope warning:\n%s", out)
			}
		})
	}
}

// signinClass matches the sign-in link with "signin" among its classes.
var signinClass = regexp.MustCompile(`<a id="signin"[^>]*\sclass="(?:[^"]*\s)?signin(?:\s[^"]*)?"`)

// TestSpaceNonMember logs in a user of no organization (real mode): the
// RequireOrg page answers the 403 page, the rest of the app works.
func TestSpaceNonMember(t *testing.T) {
	srv := mock.NewServer(t, mock.Config{})
	srv.AddUser(mock.NewUser("outsider"))
	if err := srv.SetUser("outsider"); err != nil {
		t.Fatal(err)
	}
	p := exampletest.Start(t, bin, realEnv(t, srv)...)
	c := exampletest.NewClient(t)

	r := c.Get(t, p.URL+echohf.LoginPath, browser)
	wantPage(t, r, http.StatusOK)
	contains(t, r, "@outsider", "No organization shared with this app.")

	r = c.Get(t, p.URL+"/members", browser)
	wantPage(t, r, http.StatusForbidden)
	contains(t, r, "Members only", `id="not-member"`, "@outsider", "you are not a member", "acme-research", `id="logout"`, `id="home"`)
	notContains(t, r, `id="signin"`)

	r = c.Get(t, p.URL+"/private", browser)
	wantPage(t, r, http.StatusOK)
	contains(t, r, "@outsider")
}

// TestSpaceOrgName checks that ORG_NAME chooses the organization of
// /members (mock mode: the mock user is in reading-club, not in nasa).
func TestSpaceOrgName(t *testing.T) {
	tests := []struct {
		org  string
		want int
	}{
		{"reading-club", http.StatusOK},
		{"nasa", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.org, func(t *testing.T) {
			p := exampletest.Start(t, bin, "ORG_NAME="+tt.org)
			c := exampletest.NewClient(t)
			r := c.Get(t, p.SignInURL(t)+"&_target_url=/members", browser)
			wantPage(t, r, tt.want)
			contains(t, r, "Members of "+tt.org)
		})
	}
}

// TestSpaceDeniedConsent: a user who refuses consent lands on a clear page
// and stays logged out.
func TestSpaceDeniedConsent(t *testing.T) {
	srv := mock.NewServer(t, mock.Config{})
	srv.SetFaults(mock.Faults{Deny: true})
	p := exampletest.Start(t, bin, realEnv(t, srv)...)
	c := exampletest.NewClient(t)

	r := c.Get(t, p.URL+echohf.LoginPath+"?_target_url=/private", browser)
	wantPage(t, r, http.StatusForbidden)
	contains(t, r, "Access denied", "was not granted", `id="signin"`)
	notContains(t, r, "Members only")
	if s := href(t, r, "signin"); s != echohf.LoginPath+"?_target_url=%2F" {
		t.Errorf("sign-in link on the failed callback = %q; want one back home", s)
	}
	r = c.Get(t, p.URL+"/", browser)
	contains(t, r, `id="logged-out"`)
}

// TestSpaceBadEnvironment checks that a bad environment stops the app at
// startup with one message naming every setting at fault, and exit status 1
// rather than a panic or a stack trace.
func TestSpaceBadEnvironment(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{"Space without hf_oauth", []string{echohf.EnvSpaceID + "=echohf/space", echohf.EnvClientID + "=cid"},
			[]string{echohf.EnvClientSecret, echohf.EnvScopes, echohf.EnvProviderURL, "hf_oauth: true"}},
		{"DisallowMock and a bad mode", []string{echohf.EnvDisallowMock + "=yes", echohf.EnvMode + "=fake"},
			[]string{echohf.EnvDisallowMock, echohf.EnvMode}},
		{"short session secret", []string{echohf.EnvSessionSecret + "=abc"}, []string{echohf.EnvSessionSecret}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exampletest.StartupFailure(t, bin, tt.env, tt.want...)
		})
	}
}

// TestSpaceInstanceDefault: without INSTANCE_ID, X-Instance is the host name.
func TestSpaceInstanceDefault(t *testing.T) {
	host, err := os.Hostname()
	if err != nil || host == "" {
		t.Skip("no host name")
	}
	p := exampletest.Start(t, bin)
	r := exampletest.NewClient(t).Get(t, p.URL+"/nope")
	if got := r.Header.Get("X-Instance"); got != host {
		t.Errorf("X-Instance = %q; want the host name %q", got, host)
	}
}

func wantPage(t *testing.T, r *exampletest.Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("GET %s = %d (at %s); want %d\n%s", r.Hops[0], r.Status, r.URL, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET %s: Content-Type %q; want text/html", r.Hops[0], ct)
	}
	if r.Header.Get("X-Instance") == "" {
		t.Errorf("GET %s: no X-Instance header", r.Hops[0])
	}
	// Pages are per user: never sniffed into another type, never cached.
	if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("GET %s: X-Content-Type-Options %q; want nosniff", r.Hops[0], got)
	}
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("GET %s: Cache-Control %q; want no-store", r.Hops[0], got)
	}
}

func contains(t *testing.T, r *exampletest.Response, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(r.Body, s) && !strings.Contains(html.UnescapeString(r.Body), s) {
			t.Errorf("GET %s (at %s): page lacks %q", r.Hops[0], r.URL, s)
		}
	}
}

func notContains(t *testing.T, r *exampletest.Response, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(r.Body, s) {
			t.Errorf("GET %s (at %s): page has %q", r.Hops[0], r.URL, s)
		}
	}
}

// href returns the unescaped href of the link with the given id.
func href(t *testing.T, r *exampletest.Response, id string) string {
	t.Helper()
	m := regexp.MustCompile(`<a id="` + regexp.QuoteMeta(id) + `"[^>]*\shref="([^"]*)"`).FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("GET %s: no link with id %q in\n%s", r.Hops[0], id, r.Body)
	}
	u := html.UnescapeString(m[1])
	if _, err := url.Parse(u); err != nil {
		t.Fatalf("link %q: %v", id, err)
	}
	return u
}

// pixel is a one-pixel orange SVG as a data: URI, an avatar that needs no
// network.
const pixel = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxIDEiPjxyZWN0IHdpZHRoPSIxIiBoZWlnaHQ9IjEiIGZpbGw9IiNmOTAiLz48L3N2Zz4="

// TestSpacePictures checks how the pages draw the pictures a provider
// gives: an image URL or data: image in a fixed frame, with the initials
// in the frame underneath; no image at all for a missing picture or one
// that is not an image URL.
func TestSpacePictures(t *testing.T) {
	tests := []struct {
		name, picture string
		img           bool // drawn as an <img> with src picture
	}{
		{"data URI", pixel, true},
		{"https URL", "https://cdn-avatars.huggingface.co/v1/production/uploads/ada.png", true},
		{"same-origin path", "/avatars/ada.png", true},
		{"none", "", false},
		{"script", "javascript:alert(1)", false},
		{"HTML in a data URI", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user := mock.NewUser("ada")
			user.Name = "Ada Lovelace"
			user.Picture = tt.picture
			org := mock.NewOrg("acme-research")
			org.Name = "ACME Research"
			org.Picture = tt.picture
			user.Orgs = []mock.Org{org}
			srv := mock.NewServer(t, mock.Config{Users: []mock.User{user}})
			p := exampletest.Start(t, bin, realEnv(t, srv)...)
			c := exampletest.NewClient(t)

			for _, page := range []string{echohf.LoginPath, "/private"} {
				r := c.Get(t, p.URL+page, browser)
				wantPage(t, r, http.StatusOK)
				contains(t, r, `<span class="avatar avatar-user" aria-hidden="true"><span class="initials">AL</span>`)
				img := `<img id="avatar" src="` + tt.picture + `" alt=""`
				if tt.img {
					contains(t, r, img)
				} else {
					notContains(t, r, `<img id="avatar"`)
				}
				notContains(t, r, "ZgotmplZ", "javascript:", "data:text")
			}
			r := c.Get(t, p.URL+"/", browser)
			contains(t, r, `<span class="avatar avatar-org" aria-hidden="true"><span class="initials">AR</span>`)
			if tt.img {
				contains(t, r, `<span class="initials">AR</span><img src="`+tt.picture+`" alt=""`)
			}
			notContains(t, r, "ZgotmplZ")
		})
	}
}
