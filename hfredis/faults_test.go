package hfredis

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/echohf/echohf/hfauth"
	"github.com/echohf/echohf/internal/redistest"
	"github.com/echohf/echohf/mock"
)

// timed runs f and fails when it takes longer than within: requests must be
// served within their timeouts whatever Redis does.
func timed(t *testing.T, within time.Duration, what string, f func()) {
	t.Helper()
	start := time.Now()
	f()
	if d := time.Since(start); d > within {
		t.Errorf("%s took %v; want at most %v", what, d, within)
	}
}

// logout logs br out on r, checking it answers 200 in time.
func logout(t *testing.T, br *http.Client, r *replica) {
	t.Helper()
	timed(t, 3*time.Second, "logout", func() {
		if status, body := get(t, br, r.URL+hfauth.LogoutPath+"?_target_url=/whoami"); status != 200 || body != "out" {
			t.Errorf("logout = %d %q", status, body)
		}
	})
}

// TestDownAtStart: Redis down when the replica starts. Fail-open serves
// sessions (Err says why the feed is out of sync) and catches up once Redis
// is there; fail-closed refuses them, without a 5xx, until then.
func TestDownAtStart(t *testing.T) {
	t.Parallel()
	for _, closed := range []bool{false, true} {
		srv := redistest.New(t)
		srv.Stop()
		prov := mock.NewServer(t, mock.Config{})
		r := newReplica(t, prov, srv.URL(), func(c *Config) { c.FailClosed = closed })
		br := browser(t)
		status, body := get(t, br, r.URL+hfauth.LoginPath+"?_target_url=/whoami")
		want := "in:mockuser"
		if closed {
			want = "out"
		}
		if status != 200 || body != want {
			t.Errorf("closed=%v: login with Redis down = %d %q; want %q", closed, status, body, want)
		}
		if r.feed.Err() == nil || r.o.RevocationFeedErr() == nil {
			t.Errorf("closed=%v: Err is nil with Redis down", closed)
		}
		if !strings.Contains(r.logs.String(), "REVOCATION FEED DOWN") {
			t.Errorf("closed=%v: no loud log line: %s", closed, r.logs)
		}
		srv.Start()
		waitFor(t, 5*time.Second, "in sync once Redis is up", func() bool { return r.feed.Err() == nil })
		if _, body := get(t, br, r.URL+"/whoami"); body != "in:mockuser" {
			t.Errorf("closed=%v: once Redis is up: %q", closed, body)
		}
	}
}

// TestDownMidRunRestartedEmpty: Redis killed while three replicas serve,
// then restarted with nothing (no persistence). Requests are served, never
// 5xx; a logout meanwhile holds on its own replica; what the replicas
// learnt before the crash they keep; after reconnecting, logouts propagate
// again.
func TestDownMidRunRestartedEmpty(t *testing.T) {
	t.Parallel()
	srv := redistest.New(t)
	_, rs := threeReplicas(t, srv.URL(), nil)
	before := browser(t)
	old := login(t, before, rs[0])
	logout(t, before, rs[0])
	for _, r := range rs {
		waitFor(t, time.Second, "logout before the crash propagated", func() bool { return whoami(t, r, old) == "out" })
	}
	during := browser(t)
	cookie := login(t, during, rs[1])
	srv.Stop()
	for _, r := range rs {
		timed(t, 200*time.Millisecond, "a request with Redis down", func() {
			if got := whoami(t, r, cookie); got != "in:mockuser" {
				t.Errorf("fail-open with Redis down: %s", got)
			}
		})
	}
	logout(t, during, rs[0])
	if got := whoami(t, rs[0], cookie); got != "out" {
		t.Errorf("logout with Redis down does not hold on its own replica: %s", got)
	}
	for _, r := range rs {
		waitFor(t, 3*time.Second, "Err once Redis is down", func() bool { return r.feed.Err() != nil })
	}
	srv.Start() // empty
	for _, r := range rs {
		waitFor(t, 5*time.Second, "in sync after the restart", func() bool { return r.feed.Err() == nil })
		if got := whoami(t, r, old); got != "out" {
			t.Errorf("a logout learnt before the crash was forgotten: %s", got)
		}
	}
	after := browser(t)
	fresh := login(t, after, rs[2])
	logout(t, after, rs[2])
	for _, r := range rs[:2] {
		waitFor(t, time.Second, "logout after the restart propagated", func() bool { return whoami(t, r, fresh) == "out" })
	}
}

// viaProxy starts Redis and two replicas of one app, both in sync: a
// talking to Redis directly, c through the returned fault proxy.
func viaProxy(t *testing.T) (p *proxy, a, c *replica) {
	t.Helper()
	srv := redistest.New(t)
	prov := mock.NewServer(t, mock.Config{})
	p = newProxy(t, srv.Addr)
	a = newReplica(t, prov, srv.URL(), nil)
	c = newReplica(t, prov, p.url(), nil)
	for _, r := range []*replica{a, c} {
		waitFor(t, 5*time.Second, "in sync", func() bool { return r.feed.Err() == nil })
	}
	return p, a, c
}

// TestReconnectCatchesUp: one replica cut off from Redis (the others not)
// misses the pub/sub announcement of a logout, and applies it from the
// durable record once it reconnects.
func TestReconnectCatchesUp(t *testing.T) {
	t.Parallel()
	p, a, c := viaProxy(t)
	br := browser(t)
	cookie := login(t, br, a)
	p.setCut(true)
	waitFor(t, 3*time.Second, "Err once cut off", func() bool { return c.feed.Err() != nil })
	logout(t, br, a)
	if got := whoami(t, c, cookie); got != "in:mockuser" {
		t.Fatalf("the cut-off replica learnt the logout while cut off? %s", got)
	}
	p.setCut(false)
	waitFor(t, 5*time.Second, "caught up after reconnecting", func() bool { return whoami(t, c, cookie) == "out" })
}

// TestSlowRedis: Redis answering slower than usual but within Timeout
// still propagates; slower than Timeout, the feed is out of sync (fail
// open) and requests are still served at once.
func TestSlowRedis(t *testing.T) {
	t.Parallel()
	p, a, c := viaProxy(t)
	p.setDelay(100 * time.Millisecond)
	br := browser(t)
	cookie := login(t, br, a)
	logout(t, br, a)
	waitFor(t, time.Second, "logout through a slow Redis", func() bool { return whoami(t, c, cookie) == "out" })
	p.setDelay(2 * DefaultTimeout)
	waitFor(t, 5*time.Second, "Err once slower than Timeout", func() bool { return c.feed.Err() != nil })
	other := login(t, browser(t), a)
	timed(t, 200*time.Millisecond, "a request while Redis is too slow", func() {
		if got := whoami(t, c, other); got != "in:mockuser" {
			t.Errorf("fail-open with a too-slow Redis: %s", got)
		}
	})
}

// TestFrozenRedis: Redis frozen by SIGSTOP: requests are served within
// their timeouts and never 5xx, logout answers within its bound, Err
// reports the freeze (fail-closed refuses sessions meanwhile), and once
// thawed every feed is in sync and propagates again.
func TestFrozenRedis(t *testing.T) {
	t.Parallel()
	for _, closed := range []bool{false, true} {
		srv := redistest.New(t)
		_, rs := threeReplicas(t, srv.URL(), func(c *Config) { c.FailClosed = closed })
		br := browser(t)
		cookie := login(t, br, rs[0])
		srv.Signal(syscall.SIGSTOP)
		for _, r := range rs {
			waitFor(t, 3*time.Second, "Err once frozen", func() bool { return r.feed.Err() != nil })
		}
		want := "in:mockuser"
		if closed {
			want = "out"
		}
		for _, r := range rs {
			timed(t, 200*time.Millisecond, "a request with Redis frozen", func() {
				if got := whoami(t, r, cookie); got != want {
					t.Errorf("closed=%v, Redis frozen: %s; want %s", closed, got, want)
				}
			})
		}
		second := browser(t)
		srv.Signal(syscall.SIGCONT)
		for _, r := range rs {
			waitFor(t, 5*time.Second, "in sync once thawed", func() bool { return r.feed.Err() == nil })
			if got := whoami(t, r, cookie); got != "in:mockuser" {
				t.Errorf("closed=%v, thawed: %s", closed, got)
			}
		}
		c2 := login(t, second, rs[1])
		logout(t, second, rs[1])
		for _, r := range []*replica{rs[0], rs[2]} {
			waitFor(t, time.Second, "logout after the thaw propagated", func() bool { return whoami(t, r, c2) == "out" })
		}
		srv.Stop()
	}
}

// TestQuietRedisStaysInSync: a healthy Redis with nothing to say is not
// taken for a frozen one: the feed stays in sync, on its first
// subscription, with no outage logged.
func TestQuietRedisStaysInSync(t *testing.T) {
	t.Parallel()
	srv := redistest.New(t)
	r := newReplica(t, mock.NewServer(t, mock.Config{}), srv.URL(), nil)
	waitFor(t, 5*time.Second, "in sync", func() bool { return r.feed.Err() == nil })
	for end := time.Now().Add(4 * DefaultTimeout); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if err := r.feed.Err(); err != nil {
			t.Fatalf("quiet Redis taken as out of sync: %v", err)
		}
	}
	if n := r.feed.catchUp.Load(); n != 1 || strings.Contains(r.logs.String(), "DOWN") {
		t.Errorf("%d reads of the record, logs:\n%s; want 1 and no outage", n, r.logs)
	}
}
