package e2e

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/examples/internal/exampletest"
	"github.com/echohf/echohf/mock"
)

// realSpace starts a mock provider in this process and one instance of the
// Space app bin in real mode against it.
func realSpace(t *testing.T, bin string) (*mock.Server, *space) {
	t.Helper()
	prov := mock.NewServer(t, mock.Config{})
	port := freePort(t)
	app := startSpace(t, bin, "solo", port, realEnv(prov.URL, baseURL(port))...)
	return prov, app
}

// baseURL is the base URL of an app listening on port.
func baseURL(port int) string { return "http://127.0.0.1:" + strconv.Itoa(port) }

// wantLoggedIn checks that the current page shows the default mock user
// and their organizations, with their avatars in frames.
func wantLoggedIn(t *testing.T, b *browser) {
	t.Helper()
	want := mock.DefaultUser()
	if got := b.text("username"); got != "@"+want.PreferredUsername {
		t.Errorf("#username = %q; want %q", got, "@"+want.PreferredUsername)
	}
	if got := b.text("name"); got != want.Name {
		t.Errorf("#name = %q; want %q", got, want.Name)
	}
	wantFrames(t, b, 1, len(want.Orgs))
	var wantOrgs []string
	for _, o := range want.Orgs {
		wantOrgs = append(wantOrgs, o.PreferredUsername)
	}
	if got := b.attrs("#orgs li.org", "data-org"); !slices.Equal(got, wantOrgs) {
		t.Errorf("#orgs lists %q; want %q", got, wantOrgs)
	}
	if !b.has("#logout") {
		t.Error("no #logout link on the logged-in page")
	}
}

// wantVia checks that hops went through a request whose URL starts with prefix.
func wantVia(t *testing.T, hops []hop, prefix string) {
	t.Helper()
	for _, h := range hops {
		if strings.HasPrefix(h.URL, prefix) {
			return
		}
	}
	t.Errorf("the browser never went through %s: %v", prefix, hops)
}

// wantSessionCookie checks the session cookie's attributes as the browser
// stores them: HttpOnly, and on plain http (local development, these
// tests) SameSite=Lax without Secure, as the design chose. The login cookie
// must be gone.
func wantSessionCookie(t *testing.T, b *browser, u string) {
	t.Helper()
	wantNoLoginCookie(t, b, u, "after the callback")
	session := b.sessionCookies(u)
	if len(session) == 0 {
		t.Fatalf("no session cookie in the browser for %s", u)
	}
	for _, c := range session {
		if !c.HTTPOnly {
			t.Errorf("cookie %s: HttpOnly = false; want true", c.Name)
		}
		if c.SameSite != network.CookieSameSiteLax {
			t.Errorf("cookie %s: SameSite = %q; want Lax on plain http", c.Name, c.SameSite)
		}
		if c.Secure {
			t.Errorf("cookie %s: Secure = true; want false on plain http", c.Name)
		}
		if c.Path != "/" {
			t.Errorf("cookie %s: Path = %q; want /", c.Name, c.Path)
		}
	}
}

// wantNoLoginCookie checks that the browser holds no login cookie
// (hf_login…) for u; when names the moment, for the message.
func wantNoLoginCookie(t *testing.T, b *browser, u, when string) {
	t.Helper()
	for _, c := range b.cookies(u) {
		if strings.HasPrefix(c.Name, "hf_login") {
			t.Errorf("login cookie %s still set %s", c.Name, when)
		}
	}
}

// wantNoSession checks that the browser holds no session cookie for u.
func wantNoSession(t *testing.T, b *browser, u string) {
	t.Helper()
	if cs := b.sessionCookies(u); len(cs) != 0 {
		var names []string
		for _, c := range cs {
			names = append(names, c.Name)
		}
		t.Errorf("session cookies %v still in the browser; want none", names)
	}
}

// TestRealModeLogin: sign in through the provider from the home page, see
// the user and their orgs, check the cookies, open the members page, log out.
func TestRealModeLogin(t *testing.T) {
	prov, app := realSpace(t, spaceBin)
	b := newBrowser(t) // after the app: ended first, so it holds no connection to it

	resp := b.open(app.URL + "/")
	if resp.Status != http.StatusOK || !b.has("#logged-out") {
		t.Fatalf("home page logged out: status %d, #logged-out present %v", resp.Status, b.has("#logged-out"))
	}
	wantNoSession(t, b, app.URL)

	mark := b.mark()
	resp = b.click("signin")
	if resp.Status != http.StatusOK {
		t.Fatalf("after sign-in: status %d; want 200", resp.Status)
	}
	if got := b.location(); got != app.URL+"/" {
		t.Errorf("after sign-in the browser is on %s; want %s/", got, app.URL)
	}
	wantVia(t, b.since(mark), prov.URL+mock.PathAuthorize)
	wantVia(t, b.since(mark), app.URL+echohf.CallbackPath)
	wantLoggedIn(t, b)
	wantSessionCookie(t, b, app.URL)

	resp = b.open(app.URL + "/members")
	if resp.Status != http.StatusOK {
		t.Errorf("/members as a member of acme-research: status %d; want 200", resp.Status)
	}
	if got := b.text("org"); got != "acme-research" {
		t.Errorf("/members: #org = %q; want acme-research", got)
	}

	b.open(app.URL + "/")
	resp = b.click("logout")
	if resp.Status != http.StatusOK {
		t.Errorf("after logout: status %d; want 200", resp.Status)
	}
	if got := b.location(); got != app.URL+"/" {
		t.Errorf("after logout the browser is on %s; want %s/", got, app.URL)
	}
	if got := b.text("logged-out"); got != "You are not logged in." {
		t.Errorf("after logout #logged-out = %q", got)
	}
	if !b.has("#signin") || b.has("#username") {
		t.Error("the page after logout still shows a user, or no sign-in link")
	}
	wantNoSession(t, b, app.URL)
}

// TestRealModePrivate: the RequireLogin page opened logged out sends the
// browser through the provider and back to that page.
func TestRealModePrivate(t *testing.T) {
	prov, app := realSpace(t, spaceBin)
	b := newBrowser(t) // after the app: ended first, so it holds no connection to it

	mark := b.mark()
	resp := b.open(app.URL + "/private?tab=1")
	if resp.Status != http.StatusOK {
		t.Fatalf("/private after login: status %d; want 200", resp.Status)
	}
	if got := b.location(); got != app.URL+"/private?tab=1" {
		t.Errorf("after login the browser is on %s; want %s/private?tab=1", got, app.URL)
	}
	hops := b.since(mark)
	wantVia(t, hops, app.URL+echohf.LoginPath)
	wantVia(t, hops, prov.URL+mock.PathAuthorize)
	if !b.has("h1#private") {
		t.Error("no h1#private on the private page")
	}
	if got := b.text("username"); got != "@mockuser" {
		t.Errorf("/private: #username = %q; want @mockuser", got)
	}
	wantSessionCookie(t, b, app.URL)
}

// TestRealModeNotMember: a user who is not in the organization opens the
// RequireOrg page, signs in, and gets the 403 page.
func TestRealModeNotMember(t *testing.T) {
	prov, app := realSpace(t, spaceBin)
	b := newBrowser(t) // after the app: ended first, so it holds no connection to it
	prov.AddUser(mock.NewUser("outsider"))
	if err := prov.SetUser("outsider"); err != nil {
		t.Fatal(err)
	}

	mark := b.mark()
	resp := b.open(app.URL + "/members")
	if resp.Status != http.StatusForbidden {
		t.Errorf("/members as a non-member: status %d; want 403", resp.Status)
	}
	wantVia(t, b.since(mark), prov.URL+mock.PathAuthorize)
	if got := b.location(); got != app.URL+"/members" {
		t.Errorf("the browser is on %s; want %s/members", got, app.URL)
	}
	if got := b.text("error-title"); got != "Members only" {
		t.Errorf("#error-title = %q; want Members only", got)
	}
	if got := b.text("username"); got != "@outsider" {
		t.Errorf("#username = %q; want @outsider", got)
	}
	if !b.has("#not-member") {
		t.Error("no #not-member explanation on the 403 page")
	}
	// Signed in, just not a member: the session is there.
	wantSessionCookie(t, b, app.URL)

	// Logging out from the 403 page lands logged out on the home page.
	b.click("logout")
	if got := b.location(); got != app.URL+"/" {
		t.Errorf("after logout the browser is on %s; want %s/", got, app.URL)
	}
	if !b.has("#logged-out") {
		t.Error("no #logged-out after logout")
	}
	wantNoSession(t, b, app.URL)
}

// TestRealModeDenied: the user refuses consent at the provider; the
// browser lands on a clear error page, with no session.
func TestRealModeDenied(t *testing.T) {
	prov, app := realSpace(t, spaceBin)
	b := newBrowser(t) // after the app: ended first, so it holds no connection to it
	prov.SetFaults(mock.Faults{Deny: true})

	b.open(app.URL + "/")
	mark := b.mark()
	resp := b.click("signin")
	if resp.Status != http.StatusForbidden {
		t.Errorf("denied consent: status %d; want 403", resp.Status)
	}
	wantVia(t, b.since(mark), prov.URL+mock.PathAuthorize)
	if got := b.location(); !strings.HasPrefix(got, app.URL+echohf.CallbackPath) {
		t.Errorf("denied consent: the browser is on %s; want the callback's error page", got)
	}
	if got := b.text("error-title"); got != "Access denied" {
		t.Errorf("#error-title = %q; want Access denied", got)
	}
	if got := b.text("message"); !strings.Contains(got, "not granted") {
		t.Errorf("#message = %q; want it to say access was not granted", got)
	}
	if !b.has("#signin") || b.has("#username") {
		t.Error("the denied page shows a user, or no way to sign in again")
	}
	wantNoSession(t, b, app.URL)
	wantNoLoginCookie(t, b, app.URL, "after a denied consent")

	// Back home, still logged out.
	b.click("home")
	if !b.has("#logged-out") {
		t.Error("home page after a denied consent is not logged out")
	}
}

// TestMockModeLogin: with no SPACE_ID, the link the app prints at startup
// logs the mocked user in without any provider; before it is opened, the
// sign-in button is refused, and after, it signs in with one click.
func TestMockModeLogin(t *testing.T) {
	app := startSpace(t, spaceBin, "mock", freePort(t)) // no SPACE_ID, no HF_TOKEN: mock mode
	b := newBrowser(t)

	b.open(app.URL + "/")
	if !b.has("#logged-out") {
		t.Fatal("home page is not logged out before sign-in")
	}
	resp := b.click("signin")
	if resp.Status != http.StatusForbidden {
		t.Errorf("sign-in before the printed link: status %d; want 403", resp.Status)
	}
	if got := b.text("message"); !strings.Contains(got, "printed in the server's log") {
		t.Errorf("#message = %q; want it to point to the link printed in the log", got)
	}
	wantNoSession(t, b, app.URL)

	// The person at the console opens the printed link.
	link := app.signInURL(t)
	mark := b.mark()
	resp = b.open(link)
	if resp.Status != http.StatusOK {
		t.Fatalf("after the printed link: status %d; want 200", resp.Status)
	}
	if got := b.location(); got != app.URL+"/" {
		t.Errorf("after the printed link the browser is on %s; want %s/", got, app.URL)
	}
	for _, h := range b.since(mark) {
		if strings.HasPrefix(h.URL, "data:") {
			continue // an inline avatar: no request leaves the page
		}
		if !strings.HasPrefix(h.URL, app.URL+"/") {
			t.Errorf("mock-mode login left the app: %v", h)
		}
		if h.URL != link && strings.Contains(h.URL, "mock_key") {
			t.Errorf("the key is in a later URL: %v", h)
		}
	}
	wantLoggedIn(t, b)
	wantSessionCookie(t, b, app.URL)
	var key *network.Cookie
	for _, c := range b.cookies(app.URL + echohf.LoginPath) {
		if c.Name == "hf_session_mock_key" {
			key = c
		}
	}
	if key == nil || !key.HTTPOnly || key.SameSite != network.CookieSameSiteStrict || strings.Contains(link, key.Value) {
		t.Errorf("mock key cookie %+v; want HttpOnly, SameSite=Strict, not the key itself", key)
	}

	resp = b.open(app.URL + "/private")
	if resp.Status != http.StatusOK || !b.has("h1#private") {
		t.Errorf("/private logged in (mock mode): status %d", resp.Status)
	}

	b.click("logout")
	if !b.has("#logged-out") {
		t.Error("no #logged-out after logout")
	}
	wantNoSession(t, b, app.URL)

	// Signing in again is one click: the link's cookie stands for the key.
	resp = b.click("signin")
	if resp.Status != http.StatusOK {
		t.Fatalf("sign-in after the printed link: status %d; want 200", resp.Status)
	}
	wantLoggedIn(t, b)
}

// TestMockModeBehindProxy: a mock-mode app published by a bare nginx
// proxy_pass to 127.0.0.1 (which sends a loopback Host and no forwarding
// header, so the request looks local) signs no visitor in; only the link
// printed at startup does, at the app's own address.
func TestMockModeBehindProxy(t *testing.T) {
	nginx := requireBinary(t, "nginx", "nginx", "/usr/sbin/nginx")
	port := freePort(t)
	app := startSpace(t, spaceBin, "mock", port) // mock mode
	proxyPort := freePort(t)
	startNginx(t, nginx, proxyPort, []int{port}, true, "/private")
	proxy := baseURL(proxyPort)

	visitor := exampletest.NewClient(t)
	for _, path := range []string{echohf.LoginPath, echohf.CallbackPath, "/private"} {
		r := visitor.Get(t, proxy+path, "Accept: text/html")
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "printed in the server") {
			t.Errorf("GET %s through nginx = %d at %s; want 403 pointing to the printed link", path, r.Status, r.URL)
		}
	}
	if r := visitor.Get(t, proxy+"/", "Accept: text/html"); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="logged-out"`) {
		t.Errorf("home through nginx = %d; want 200 logged out", r.Status)
	}

	console := exampletest.NewClient(t)
	if r := console.Get(t, app.signInURL(t), "Accept: text/html"); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="username"`) {
		t.Errorf("the printed link = %d at %s; want 200 logged in", r.Status, r.URL)
	}
}
