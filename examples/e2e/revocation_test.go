package e2e

// This file holds the end-to-end test of the revocation feed on Redis
// (hfredis): a real redis-server, Chromium, nginx and three replicas of
// examples/space, with a control row that has no feed.

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/redis/go-redis/v9"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/examples/internal/exampletest"
	"github.com/echohf/echohf/mock"
)

// envRedis is the variable under which a missing redis-server fails the
// test instead of skipping it (CI sets it).
const envRedis = "ECHOHF_REDIS"

// redisPrefix starts the names of the feed's keys in Redis.
const redisPrefix = "e2e-revocation:"

// Timings of TestReplicasRevocationFeed.
const (
	// feedWithin is how soon after a logout every replica must refuse the
	// sessions it ended (issue 19: within one second).
	feedWithin = time.Second
	// watchEvery is the pause between two rounds of requests to the
	// replicas while waiting for a refusal.
	watchEvery = 20 * time.Millisecond
)

// startRedisServer runs Debian's redis-server on a free loopback port, with
// no persistence, ends it by PID when the test ends, and returns its
// address once it answers PING. Without redis-server the test is
// skipped, or fails when ECHOHF_REDIS=1.
func startRedisServer(t *testing.T) string {
	t.Helper()
	exe, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(envRedis) == "1" {
			t.Fatalf("redis-server not found (apt-get install -y redis-server); %s=1 makes that a failure", envRedis)
		}
		t.Skipf("skipping: redis-server not found (apt-get install -y redis-server); set %s=1 to make this a failure", envRedis)
	}
	port := strconv.Itoa(freePort(t))
	p := startProc(t, "redis-server", exe, []string{"--port", port, "--bind", "127.0.0.1",
		"--dir", t.TempDir(), "--save", "", "--appendonly", "no", "--loglevel", "warning"},
		[]string{"PATH=/usr/bin:/bin"})
	addr := "127.0.0.1:" + port
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer func() { _ = c.Close() }()
	for deadline := time.Now().Add(readyTimeout); ; {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return addr
		}
		if p.exited() || time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not answer (%v):\n%s", addr, err, p.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReplicasRevocationFeed: three replicas of examples/space behind
// nginx, each with ECHOHF_REDIS_URL naming one real redis-server (with a
// key prefix), and two Chromium browsers (two cookie jars) signed in as the
// same user.
//
//  1. Browser 1's cookie is copied; browser 1 logs out on replica A (it
//     talks to A directly). The copy, replayed on B and C directly, is
//     refused (logged out) within one second.
//  2. Both browsers sign in; browser 1 presses "Log out all devices" on A.
//     Browser 2 then loads a page on B, C and A in turn, until one shows it
//     logged out: within one second; a copy of its cookie is refused by
//     each of the three within one second.
//
// The control row runs the same steps on replicas without
// ECHOHF_REDIS_URL, and checks what happens today, which the feed changes:
// for the whole second after each logout the copies are still accepted on
// B and C, and browser 2 is still signed in there; only A, which served
// the logouts, refuses them.
func TestReplicasRevocationFeed(t *testing.T) {
	for _, row := range []struct {
		name string
		feed bool
	}{
		{"redis-feed", true},
		{"control-no-feed", false},
	} {
		t.Run(row.name, func(t *testing.T) { testRevocationFeed(t, row.feed) })
	}
}

func testRevocationFeed(t *testing.T, feed bool) {
	var vars []string
	redisAddr := ""
	if feed {
		redisAddr = startRedisServer(t)
		vars = append(vars, echohf.EnvRedisURL+"=redis://"+redisAddr+"/0?prefix="+redisPrefix)
	}
	prov := mock.NewServer(t, mock.Config{})
	lb, apps := startReplicas(t, spaceBin, prov.URL, vars...)
	a, others := apps[0], apps[1:]
	user := mock.DefaultUser().PreferredUsername
	one, two := newBrowser(t), newBrowser(t) // after the servers: ended first

	// 1. Logout on replica A; the copy on B and C.
	one.signIn(lb, user)
	copied := one.cookieHeader(lb)
	wantCopyAccepted(t, apps, copied, user) // a valid session everywhere before
	one.openOn(a, "/")
	clicked := time.Now()
	start := one.clickLogout(a, "logout") // A has answered: the logout is done
	outAt := watchCopy(t, others, copied, user, start, !feed)
	one.wantSignedOut(a)
	t.Logf("logout on %s answered %v after the click; requests with the copied cookie refused from %v after that answer",
		a.Instance, start.Sub(clicked).Round(time.Millisecond), outAt)
	wantFeed(t, feed, "the copied cookie after logout on "+a.Instance, others, outAt)

	// 2. Two browsers, "Log out all devices" in the first.
	one.signIn(lb, user)
	two.signIn(lb, user)
	copied = two.cookieHeader(lb)
	wantCopyAccepted(t, apps, copied, user)
	one.openOn(a, "/")
	clicked = time.Now()
	start = one.clickLogout(a, "logout-everywhere")
	// Browser 2's pages on B and C in turn, until one is signed out (that
	// page clears its cookie), and after the first second on A too. With
	// the feed, B or C signs it out within the second; without, they keep
	// it signed in for the whole second, and A then signs it out.
	order := append(append([]*space(nil), others...), a)
	var pages []string
	var browserOut time.Duration
	for i := 0; browserOut == 0; i++ {
		r := order[i%len(order)]
		if r == a && time.Since(start) < feedWithin {
			continue // A served the logout: B and C alone for the first second
		}
		at := time.Since(start) // when the page was asked for
		two.openOn(r, "/")
		in, out := two.has("#username"), two.has("#signin")
		pages = append(pages, r.Instance+" "+map[bool]string{true: "in", false: "out"}[in]+" at "+at.Round(time.Millisecond).String())
		switch {
		case in == out:
			t.Fatalf("browser 2's page on %s shows neither a user nor the sign-in button", r.Instance)
		case out:
			browserOut = at
			if !feed && r != a {
				t.Errorf("control row: browser 2 logged out on %s %v after \"Log out all devices\" on %s; without a feed only %s knows",
					r.Instance, at.Round(time.Millisecond), a.Instance, a.Instance)
			}
			if feed && at > feedWithin {
				t.Errorf("browser 2 still signed in %v after \"Log out all devices\" (its pages: %v); want logged out within %v",
					at.Round(time.Millisecond), pages, feedWithin)
			}
		case feed && at > feedWithin:
			t.Fatalf("browser 2 still signed in %v after \"Log out all devices\" (its pages: %v); want logged out within %v",
				at.Round(time.Millisecond), pages, feedWithin)
		}
		if !feed && r == a && !out {
			t.Fatalf("control row: browser 2 still signed in on %s, which served \"Log out all devices\"", a.Instance)
		}
	}
	one.wantSignedOut(a)
	t.Logf("\"Log out all devices\" on %s answered %v after the click; browser 2's pages, asked for after that answer: %v",
		a.Instance, start.Sub(clicked).Round(time.Millisecond), pages)
	if feed {
		outAt = watchCopy(t, apps, copied, user, start, false)
		t.Logf("requests with a copy of browser 2's cookie refused from %v after that answer", outAt)
		wantFeed(t, feed, "browser 2's copied cookie after \"Log out all devices\"", apps, outAt)
		wantPrefixed(t, redisAddr)
	} else {
		outAt = watchCopy(t, others, copied, user, time.Now(), true)
		wantFeed(t, feed, "browser 2's copied cookie after \"Log out all devices\"", others, outAt)
	}
}

// signIn signs the browser in through the load balancer lb and requires
// the page it lands on to show user.
func (b *browser) signIn(lb, user string) {
	b.t.Helper()
	b.open(lb + "/")
	if resp := b.click("signin"); resp.Status != http.StatusOK {
		b.t.Fatalf("after sign-in through nginx: status %d; want 200", resp.Status)
	}
	b.wantSignedIn(user)
}

// openOn opens path on replica r itself, bypassing nginx (the browser's
// cookies for the load balancer's host go along: cookies ignore the port),
// and requires r to have served it.
func (b *browser) openOn(r *space, path string) {
	b.t.Helper()
	mark := b.mark()
	if resp := b.open(r.URL + path); resp.Status != http.StatusOK {
		b.t.Fatalf("GET %s on %s: status %d; want 200", path, r.Instance, resp.Status)
	}
	b.wantServedBy(mark, r, path)
}

// clickLogout clicks the logout link id of a page of replica r (its links
// are relative: r serves them) and returns when the browser had r's
// redirect from the logout route: the logout was done by then (a logout
// shares its revocation before it answers). It does not wait for the page
// after it (see wantSignedOut), so that what follows is measured from the
// logout itself, not from a page load on a loaded machine.
func (b *browser) clickLogout(r *space, id string) time.Time {
	b.t.Helper()
	mark := b.mark()
	if _, err := chromedp.Run(b.ctx, chromedp.Click(chromedp.ID(id))); err != nil {
		b.t.Fatalf("click #%s on %s: %v", id, r.Instance, err)
	}
	for deadline := time.Now().Add(readyTimeout); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		for _, h := range b.since(mark) {
			if h.path() == echohf.LogoutPath && h.Status == http.StatusFound && !h.At.IsZero() {
				if h.Instance != r.Instance {
					b.t.Fatalf("%s served by %q; want %s", echohf.LogoutPath, h.Instance, r.Instance)
				}
				return h.At
			}
		}
	}
	b.t.Fatalf("no redirect from %s within %v of the click on #%s: %v", echohf.LogoutPath, readyTimeout, id, b.since(mark))
	return time.Time{}
}

// wantSignedOut waits for the page after a logout on replica r and
// requires it to show the sign-in button and no user.
func (b *browser) wantSignedOut(r *space) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.WaitVisible(chromedp.ID("signin"))); err != nil {
		b.t.Fatalf("after logout on %s: no sign-in button on %s: %v", r.Instance, b.location(), err)
	}
	if b.has("#username") {
		b.t.Fatalf("after logout on %s the browser is on %s, still showing a user", r.Instance, b.location())
	}
}

// wantServedBy fails the test unless every response for path since mark
// came from replica r, and there was one.
func (b *browser) wantServedBy(mark int, r *space, path string) {
	b.t.Helper()
	hops := b.since(mark)
	n := 0
	for _, h := range hops {
		if strings.HasPrefix(h.URL, "http") && h.path() == path {
			n++
			if h.Instance != r.Instance {
				b.t.Fatalf("%s served by %q; want %s (hops %v)", path, h.Instance, r.Instance, hops)
			}
		}
	}
	if n == 0 {
		b.t.Fatalf("no response for %s among %v", path, hops)
	}
}

// wantCopyAccepted requires each replica, asked directly, to take the
// Cookie header cookie for user's session.
func wantCopyAccepted(t *testing.T, apps []*space, cookie, user string) {
	t.Helper()
	c := &exampletest.Client{Client: &http.Client{Timeout: 10 * time.Second, Transport: exampletest.Transport(t)}}
	for _, a := range apps {
		if r := c.GetNoRedirect(t, a.URL+"/", "Cookie: "+cookie, "Accept: text/html"); !loggedIn(r, user) {
			t.Fatalf("%s does not take the copied cookie before any logout: status %d", a.Instance, r.Status)
		}
	}
}

// watchCopy replays the Cookie header cookie (a copy of a session that was
// logged out at start) on each replica of apps directly, every watchEvery,
// and returns how long after start the first request each one refused was
// sent. It stops once each has refused it, or once a round of requests
// sent feedWithin after start is done (then a replica that still accepts
// it is missing from the map); it makes one round at least. With whole,
// it goes on until then even when every replica has refused it.
func watchCopy(t *testing.T, apps []*space, cookie, user string, start time.Time, whole bool) map[string]time.Duration {
	t.Helper()
	c := &exampletest.Client{Client: &http.Client{Timeout: 10 * time.Second, Transport: exampletest.Transport(t)}}
	outAt := map[string]time.Duration{}
	for round := 0; round == 0 || (whole || len(outAt) < len(apps)) && time.Since(start) <= feedWithin; round++ {
		for _, a := range apps {
			if _, done := outAt[a.Instance]; done {
				continue
			}
			at := time.Since(start) // when the request was sent
			if at > feedWithin && round > 0 {
				continue // past the second: a refusal now proves nothing
			}
			r := c.GetNoRedirect(t, a.URL+"/", "Cookie: "+cookie, "Accept: text/html")
			switch {
			case loggedIn(r, user):
			case signedOut(r):
				if !clearsSession(r) {
					t.Errorf("%s logged the copy out without expiring it: Set-Cookie %q", a.Instance, r.Header.Values("Set-Cookie"))
				}
				outAt[a.Instance] = at.Round(time.Millisecond)
			default:
				t.Fatalf("%s answered the copy with %d, neither signed in nor out:\n%s", a.Instance, r.Status, r.Body)
			}
		}
		time.Sleep(watchEvery)
	}
	return outAt
}

// wantFeed checks what watchCopy saw on apps: with the feed, each refused
// the copy within feedWithin (outAt holds only those that did); without,
// none did.
func wantFeed(t *testing.T, feed bool, what string, apps []*space, outAt map[string]time.Duration) {
	t.Helper()
	for _, a := range apps {
		at, out := outAt[a.Instance]
		switch {
		case feed && !out:
			t.Errorf("%s: %s still accepts it %v later; want it refused within %v", what, a.Instance, feedWithin, feedWithin)
		case feed && at > feedWithin:
			t.Errorf("%s: %s first asked %v later (a slow machine?), and refused it then; want it refused within %v", what, a.Instance, at, feedWithin)
		case !feed && out:
			t.Errorf("control row: %s: %s refused it after %v; without a feed it cannot know of the logout yet", what, a.Instance, at)
		}
	}
	if !feed && len(outAt) == 0 {
		t.Logf("control row: %s still accepted on %d replicas for %v", what, len(apps), feedWithin)
	}
}

// wantPrefixed requires the Redis at addr to hold keys, each named with
// redisPrefix: the replicas used the URL's prefix.
func wantPrefixed(t *testing.T, addr string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer func() { _ = c.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	keys, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatalf("list the keys in Redis: %v", err)
	}
	if len(keys) == 0 {
		t.Errorf("Redis holds no key after the logouts")
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, redisPrefix) {
			t.Errorf("Redis key %q does not start with the URL's prefix %q", k, redisPrefix)
		}
	}
}
