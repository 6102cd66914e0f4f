package hfauth

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/echohf/echohf/mock"
)

// Host names of the custom-domain tests: the Space's own host, two custom
// domains, and one the configuration does not list.
const (
	spaceTest  = "space.test"
	customTest = "custom.test"
	otherTest  = "other.test"
	evilTest   = "evil.test"
)

// domains is a Space whose SpaceHost lists custom domains: replicas of one
// configuration served over TLS, and the host names that reach them.
type domains struct {
	prov *mock.Server
	apps []*app
	clk  *testClock
	// pick chooses the replica of each request to one of the names; the
	// default goes round robin.
	pick func(*http.Request) int
	next atomic.Int64
}

// newDomains starts n replicas with SpaceHost "space.test,custom.test,other.test".
func newDomains(t testing.TB, n int) *domains {
	t.Helper()
	// The one redirect URI registered is on the Space's host.
	d := &domains{clk: &testClock{}, prov: mock.NewServer(t, mock.Config{Clients: []mock.Client{
		{ID: mock.TestClientID, Secret: mock.TestClientSecret, RedirectURIs: []string{"https://" + spaceTest + CallbackPath}},
	}})}
	cfg := realConfig(d.prov)
	cfg.SpaceHost = spaceTest + ", " + customTest + "," + otherTest
	cfg.Now = d.clk.Now
	for range n {
		d.apps = append(d.apps, serveApp(t, cfg, serveOpts{tls: true}))
	}
	return d
}

// logs returns every replica's log.
func (d *domains) logs() string {
	var b strings.Builder
	for i, a := range d.apps {
		b.WriteString("--- replica " + string(rune('A'+i)) + "\n" + a.logs.String())
	}
	return b.String()
}

// RoundTrip sends requests for the test's host names to a replica, the
// Host header kept; others (the mock provider) go as they are.
func (d *domains) transport(t testing.TB) http.RoundTripper {
	tr := ownTransport(t)
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the replicas' test certificates
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		switch r.URL.Hostname() {
		case spaceTest, customTest, otherTest, evilTest:
		default:
			return tr.RoundTrip(r)
		}
		i := int(d.next.Add(1)) % len(d.apps)
		if d.pick != nil {
			i = d.pick(r)
		}
		r2 := r.Clone(r.Context())
		r2.URL.Host = d.apps[i].Listener.Addr().String()
		r2.Host = r.URL.Host
		res, err := tr.RoundTrip(r2)
		if res != nil {
			res.Request = r // the browser's URL, not the replica's address
		}
		return res, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// visitor is a browser on the test's host names: a cookie jar, redirects
// followed.
func (d *domains) visitor(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Transport: d.transport(t)}
}

var (
	formAction = regexp.MustCompile(`<form id="handoff" method="post" action="([^"]+)">`)
	formBlob   = regexp.MustCompile(`name="handoff" value="([^"]+)"`)
)

// handoffForm is the handoff page's form.
type handoffForm struct {
	page   fetched
	action string
	blob   string
}

// startOn runs a login from host up to the handoff page, which it returns.
func (d *domains) startOn(t testing.TB, c *http.Client, host, target string) handoffForm {
	t.Helper()
	f := fetch(t, c, "https://"+host+LoginPath+"?_target_url="+url.QueryEscape(target))
	a, b := formAction.FindStringSubmatch(f.body), formBlob.FindStringSubmatch(f.body)
	if f.StatusCode != http.StatusOK || a == nil || b == nil {
		t.Fatalf("login on %s: %d at %s, no handoff form:\n%s\nlogs:\n%s", host, f.StatusCode, f.Request.URL, f.body, d.logs())
	}
	return handoffForm{page: f, action: a[1], blob: b[1]}
}

// post submits a handoff form as the browser does: a top-level POST from
// the Space's host, cross-site, and once more from the custom domain
// itself when the answer is the relay page.
func post(t testing.TB, c *http.Client, action string, form url.Values) fetched {
	t.Helper()
	f := postFrom(t, c, action, form, "https://"+spaceTest, "cross-site")
	if f.StatusCode == http.StatusOK && strings.Contains(f.body, `name="`+fieldRelayed+`"`) {
		relayed := url.Values{fieldRelayed: {"1"}}
		for k, v := range form {
			relayed[k] = v
		}
		u, _ := url.Parse(action)
		return postFrom(t, c, action, relayed, "https://"+u.Host, "same-origin")
	}
	return f
}

// postFrom is one form POST with the Origin and Sec-Fetch-Site given.
func postFrom(t testing.TB, c *http.Client, action string, form url.Values, origin, site string) fetched {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, action, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	req.Header.Set("Sec-Fetch-Site", site)
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", action, err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return fetched{res, b.String()}
}

// loggedInOn reports whether c is signed in on host, as the replica it
// reaches sees it.
func loggedInOn(t testing.TB, c *http.Client, host string) bool {
	t.Helper()
	return strings.Contains(fetch(t, c, "https://"+host+"/whoami").body, `"logged_in":true`)
}

// TestSpaceHostList: SPACE_HOST as Hugging Face sets it for a Space with
// custom domains, a comma-separated list, is read whole: the first entry is
// the Space's host (the callback URL's), the others its custom domains. A
// bad entry is named.
func TestSpaceHostList(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	cfg := realConfig(prov)
	cfg.SpaceHost = "user-space.hf.space,www.example.com, example.org:8443"
	o, err := New(cfg)
	if err != nil {
		t.Fatalf("New with a SpaceHost list: %v", err)
	}
	defer o.Close()
	if got, want := o.cfg.SpaceHost, "user-space.hf.space"; got != want {
		t.Errorf("Space host %q; want %q", got, want)
	}
	if got := strings.Join(o.cfg.customHosts, " "); got != "www.example.com example.org:8443" {
		t.Errorf("custom domains %q; want www.example.com example.org:8443", got)
	}
	r, _ := http.NewRequest(http.MethodGet, "https://www.example.com/", nil)
	if u, _ := o.redirectURL(r); u != "https://user-space.hf.space"+CallbackPath {
		t.Errorf("callback URL %q; want it on the Space's host", u)
	}

	env := map[string]string{EnvSpaceHost: "user-space.hf.space,www.example.com"}
	fromEnv := Config{}.fromEnv(func(k string) string { return env[k] }, &configError{})
	if fromEnv.SpaceHost != env[EnvSpaceHost] {
		t.Errorf("FromEnv SpaceHost %q; want the whole list %q", fromEnv.SpaceHost, env[EnvSpaceHost])
	}

	cfg.SpaceHost = "user-space.hf.space,bad host"
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), `"bad host"`) {
		t.Errorf("New with a bad entry: %v; want an error naming it", err)
	}
}

// TestCustomDomainSignIn: a visitor on a custom domain signs in: the login
// starts there, the callback completes on the Space's host, the handoff
// brings the session back, and the visitor lands signed in on the page
// they started from, on the custom domain, with the session cookie's
// flags. Login, callback and handoff each run on another replica. A
// visitor on the Space's own host signs in as before, with no handoff.
func TestCustomDomainSignIn(t *testing.T) {
	t.Parallel()
	d := newDomains(t, 3)
	c := d.visitor(t)
	var visited []string
	c.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
		visited = append(visited, r.URL.String())
		return nil
	}
	const target = "/page?tab=2"
	form := d.startOn(t, c, customTest, target)
	if got := form.page.Request.URL; got.Host != spaceTest || got.Path != CallbackPath {
		t.Errorf("handoff page served at %s; want the callback on %s", got, spaceTest)
	}
	if got, want := form.action, "https://"+customTest+HandoffPath; got != want {
		t.Errorf("form action %q; want %q", got, want)
	}
	h := form.page.Header
	csp := h.Get("Content-Security-Policy")
	if h.Get("Cache-Control") != "no-store" || h.Get("Referrer-Policy") != "no-referrer" ||
		!strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'nonce-") ||
		!strings.Contains(csp, "form-action https://"+customTest+";") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("handoff page headers: %v", h)
	}
	if nonce := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(csp); nonce == nil || !strings.Contains(form.page.body, `<script nonce="`+nonce[1]+`">`) {
		t.Errorf("the page's script does not carry the CSP nonce: %s", form.page.body)
	}
	for _, v := range visited {
		if strings.Contains(v, form.blob) || strings.Contains(v, fieldHandoff+"=") {
			t.Errorf("the handoff shows in a URL: %s", v)
		}
	}
	if loggedInOn(t, c, spaceTest) {
		t.Error("signed in on the Space's host too; the session belongs to the custom domain")
	}
	done := post(t, c, form.action, url.Values{fieldHandoff: {form.blob}})
	if done.StatusCode != http.StatusOK || done.body != "page" || done.Request.URL.Host != customTest || done.Request.URL.RequestURI() != target {
		t.Fatalf("after the handoff: %d at %s %q; want the page %s on %s; logs:\n%s", done.StatusCode, done.Request.URL, done.body, target, customTest, d.logs())
	}
	if done.Request.Response == nil || done.Request.Response.StatusCode != http.StatusSeeOther {
		t.Errorf("the handoff answered %v; want a 303 to the target", done.Request.Response)
	}
	sc := done.Request.Response.Header.Values("Set-Cookie")
	name := d.apps[0].oauth.sessions.Name()
	var session string
	for _, s := range sc {
		if strings.HasPrefix(s, name+"=") {
			session = s
		}
	}
	if !strings.Contains(session, "Secure") || !strings.Contains(session, "HttpOnly") || !strings.Contains(session, "SameSite=None") || !strings.Contains(session, "Path=/") {
		t.Errorf("session cookie on the custom domain: %q; want the session cookie's flags", session)
	}
	if !loggedInOn(t, c, customTest) {
		t.Errorf("not signed in on %s after the handoff; logs:\n%s", customTest, d.logs())
	}
	if loggedInOn(t, c, otherTest) {
		t.Errorf("signed in on %s, where the sign-in did not start", otherTest)
	}

	// The Space's own host: as before, no handoff.
	s := d.visitor(t)
	f := fetch(t, s, "https://"+spaceTest+LoginPath+"?_target_url=/page")
	if f.StatusCode != http.StatusOK || f.body != "page" || f.Request.URL.Host != spaceTest {
		t.Errorf("login on the Space's host: %d at %s %q; want /page there", f.StatusCode, f.Request.URL, f.body)
	}
	if !loggedInOn(t, s, spaceTest) {
		t.Error("not signed in on the Space's host")
	}
}

// TestHandoffRefused: a handoff is refused with a 400, and no session,
// when it is replayed (on the replica that used it), expired, sent to
// another listed domain, to a host not listed, tampered with, sealed with
// another key, or posted by a browser that did not start the login.
func TestHandoffRefused(t *testing.T) {
	t.Parallel()
	other := mock.NewServer(t, mock.Config{})
	otherCfg := realConfig(other)
	otherCfg.SessionSecret = "another-session-secret-0123456789abcdef"
	otherCfg.SpaceHost = spaceTest + "," + customTest
	otherKey, err := New(otherCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer otherKey.Close()

	for _, tc := range []struct {
		name string
		// change alters the POST: its URL, its fields and its client
		// (the visitor's, or another browser's).
		change func(t *testing.T, d *domains, action *string, form url.Values, c **http.Client)
	}{
		{"replayed", func(t *testing.T, d *domains, action *string, form url.Values, c **http.Client) {
			// Used once by the browser; then its bind cookie, copied before,
			// comes with the same handoff again.
			u, _ := url.Parse(*action)
			keep := (*c).Jar.Cookies(u)
			if first := post(t, *c, *action, form); first.StatusCode != http.StatusOK || first.body != "page" {
				t.Fatalf("first use: %d %q", first.StatusCode, first.body)
			}
			*c = d.visitor(t)
			(*c).Jar.SetCookies(u, keep)
		}},
		{"expired", func(_ *testing.T, d *domains, _ *string, _ url.Values, _ **http.Client) {
			d.clk.Advance(handoffTTL)
		}},
		{"another listed domain", func(_ *testing.T, _ *domains, action *string, _ url.Values, _ **http.Client) {
			*action = "https://" + otherTest + HandoffPath
		}},
		{"host not listed", func(_ *testing.T, _ *domains, action *string, _ url.Values, _ **http.Client) {
			*action = "https://" + evilTest + HandoffPath
		}},
		{"the Space's host", func(_ *testing.T, _ *domains, action *string, _ url.Values, _ **http.Client) {
			*action = "https://" + spaceTest + HandoffPath
		}},
		{"tampered", func(_ *testing.T, _ *domains, _ *string, form url.Values, _ **http.Client) {
			b := []byte(form.Get(fieldHandoff))
			i := len(b) - 10
			b[i] ^= 'A' ^ 'B'
			if b[i] == form.Get(fieldHandoff)[i] {
				b[i] = 'x'
			}
			form.Set(fieldHandoff, string(b))
		}},
		{"another key", func(t *testing.T, d *domains, _ *string, form url.Values, _ **http.Client) {
			h, err := d.apps[0].oauth.openHandoff(form.Get(fieldHandoff), d.clk.Now())
			if err != nil {
				t.Fatal(err)
			}
			sealed, err := otherKey.sealHandoff(h)
			if err != nil {
				t.Fatal(err)
			}
			form.Set(fieldHandoff, sealed)
		}},
		{"another browser", func(t *testing.T, d *domains, _ *string, _ url.Values, c **http.Client) {
			*c = d.visitor(t) // no bind cookie: relayed once, then refused
		}},
		{"another browser's bind cookie", func(t *testing.T, d *domains, _ *string, _ url.Values, c **http.Client) {
			*c = d.visitor(t)
			d.startOn(t, *c, customTest, "/") // a bind cookie of its own
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := newDomains(t, 1)
			c := d.visitor(t)
			form := d.startOn(t, c, customTest, "/page")
			action, fields := form.action, url.Values{fieldHandoff: {form.blob}}
			tc.change(t, d, &action, fields, &c)
			f := post(t, c, action, fields)
			if f.StatusCode != http.StatusBadRequest {
				t.Errorf("POST %s: %d %q; want 400", action, f.StatusCode, f.body)
			}
			u, _ := url.Parse(action)
			if loggedInOn(t, c, u.Host) || loggedInOn(t, c, customTest) {
				t.Errorf("signed in after a refused handoff")
			}
			if logs := d.logs(); strings.Contains(logs, form.blob[len(form.blob)-20:]) {
				t.Errorf("the log holds the handoff:\n%s", logs)
			}
		})
	}
}

// TestHandoffRelayed: where the bind cookie is SameSite=Lax (no Secure
// cookies), the browser leaves it off the cross-site POST: the route posts
// the form again from the custom domain, where the cookie comes along.
func TestHandoffRelayed(t *testing.T) {
	t.Parallel()
	d := newDomains(t, 2)
	for _, a := range d.apps {
		a.oauth.cfg.secure = false // as InsecureCookie makes it; the bind cookie's flags follow
	}
	c := d.visitor(t)
	form := d.startOn(t, c, customTest, "/page")
	u, _ := url.Parse(form.action)
	bind := c.Jar.Cookies(u)
	// The cross-site POST, without the Lax cookie.
	bare := d.visitor(t)
	relay := postFrom(t, bare, form.action, url.Values{fieldHandoff: {form.blob}}, "https://"+spaceTest, "cross-site")
	if relay.StatusCode != http.StatusOK || !strings.Contains(relay.body, `name="`+fieldRelayed+`" value="1"`) ||
		!strings.Contains(relay.Header.Get("Content-Security-Policy"), "form-action 'self'") {
		t.Fatalf("cross-site POST without the bind cookie: %d %q; want the relay page", relay.StatusCode, relay.body)
	}
	// The relayed POST, same-origin, with the cookie.
	bare.Jar.SetCookies(u, bind)
	done := postFrom(t, bare, form.action, url.Values{fieldHandoff: {form.blob}, fieldRelayed: {"1"}}, "https://"+customTest, "same-origin")
	if done.StatusCode != http.StatusOK || done.body != "page" {
		t.Fatalf("relayed POST: %d %q; want the page; logs:\n%s", done.StatusCode, done.body, d.logs())
	}
	if !loggedInOn(t, bare, customTest) {
		t.Error("not signed in after the relayed handoff")
	}
}

// TestHandoffLoginRefusesUnlistedHost: the Space's login refuses to hand a
// sign-in off to a host that SpaceHost does not list, or with a malformed
// bind hash.
func TestHandoffLoginRefusesUnlistedHost(t *testing.T) {
	t.Parallel()
	d := newDomains(t, 1)
	bind := strings.Repeat("A", 43)
	for _, q := range []string{
		paramHandoffHost + "=" + evilTest + "&" + paramHandoffBind + "=" + bind,
		paramHandoffHost + "=" + spaceTest + "&" + paramHandoffBind + "=" + bind,
		paramHandoffHost + "=" + customTest + "&" + paramHandoffBind + "=short",
		paramHandoffHost + "=" + customTest,
		paramHandoffBind + "=" + bind,
	} {
		f := fetch(t, plainClientTLS(t, d), "https://"+spaceTest+LoginPath+"?"+q)
		if f.StatusCode != http.StatusBadRequest {
			t.Errorf("login ?%s: %d; want 400", q, f.StatusCode)
		}
	}
}

// plainClientTLS is plainClient on the test's host names.
func plainClientTLS(t testing.TB, d *domains) *http.Client {
	return &http.Client{Transport: d.transport(t), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestHandoffCrossSiteOnly: the cross-site rule (csrf.go) still logs out
// an unsafe cross-site request with a session, while the handoff route
// takes its cross-site POST.
func TestHandoffCrossSiteOnly(t *testing.T) {
	t.Parallel()
	d := newDomains(t, 1)
	c := d.visitor(t)
	form := d.startOn(t, c, customTest, "/whoami")
	req, _ := http.NewRequest(http.MethodPost, form.action, strings.NewReader(url.Values{fieldHandoff: {form.blob}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("cross-site handoff POST: %d; want 303", res.StatusCode)
	}
	if !loggedInOn(t, c, customTest) {
		t.Fatal("not signed in")
	}
	f := fetchMethod(t, c, http.MethodPost, "https://"+customTest+"/whoami", "Sec-Fetch-Site", "cross-site")
	if f.StatusCode == http.StatusOK && strings.Contains(f.body, `"logged_in":true`) {
		t.Errorf("a cross-site POST elsewhere is signed in: %s", f.body)
	}
}

// BenchmarkSignIn measures a whole sign-in through real HTTP with the mock
// provider: on the Space's host, and on a custom domain (with the
// handoff). Each iteration is a new browser, so TLS handshakes weigh in.
func BenchmarkSignIn(b *testing.B) {
	d := newDomains(b, 1)
	b.Run("space-host", func(b *testing.B) {
		for b.Loop() {
			c := d.visitor(b)
			if f := fetch(b, c, "https://"+spaceTest+LoginPath+"?_target_url=/page"); f.body != "page" {
				b.Fatalf("%d %q", f.StatusCode, f.body)
			}
		}
	})
	b.Run("custom-domain", func(b *testing.B) {
		for b.Loop() {
			c := d.visitor(b)
			form := d.startOn(b, c, customTest, "/page")
			if f := post(b, c, form.action, url.Values{fieldHandoff: {form.blob}}); f.body != "page" {
				b.Fatalf("%d %q", f.StatusCode, f.body)
			}
		}
	})
}

// BenchmarkHandoffHop times the end of a sign-in, from the provider's
// redirect to the callback until the session cookie is set, on warm
// connections: on the Space's host that is the callback (a 302 with the
// cookie); on a custom domain, the callback (the handoff page) and the
// handoff POST (a 303 with the cookie). The difference is the handoff's
// added latency. The login and the provider's part are not timed.
func BenchmarkHandoffHop(b *testing.B) {
	d := newDomains(b, 1)
	tr := d.transport(b)
	client := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	// toCallback follows the login from host up to the provider's
	// redirect to the callback, and returns the callback URL.
	toCallback := func(c *http.Client, host string) string {
		u := "https://" + host + LoginPath + "?_target_url=/page"
		for range 4 {
			f := fetch(b, c, u)
			if f.StatusCode != http.StatusFound {
				b.Fatalf("GET %s: %d", u, f.StatusCode)
			}
			u = f.location(b)
			if strings.Contains(u, CallbackPath) {
				return u
			}
		}
		b.Fatalf("no callback after %s", u)
		return ""
	}
	b.Run("callback", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			c := client()
			cb := toCallback(c, spaceTest)
			b.StartTimer()
			if f := fetch(b, c, cb); f.StatusCode != http.StatusFound || f.setCookie(d.apps[0].oauth.sessions.Name()) == "" {
				b.Fatalf("callback: %d", f.StatusCode)
			}
		}
	})
	for _, whole := range []bool{true, false} {
		name := "callback+handoff"
		if !whole {
			name = "handoff-post-only"
		}
		b.Run(name, func(b *testing.B) { handoffHop(b, d, toCallback, client, whole) })
	}
}

// handoffHop is BenchmarkHandoffHop's custom-domain part: the callback and
// the handoff POST timed when whole, else the POST alone.
func handoffHop(b *testing.B, d *domains, toCallback func(*http.Client, string) string, client func() *http.Client, whole bool) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c := client()
		cb := toCallback(c, customTest)
		if whole {
			b.StartTimer()
		}
		page := fetch(b, c, cb)
		b.StartTimer()
		m := formBlob.FindStringSubmatch(page.body)
		if m == nil {
			b.Fatalf("callback: %d, no handoff form", page.StatusCode)
		}
		if f := postFrom(b, c, "https://"+customTest+HandoffPath, url.Values{fieldHandoff: {m[1]}}, "https://"+spaceTest, "cross-site"); f.StatusCode != http.StatusSeeOther || f.setCookie(d.apps[0].oauth.sessions.Name()) == "" {
			b.Fatalf("handoff: %d %q", f.StatusCode, f.body)
		}
	}
}

// TestHandoffBigSession: a user in hundreds of organizations, whose
// session takes several cookies, is handed off whole: the handoff form
// carries it, and the custom domain's session lists every organization.
func TestHandoffBigSession(t *testing.T) {
	t.Parallel()
	d := newDomains(t, 2)
	user := mock.NewUser("joiner")
	for i := range 350 {
		o := mock.NewOrg(fmt.Sprintf("organization-number-%03d", i))
		o.Name = fmt.Sprintf("Organization number %d with a long display name", i)
		user.Orgs = append(user.Orgs, o)
	}
	d.prov.AddUser(user)
	setUser(t, d.prov, user.PreferredUsername)
	c := d.visitor(t)
	form := d.startOn(t, c, customTest, "/page")
	t.Logf("handoff of %d bytes", len(form.blob))
	if f := post(t, c, form.action, url.Values{fieldHandoff: {form.blob}}); f.StatusCode != http.StatusOK || f.body != "page" {
		t.Fatalf("handoff: %d %q; logs:\n%s", f.StatusCode, f.body, d.logs())
	}
	var w whoamiAnswer
	if err := json.Unmarshal([]byte(fetch(t, c, "https://"+customTest+"/whoami").body), &w); err != nil {
		t.Fatal(err)
	}
	if !w.LoggedIn || len(w.Info.UserInfo.Orgs) != len(user.Orgs) {
		t.Errorf("on %s: logged in %v with %d organizations; want %d", customTest, w.LoggedIn, len(w.Info.UserInfo.Orgs), len(user.Orgs))
	}
}
