package e2e

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/examples/internal/exampletest"
	"github.com/echohf/echohf/mock"
)

// adapterApps are the same app on each Echo adapter: examples/hello
// (Echo v4, echohf) and examples/hello5 (Echo v5, echohf5). Both answer
// GET / with {"msg": …} saying who is logged in, GET /me with the user's
// profile (401 logged out), and mount the login, callback and logout routes.
var adapterApps = []struct {
	name string
	bin  *string
}{
	{"echo-v4-hello", &helloBin},
	{"echo-v5-hello5", &hello5Bin},
}

// Greetings of GET / on hello and hello5.
const (
	msgOut = "Not logged in!"
	msgIn  = "Hello, mockuser!" // mock.DefaultUser()
)

// startHello runs the app bin (hello or hello5) as instance on port and
// waits until it answers GET /.
func startHello(t *testing.T, bin, instance string, port int, vars ...string) *space {
	t.Helper()
	return startApp(t, bin, instance, port, func(r *http.Response) bool {
		return r.StatusCode == http.StatusOK
	}, vars...)
}

// page decodes the JSON answer the browser shows (Chromium displays it as
// the page's text) into a map.
func (b *browser) page() map[string]any {
	b.t.Helper()
	text, err := chromedp.Run(b.ctx, chromedp.Evaluate[string]("document.body.innerText"))
	if err != nil {
		b.t.Fatalf("read the page on %s: %v", b.location(), err)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		b.t.Fatalf("the page on %s is not a JSON object (%v): %q", b.location(), err, text)
	}
	return v
}

// wantMsg opens u in the browser and checks that it answers 200 with msg.
// It returns the hops of that load.
func (b *browser) wantMsg(u, msg string) []hop {
	b.t.Helper()
	mark := b.mark()
	resp := b.open(u)
	if got := b.page()["msg"]; resp.Status != http.StatusOK || got != msg {
		b.t.Errorf("GET %s: status %d, msg %q; want 200 and %q", u, resp.Status, got, msg)
	}
	return b.since(mark)
}

// TestAdaptersReplicas: on the Echo v4 and the Echo v5 app alike, three
// replicas in real mode behind nginx, driven by Chromium. The sign-in
// crosses three replicas (login, callback and the page it comes back to,
// each on another one), the browser stays signed in on every replica, the
// session cookie also works from a plain client on all three, and logout
// through the load balancer signs the browser out.
func TestAdaptersReplicas(t *testing.T) {
	for _, app := range adapterApps {
		t.Run(app.name, func(t *testing.T) {
			prov := mock.NewServer(t, mock.Config{})
			lb, apps := startReplicasOf(t, prov.URL, "/me", func(name string, port int, env []string) *space {
				return startHello(t, *app.bin, name, port, env...)
			})
			// nginx's X-Upstream is the address of the replica that answered.
			names := map[string]string{}
			for _, a := range apps {
				names["127.0.0.1:"+strconv.Itoa(a.Port)] = a.Instance
			}
			b := newBrowser(t)

			b.wantMsg(lb+"/", msgOut)
			wantNoSession(t, b, lb)

			// Sign in, coming back to /me: login, callback and /me are
			// pinned to three different replicas.
			mark := b.mark()
			resp := b.open(lb + echohf.LoginPath + "?_target_url=/me")
			if resp.Status != http.StatusOK {
				t.Fatalf("sign-in through nginx: status %d; want 200 (hops %v)", resp.Status, b.since(mark))
			}
			if got := b.location(); got != lb+"/me" {
				t.Errorf("after sign-in the browser is on %s; want %s/me", got, lb)
			}
			if got := b.page()["preferred_username"]; got != "mockuser" {
				t.Errorf("/me after sign-in: preferred_username %q; want mockuser", got)
			}
			hops := b.since(mark)
			wantVia(t, hops, prov.URL+mock.PathAuthorize)
			servedBy := map[string]string{}
			for _, h := range hops {
				if strings.HasPrefix(h.URL, lb) {
					servedBy[h.path()] = names[h.Upstream]
				}
			}
			login, callback, first := servedBy[echohf.LoginPath], servedBy[echohf.CallbackPath], servedBy["/me"]
			t.Logf("login served by %s, callback by %s, first page by %s", login, callback, first)
			if login == "" || callback == "" || first == "" || login == callback || callback == first || login == first {
				t.Fatalf("login, callback and /me served by %q, %q, %q; want three different replicas (hops %v)", login, callback, first, hops)
			}
			wantSessionCookie(t, b, lb)

			// The browser stays signed in, whichever replica answers.
			seen := map[string]int{}
			for i := 0; i < 12 && len(seen) < len(apps); i++ {
				for _, h := range b.wantMsg(lb+"/", msgIn) {
					if h.URL == lb+"/" {
						seen[names[h.Upstream]]++
					}
				}
			}
			if len(seen) != len(apps) || seen[""] > 0 {
				t.Errorf("the browser's signed-in pages came from %v; want all three replicas", seen)
			}

			// The browser's cookies, sent by a plain client: signed in on
			// every replica, and no answer rewrites the session.
			cookie := b.cookieHeader(lb)
			c := &exampletest.Client{Client: &http.Client{Timeout: 10 * time.Second}}
			seen = map[string]int{}
			for i := range 30 {
				r := c.GetNoRedirect(t, lb+"/", "Cookie: "+cookie)
				seen[names[r.Header.Get("X-Upstream")]]++
				var v map[string]any
				_ = json.Unmarshal([]byte(r.Body), &v)
				if r.Status != http.StatusOK || v["msg"] != msgIn {
					t.Errorf("request %d with the browser's cookies: status %d, body %q; want %q", i, r.Status, r.Body, msgIn)
				}
				for _, sc := range r.Header.Values("Set-Cookie") {
					if name, _, _ := strings.Cut(sc, "="); isSessionCookie(name) {
						t.Errorf("request %d: the session was rewritten: %s", i, name)
					}
				}
			}
			if len(seen) != len(apps) || seen[""] > 0 {
				t.Errorf("30 requests served by %v; want all three replicas", seen)
			}

			// Logout through the load balancer: signed out, cookie gone.
			b.open(lb + echohf.LogoutPath)
			wantNoSession(t, b, lb)
			b.wantMsg(lb+"/", msgOut)
			if resp := b.open(lb + "/me"); resp.Status != http.StatusUnauthorized {
				t.Errorf("/me after logout: status %d; want 401", resp.Status)
			}
		})
	}
}

// TestAdaptersMockMode: on the Echo v4 and the Echo v5 app alike, with no
// SPACE_ID, the sign-in route refuses the browser until the link printed at
// startup is opened; that link signs it in, and logout signs it out.
func TestAdaptersMockMode(t *testing.T) {
	for _, app := range adapterApps {
		t.Run(app.name, func(t *testing.T) {
			s := startHello(t, *app.bin, "mock", freePort(t)) // no SPACE_ID: mock mode
			b := newBrowser(t)

			b.wantMsg(s.URL+"/", msgOut)
			if resp := b.open(s.URL + echohf.LoginPath); resp.Status != http.StatusForbidden {
				t.Errorf("sign-in before the printed link: status %d; want 403", resp.Status)
			}
			wantNoSession(t, b, s.URL)

			link := s.signInURL(t)
			mark := b.mark()
			resp := b.open(link)
			if resp.Status != http.StatusOK {
				t.Fatalf("the printed link: status %d; want 200", resp.Status)
			}
			if got := b.location(); got != s.URL+"/" {
				t.Errorf("after the printed link the browser is on %s; want %s/", got, s.URL)
			}
			for _, h := range b.since(mark) {
				if !strings.HasPrefix(h.URL, s.URL+"/") {
					t.Errorf("mock-mode sign-in left the app: %v", h)
				}
			}
			if got := b.page()["msg"]; got != msgIn {
				t.Errorf("after the printed link: msg %q; want %q", got, msgIn)
			}
			wantSessionCookie(t, b, s.URL)
			b.open(s.URL + "/me")
			if got := b.page()["preferred_username"]; got != "mockuser" {
				t.Errorf("/me: preferred_username %q; want mockuser", got)
			}

			b.open(s.URL + echohf.LogoutPath)
			wantNoSession(t, b, s.URL)
			b.wantMsg(s.URL+"/", msgOut)

			// Signing in again needs no link: its cookie stands for the key.
			if resp := b.open(s.URL + echohf.LoginPath); resp.Status != http.StatusOK {
				t.Fatalf("sign-in after the printed link: status %d; want 200", resp.Status)
			}
			b.wantMsg(s.URL+"/", msgIn)
		})
	}
}
