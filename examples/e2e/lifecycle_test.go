package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/examples/internal/exampletest"
	"github.com/echohf/echohf/mock"
)

// Timings of TestReplicasSessionLifecycle. A 5-second token is refreshed
// in its last 2.5 s (half its life); a page every 700 ms puts three
// requests in each window, so a page may take well over a second under
// load before a window is missed.
const (
	shortTokenTTL   = 5 * time.Second        // the provider's access tokens, until the logout part
	revalidateEvery = 5 * time.Second        // the replicas' ECHOHF_REVALIDATE_EVERY
	pageEvery       = 700 * time.Millisecond // one page load every pageEvery
	keepLoading     = 15 * time.Second       // three token lifetimes
	// revalidateSlack is how long after RevalidateEvery a replica may
	// still be found logged in with a revoked session: the polling step,
	// a slow answer on a loaded machine.
	revalidateSlack = 5 * time.Second
	pollEvery       = 200 * time.Millisecond
)

// TestReplicasSessionLifecycle: the session lifecycle in Chromium, through
// nginx, on three replicas of examples/space, then of examples/space5.
//
// With access tokens of 5 s, the browser loads pages for 15 s (round robin
// over the replicas) and every page is signed in: the replicas refresh the
// session in its refresh window, several times, and the cookie changes.
//
// Then, with a session whose token lasts an hour (so that only logout and
// revalidation can end it), the browser logs out, and the cookie it had is
// replayed against each replica with a plain HTTP client. The design
// promises: the replica that served the logout refuses the copy at once;
// the others accept it (they keep no state) until its user data is
// RevalidateEvery old, and then, since logout revoked its token at the
// provider, the revalidation logs it out, for good.
func TestReplicasSessionLifecycle(t *testing.T) { forEachSpace(t, testReplicasSessionLifecycle) }

func testReplicasSessionLifecycle(t *testing.T, app spaceApp) {
	prov := mock.NewServer(t, mock.Config{AccessTokenTTL: shortTokenTTL})
	lb, apps := startReplicas(t, *app.bin, prov.URL, echohf.EnvRevalidateEvery+"="+revalidateEvery.String())
	user := mock.DefaultUser().PreferredUsername
	b := newBrowser(t)

	b.open(lb + "/")
	if resp := b.click("signin"); resp.Status != http.StatusOK {
		t.Fatalf("after sign-in through nginx: status %d; want 200", resp.Status)
	}
	b.wantSignedIn(user)

	// Page loads for three token lifetimes, every one signed in.
	cookies := []string{b.sessionValue(lb)}
	served := map[string]int{}
	pages, slowest := 0, time.Duration(0)
	for start := time.Now(); time.Since(start) < keepLoading; pages++ {
		now := time.Now()
		next := now.Add(pageEvery)
		served[b.loadSignedIn(lb+lifecyclePath(pages), user)]++
		slowest = max(slowest, time.Since(now))
		if c := b.sessionValue(lb); c != cookies[len(cookies)-1] {
			cookies = append(cookies, c)
		}
		time.Sleep(time.Until(next))
	}
	refreshes := prov.Grants(mock.GrantRefreshToken)
	t.Logf("%d pages in %v (the slowest took %v) served by %v; refresh grants %+v; the cookie changed %d times",
		pages, keepLoading, slowest.Round(time.Millisecond), served, refreshes, len(cookies)-1)
	if refreshes.Issued < 2 {
		t.Errorf("the provider issued %d refresh grants in %v of 5-second tokens; want at least 2", refreshes.Issued, keepLoading)
	}
	if len(cookies) < 3 {
		t.Errorf("the session cookie changed %d times in %v of 5-second tokens; want at least 2", len(cookies)-1, keepLoading)
	}
	for _, a := range apps {
		if served[a.Instance] == 0 {
			t.Errorf("instance %s served none of the %d pages: %v", a.Instance, pages, served)
		}
	}

	// From now on the provider issues tokens of an hour: pages until the
	// browser holds a session with one (its next refresh). seen is the
	// last time the browser was seen with a short-lived session: the user
	// data of the long-lived one was read from the provider after it, give
	// or take a request already under way.
	prov.SetAccessTokenTTL(time.Hour)
	seen := time.Now()
	for deadline := seen.Add(2 * shortTokenTTL); ; pages++ {
		if time.Now().After(deadline) {
			t.Fatalf("the browser holds no session with a long-lived token %v after the provider started issuing them", 2*shortTokenTTL)
		}
		seen = time.Now()
		next := seen.Add(pageEvery)
		b.loadSignedIn(lb+"/private", user)
		if b.tokenExpires().After(time.Now().Add(time.Minute)) {
			break
		}
		time.Sleep(time.Until(next))
	}
	old := b.cookieHeader(lb)

	// Logout, through nginx.
	revokes := prov.Requests(mock.EndpointRevoke)
	loggedOutAt := time.Now()
	mark := b.mark()
	b.click("logout")
	if !b.has("#signin") || b.has("#username") {
		t.Errorf("after logout the browser is on %s, not signed out", b.location())
	}
	logoutBy := ""
	for _, h := range b.since(mark) {
		if h.path() == echohf.LogoutPath {
			logoutBy = h.Instance
		}
	}
	if !slices.ContainsFunc(apps, func(a *space) bool { return a.Instance == logoutBy }) {
		t.Fatalf("logout served by %q; want one of the replicas (hops %v)", logoutBy, b.since(mark))
	}
	if n := prov.Requests(mock.EndpointRevoke) - revokes; n < 2 {
		t.Errorf("logout made %d revocation requests; want 2 (the refresh token, then the access token)", n)
	}

	// The old cookie, replayed against each replica.
	replayOld(t, apps, old, user, logoutBy, loggedOutAt, seen)
}

// replayOld replays the Cookie header old, saved before a logout at
// loggedOutAt that replica logoutBy served, against each replica until
// every one has logged it out, and checks what the design promises (see
// TestReplicasSessionLifecycle). checkedAfter is a time before the
// session's user data was last read from the provider, less a request that
// was under way then.
func replayOld(t *testing.T, apps []*space, old, user, logoutBy string, loggedOutAt, checkedAfter time.Time) {
	t.Helper()
	c := &exampletest.Client{Client: &http.Client{Timeout: 10 * time.Second, Transport: exampletest.Transport(t)}}
	// The replicas other than logoutBy must accept the copy until its
	// check is RevalidateEvery old: surely so before this time (its check
	// time is kept in whole seconds, and a request may have been under
	// way for a second when the browser was seen).
	surelyValid := checkedAfter.Add(revalidateEvery - 2*time.Second)
	deadline := loggedOutAt.Add(revalidateEvery + revalidateSlack)
	outAt := map[string]time.Duration{}
	acceptedEarly := 0
	for len(outAt) < len(apps) {
		if time.Now().After(deadline) {
			t.Fatalf("%v after logout, the old cookie is still signed in on some replicas (logged out: %v); want all logged out within RevalidateEvery (%v) and %v of slack",
				time.Since(loggedOutAt).Round(time.Millisecond), outAt, revalidateEvery, revalidateSlack)
		}
		for _, a := range apps {
			if _, done := outAt[a.Instance]; done {
				continue
			}
			r := c.GetNoRedirect(t, a.URL+"/", "Cookie: "+old, "Accept: text/html")
			at := time.Now()
			switch {
			case loggedIn(r, user):
				if a.Instance == logoutBy {
					t.Fatalf("%s served the logout, yet takes the old cookie for a session", a.Instance)
				}
				if at.Before(surelyValid) {
					acceptedEarly++
				}
			case signedOut(r):
				if a.Instance != logoutBy && at.Before(surelyValid) {
					t.Errorf("%s logged the old cookie out %v after logout, before its user data was RevalidateEvery (%v) old: a replica that did not serve the logout cannot know of it yet",
						a.Instance, at.Sub(loggedOutAt).Round(time.Millisecond), revalidateEvery)
				}
				if !clearsSession(r) {
					t.Errorf("%s logged the old cookie out without expiring it: Set-Cookie %q", a.Instance, r.Header.Values("Set-Cookie"))
				}
				outAt[a.Instance] = at.Sub(loggedOutAt).Round(time.Millisecond)
			default:
				t.Fatalf("%s answered the old cookie with %d, neither signed in nor out:\n%s", a.Instance, r.Status, r.Body)
			}
		}
		time.Sleep(pollEvery)
	}
	t.Logf("the old cookie was logged out %v after logout (RevalidateEvery %v); accepted %d times by other replicas before its revalidation",
		outAt, revalidateEvery, acceptedEarly)
	if acceptedEarly == 0 {
		t.Logf("no replay reached another replica before %v after the browser was seen: too late to see the copy still accepted there",
			surelyValid.Sub(checkedAfter))
	}
	// Logged out for good.
	for _, a := range apps {
		if r := c.GetNoRedirect(t, a.URL+"/", "Cookie: "+old, "Accept: text/html"); !signedOut(r) {
			t.Errorf("%s takes the old cookie again after logging it out: status %d, signed in %v", a.Instance, r.Status, loggedIn(r, user))
		}
	}
}

// lifecyclePath is the page of the i-th load: the home page and the
// members page in turn (both round robin through nginx).
func lifecyclePath(i int) string {
	if i%2 == 1 {
		return "/members"
	}
	return "/"
}

// signedOut tells whether a page shows the sign-in button and no user.
func signedOut(r *exampletest.Response) bool {
	return r.Status == http.StatusOK && strings.Contains(r.Body, `id="signin"`) && !strings.Contains(r.Body, `id="username"`)
}

// clearsSession tells whether r expires the session cookie.
func clearsSession(r *exampletest.Response) bool {
	for _, sc := range r.Header.Values("Set-Cookie") {
		if name, _, _ := strings.Cut(sc, "="); isSessionCookie(name) && strings.Contains(sc, "Max-Age=0") {
			return true
		}
	}
	return false
}

// wantSignedIn fails the test unless the current page shows user signed
// in. It does not wait: the page has loaded.
func (b *browser) wantSignedIn(user string) {
	b.t.Helper()
	if !b.has("#username") || b.has("#signin") {
		var pages []hop // the browser's last page responses, with no data: images
		for _, h := range b.since(0) {
			if strings.HasPrefix(h.URL, "http") {
				pages = append(pages, h)
			}
		}
		b.t.Fatalf("%s is not signed in; the last responses: %v", b.location(), pages[max(len(pages)-6, 0):])
	}
	if got := b.text("username"); got != "@"+user {
		b.t.Fatalf("%s: #username = %q; want @%s", b.location(), got, user)
	}
}

// loadSignedIn opens u, requires the page to show user signed in, and
// returns the instance that served it.
func (b *browser) loadSignedIn(u, user string) string {
	b.t.Helper()
	if resp := b.open(u); resp.Status != http.StatusOK {
		b.t.Fatalf("GET %s: status %d; want 200", u, resp.Status)
	}
	b.wantSignedIn(user)
	return b.text("instance")
}

// sessionValue is the browser's session cookie for u, chunks included.
func (b *browser) sessionValue(u string) string {
	b.t.Helper()
	var parts []string
	for _, c := range b.sessionCookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	if len(parts) == 0 {
		b.t.Fatalf("the browser holds no session cookie for %s", u)
	}
	return strings.Join(parts, "; ")
}

// tokenExpires is when the access token of the session expires, to the
// minute, as the private page (open in the browser) shows it. The
// session cookie itself lasts until SessionMaxAge: its user may come back
// after the token ended, and be refreshed then.
func (b *browser) tokenExpires() time.Time {
	b.t.Helper()
	s := b.text("expires")
	at, err := time.Parse("2006-01-02 15:04 UTC", s)
	if err != nil {
		b.t.Fatalf("the private page shows the token's expiry as %q: %v", s, err)
	}
	return at
}
