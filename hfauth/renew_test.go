package hfauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// world is a mock provider and replicas of one Config, all on one stopped
// clock, the provider's included: the tokens it issues and the id_tokens it
// signs follow the test's time. Replicas serve the guarded routes of
// guardedApp besides /whoami and /page.
type world struct {
	prov *mock.Server
	clk  *testClock
	apps []*app
	name string   // the session cookie's name
	b    *browser // the browser of the last login
}

// newWorld starts the provider and n replicas of realConfig(prov) changed
// by set (which may be nil).
func newWorld(t *testing.T, n int, set func(*Config)) *world {
	t.Helper()
	clk := stoppedClock()
	prov := mock.NewServer(t, mock.Config{Now: clk.Now})
	cfg := realConfig(prov)
	cfg.Now = clk.Now
	if set != nil {
		set(&cfg)
	}
	w := &world{prov: prov, clk: clk}
	for range n {
		w.apps = append(w.apps, guardedApp(t, cfg))
	}
	w.name = w.apps[0].oauth.sessions.Name()
	return w
}

// login signs a fresh browser in on the first replica and returns its
// session cookie's value and what /whoami then says.
func (w *world) login(t *testing.T) (string, whoamiAnswer) {
	t.Helper()
	w.b = newBrowser(t)
	who := w.b.mustLogin(t, w.apps[0])
	return w.b.cookie(t, w.apps[0].URL, w.name), who
}

// noSecrets fails t when a replica's log holds a secret: those
// assertNoSecretsLogged looks for, and extra (tokens, cookie values).
func (w *world) noSecrets(t *testing.T, extra ...string) {
	t.Helper()
	for _, a := range w.apps {
		assertNoSecretsLogged(t, a, w.b, extra...)
	}
}

// get fetches path on replica i with the session cookie value.
func (w *world) get(t testing.TB, i int, path, value string) fetched {
	t.Helper()
	return withCookie(t, w.apps[i].URL+path, w.name, value)
}

// whoami is GET /whoami on replica i with the session cookie value: the
// answer, and the value of the session cookie it sets ("" for none).
func (w *world) whoami(t testing.TB, i int, value string) (whoamiAnswer, string, fetched) {
	t.Helper()
	f := w.get(t, i, "/whoami", value)
	var who whoamiAnswer
	if err := json.Unmarshal([]byte(f.body), &who); err != nil || f.StatusCode != http.StatusOK {
		t.Fatalf("GET /whoami = %d %s (%v)", f.StatusCode, f.body, err)
	}
	return who, f.sessionSet(w.name), f
}

// sessionSet returns the value the response sets the cookie name to, or
// "" when it sets none (an expired cookie is not a value).
func (f fetched) sessionSet(name string) string {
	h := f.setCookie(name)
	if h == "" {
		return ""
	}
	v, _, _ := strings.Cut(strings.TrimPrefix(h, name+"="), ";")
	return v
}

// calls counts what the replicas asked the provider.
type calls struct {
	token, userinfo, revoke int
	refresh                 mock.GrantCount
}

func (w *world) calls() calls {
	return calls{
		token:    w.prov.Requests(mock.EndpointToken),
		userinfo: w.prov.Requests(mock.EndpointUserinfo),
		revoke:   w.prov.Requests(mock.EndpointRevoke),
		refresh:  w.prov.Grants(mock.GrantRefreshToken),
	}
}

// tokensOf opens the tokens the session cookie value holds, as replica i
// sees them.
func (w *world) tokensOf(t testing.TB, i int, value string) (access, refresh string) {
	t.Helper()
	o := w.apps[i].oauth
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Cookie", w.name+"="+value)
	s, err := o.sessions.Load(req)
	if err != nil {
		t.Fatalf("session cookie does not load: %v", err)
	}
	at, err := o.sealer.Open(s.Token)
	if err != nil {
		t.Fatal(err)
	}
	if s.Refresh != "" {
		rt, err := o.refreshSealer.Open(s.Refresh)
		if err != nil {
			t.Fatal(err)
		}
		refresh = string(rt)
	}
	return string(at), refresh
}

// logLine returns the first line of log that holds s, or "".
func logLine(log, s string) string {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}

// TestRefreshWindow: the window is RefreshBefore before expiry, never more
// than half the token's lifetime; with the issue time unknown, RefreshBefore.
func TestRefreshWindow(t *testing.T) {
	t.Parallel()
	exp := time.Unix(1_800_000_000, 0)
	tests := []struct {
		lifetime, before, want time.Duration // want: the window's length
	}{
		{8 * time.Hour, time.Hour, time.Hour},
		{30 * 24 * time.Hour, time.Hour, time.Hour},
		{time.Hour, time.Hour, 30 * time.Minute},
		{5 * time.Second, time.Hour, 2500 * time.Millisecond},
		{8 * time.Hour, 10 * time.Minute, 10 * time.Minute},
		{0, time.Hour, time.Hour}, // issue time unknown (a session minted before it was kept)
	}
	for _, tt := range tests {
		s := &session{Expires: exp.Unix()}
		if tt.lifetime > 0 {
			s.Issued = exp.Add(-tt.lifetime).Unix()
		}
		if got := exp.Sub(s.refreshFrom(tt.before)); got != tt.want {
			t.Errorf("window of a %v token with RefreshBefore %v = %v; want %v", tt.lifetime, tt.before, got, tt.want)
		}
	}
}

// TestRetryAfter: a failed renewal is tried again after a quarter of the
// token's remaining life, between 1 and 30 seconds.
func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	for _, tt := range []struct{ left, want time.Duration }{
		{8 * time.Hour, 30 * time.Second},
		{time.Minute, 15 * time.Second},
		{2 * time.Second, time.Second},
		{0, time.Second},
	} {
		s := &session{Expires: now.Add(tt.left).Unix()}
		if got := retryAfter(s, now).Sub(now); got != tt.want {
			t.Errorf("retryAfter with %v left = %v; want %v", tt.left, got, tt.want)
		}
	}
}

// TestDueOf: when a session is due, by mode, settings and what it holds.
func TestDueOf(t *testing.T) {
	t.Parallel()
	login := time.Unix(1_800_000_000, 0)
	s := &session{Refresh: "sealed", Issued: login.Unix(), Checked: login.Unix(), Expires: login.Add(8 * time.Hour).Unix()}
	noRT := &session{Issued: s.Issued, Checked: s.Checked, Expires: s.Expires}
	capped := &session{Refresh: "sealed", Issued: s.Issued, Checked: s.Checked, Expires: s.Expires, Login: login.Add(4*time.Hour - 30*24*time.Hour).Unix()} // SessionMaxAge (30 days) ends it 4 hours after login
	tests := []struct {
		name      string
		o         *OAuth
		s         *session
		noRefresh bool
		want      time.Duration // after login; -1 for never
	}{
		{"defaults: revalidation first", testOAuth(ModeReal, 0, 0), s, false, 10 * time.Minute},
		{"revalidation off: the refresh window", testOAuth(ModeReal, 0, -1), s, false, 7 * time.Hour},
		{"revalidation off, refresh token spent", testOAuth(ModeReal, 0, -1), s, true, -1},
		{"revalidation off, no refresh token", testOAuth(ModeReal, 0, -1), noRT, false, -1},
		{"both off", testOAuth(ModeReal, -1, -1), s, false, -1},
		{"revalidation off, SessionMaxAge ends the session first", testOAuth(ModeReal, 0, -1), capped, false, -1},
		{"SessionMaxAge ends the session first: revalidation only", testOAuth(ModeReal, 0, 0), capped, false, 10 * time.Minute},
		{"long revalidation: the refresh window first", testOAuth(ModeReal, 0, 12*time.Hour), s, false, 7 * time.Hour},
		{"mock mode", testOAuth(ModeMock, 0, 0), s, false, -1},
	}
	for _, tt := range tests {
		want := int64(never)
		if tt.want >= 0 {
			want = login.Add(tt.want).UnixNano()
		}
		if got := tt.o.dueOf(tt.s, tt.noRefresh); got != want {
			t.Errorf("%s: due %v; want %v", tt.name, time.Unix(0, got).Sub(login), tt.want)
		}
	}
}

// testOAuth is an OAuth in mode with RefreshBefore and RevalidateEvery
// resolved from the values given (0 for the default, negative for off).
func testOAuth(mode Mode, before, every time.Duration) *OAuth {
	var p configError
	r := Config{Mode: mode, RefreshBefore: before, RevalidateEvery: every}.resolve(&p)
	r.mode = mode
	return &OAuth{cfg: r}
}

// TestRenewalsShareOneCall: the requests of one session that come while
// its renewal is under way wait for it and share its outcome; a waiter
// whose client leaves goes on at once.
func TestRenewalsShareOneCall(t *testing.T) {
	t.Parallel()
	var rs renewals
	now := time.Unix(1_800_000_000, 0)
	release := make(chan struct{})
	var calls atomic.Int32
	want := outcome{next: &session{Expires: 1}}
	work := func(bool) outcome {
		calls.Add(1)
		<-release
		return want
	}
	var wg sync.WaitGroup
	outs := make([]outcome, 16)
	wg.Add(1)
	go func() { // the first request starts the renewal
		defer wg.Done()
		outs[0], _ = rs.do(context.Background(), "k", now, now.Add(time.Hour), work)
	}()
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	for i := 1; i < len(outs); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], _ = rs.do(context.Background(), "k", now, now.Add(time.Hour), work)
		}()
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	left := make(chan bool, 1)
	go func() {
		_, ok := rs.do(gone, "k", now, now.Add(time.Hour), work)
		left <- ok
	}()
	select {
	case ok := <-left:
		if ok {
			t.Error("a waiter whose client left got an outcome; want it to go on at once")
		}
	case <-time.After(5 * time.Second):
		t.Error("a waiter whose client left is still waiting")
	}
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("work ran %d times; want 1", n)
	}
	for i, o := range outs {
		if o.next != want.next {
			t.Errorf("request %d got another outcome", i)
		}
	}
	// Remembered for renewedGrace, then forgotten.
	if _, _ = rs.do(context.Background(), "k", now.Add(renewedGrace-time.Second), now.Add(time.Hour), work); calls.Load() != 1 {
		t.Error("a renewed session was renewed again within renewedGrace")
	}
	if _, _ = rs.do(context.Background(), "k", now.Add(renewedGrace), now.Add(time.Hour), work); calls.Load() != 2 {
		t.Error("a renewed session was still remembered after renewedGrace")
	}
}

// TestRenewalsRemember: what an outcome is remembered for, that a spent
// refresh token stays spent when the session is tried again, and that a
// session whose refresh token was refused ends at its retry.
func TestRenewalsRemember(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	expires := now.Add(time.Hour)
	refused := outcome{retry: now.Add(30 * time.Second).UnixNano(), noRefresh: true, refused: true}
	tests := []struct {
		name  string
		out   outcome
		asked time.Duration // after now
		again bool          // work runs again
		spent bool          // told the refresh token is spent
		ended bool          // the session is logged out without running work
	}{
		{"failure, before its retry", outcome{retry: now.Add(10 * time.Second).UnixNano()}, 9 * time.Second, false, false, false},
		{"failure, at its retry", outcome{retry: now.Add(10 * time.Second).UnixNano()}, 10 * time.Second, true, false, false},
		{"spent, before its retry", outcome{retry: now.Add(time.Minute).UnixNano(), noRefresh: true}, 59 * time.Second, false, false, false},
		{"spent, at its retry", outcome{retry: now.Add(time.Minute).UnixNano(), noRefresh: true}, time.Minute, true, true, false},
		{"spent, after the session's end", outcome{retry: now.Add(time.Minute).UnixNano(), noRefresh: true}, time.Hour, true, false, false},
		{"refused, before its retry", refused, 29 * time.Second, false, false, false},
		{"refused, at its retry", refused, 30 * time.Second, false, false, true},
		{"refused, later", refused, 59 * time.Minute, false, false, true},
		{"logged out", outcome{end: true}, 59 * time.Minute, false, false, true},
		{"logged out, after the session's end", outcome{end: true}, time.Hour, true, false, false},
	}
	for _, tt := range tests {
		var rs renewals
		rs.do(context.Background(), "k", now, expires, func(bool) outcome { return tt.out })
		ran, spent := false, false
		out, _ := rs.do(context.Background(), "k", now.Add(tt.asked), expires, func(noRefresh bool) outcome {
			ran, spent = true, noRefresh
			return outcome{}
		})
		if ran != tt.again || spent != tt.spent || out.end != tt.ended {
			t.Errorf("%s: work ran %v (spent %v), ended %v; want %v (%v), %v", tt.name, ran, spent, out.end, tt.again, tt.spent, tt.ended)
		}
	}
}

// TestRenewalsBounded: the memory never holds more than maxRenewals ended
// renewals, whatever comes.
func TestRenewalsBounded(t *testing.T) {
	t.Parallel()
	var rs renewals
	now := time.Unix(1_800_000_000, 0)
	for i := range maxRenewals + 100 {
		rs.do(context.Background(), fmt.Sprint(i), now, now.Add(time.Hour), func(bool) outcome { return outcome{end: true} })
	}
	if n := len(rs.m); n > maxRenewals {
		t.Errorf("%d renewals remembered; want at most %d", n, maxRenewals)
	}
	rs.forget("last", now, now.Add(time.Hour))
	if n := len(rs.m); n > maxRenewals {
		t.Errorf("%d renewals remembered after forget; want at most %d", n, maxRenewals)
	}
}

// TestRenewalsEndWithSuccessor: a renewed session that has since ended
// (logged out, or refused by the provider) is not handed to the requests
// that still carry a cookie it replaced: they are logged out too, however
// many renewals back the cookie is.
func TestRenewalsEndWithSuccessor(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	expires := now.Add(time.Hour)
	renewed := func(next string) func(bool) outcome {
		return func(bool) outcome { return outcome{next: &session{Token: next, Expires: expires.Unix()}} }
	}
	tests := []struct {
		name string
		end  func(rs *renewals) // ends the last session of the chain k0 → k1 → k2
	}{
		{"logout", func(rs *renewals) { rs.forget("k2", now, expires) }},
		{"refused by the provider", func(rs *renewals) {
			rs.do(context.Background(), "k2", now, expires, func(bool) outcome { return outcome{end: true} })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rs renewals
			rs.do(context.Background(), "k0", now, expires, renewed("k1"))
			rs.do(context.Background(), "k1", now, expires, renewed("k2"))
			tt.end(&rs)
			for _, key := range []string{"k1", "k0"} {
				ran := false
				out, ok := rs.do(context.Background(), key, now.Add(time.Second), expires, func(bool) outcome {
					ran = true
					return outcome{}
				})
				if !ok || !out.end || out.next != nil || ran {
					t.Errorf("%s a second later: ended %v, renewed %v, renewed again %v; want ended", key, out.end, out.next != nil, ran)
				}
			}
		})
	}
}

// TestRenewalsKeepLogouts: a full memory makes room by dropping other
// ended renewals before logouts, which keep a copied cookie logged out.
func TestRenewalsKeepLogouts(t *testing.T) {
	t.Parallel()
	var rs renewals
	now := time.Unix(1_800_000_000, 0)
	expires := now.Add(time.Hour)
	const logouts = 100
	for i := range logouts {
		rs.forget(fmt.Sprint("out", i), now, expires)
	}
	failed := func(bool) outcome { return outcome{retry: expires.UnixNano()} } // remembered until then
	for i := range 2 * maxRenewals {
		rs.do(context.Background(), fmt.Sprint(i), now, expires, failed)
	}
	kept := 0
	for i := range logouts {
		if rs.known(fmt.Sprint("out", i)) {
			kept++
		}
	}
	if kept != logouts || len(rs.m) > maxRenewals {
		t.Errorf("%d of %d logouts remembered, %d renewals in all; want every logout, at most %d in all", kept, logouts, len(rs.m), maxRenewals)
	}
}

// TestSessionMaxAgeCapsSignIn: SessionMaxAge is the absolute lifetime of
// a sign-in. The revalidations and refreshes that re-mint an active
// session's cookie do not extend it: every cookie expires at the sign-in
// plus SessionMaxAge at the latest, and Auth ends the session then, to the
// second (no leeway), like the end of its access token.
func TestSessionMaxAgeCapsSignIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		maxAge   time.Duration
		every    time.Duration   // Config.RevalidateEvery
		requests []time.Duration // after login, each a renewal
	}{
		{"revalidations", 25 * time.Minute, 0, []time.Duration{10 * time.Minute, 20 * time.Minute}},
		{"a refresh", 9 * time.Hour, -1, []time.Duration{7*time.Hour + 30*time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 2, func(c *Config) { c.SessionMaxAge, c.RevalidateEvery = tt.maxAge, tt.every })
			login := w.clk.Now()
			value, who := w.login(t)
			end := ceilMs(login).Add(tt.maxAge) // the sign-in's time is kept to the millisecond
			for _, at := range tt.requests {
				w.clk.Advance(login.Add(at).Sub(w.clk.Now()))
				got, set, f := w.whoami(t, 0, value)
				if !got.LoggedIn || set == "" {
					t.Fatalf("%v after login: logged in %v, cookie re-minted %v; want both", at, got.LoggedIn, set != "")
				}
				if tt.every < 0 && got.Token == who.Token {
					t.Fatalf("%v after login: not refreshed", at)
				}
				for _, c := range f.Cookies() {
					if left := ceilSecond(end).Unix() - w.clk.Now().Unix(); c.Name == w.name && int64(c.MaxAge) > left {
						t.Errorf("%v after login: cookie Max-Age %ds; want at most %ds (SessionMaxAge %v after login)", at, c.MaxAge, left, tt.maxAge)
					}
				}
				value = set
			}
			w.clk.Advance(end.Add(-time.Second).Sub(w.clk.Now()))
			for i := range w.apps {
				if got, _, _ := w.whoami(t, i, value); !got.LoggedIn {
					t.Errorf("replica %d, a second before SessionMaxAge: logged out; want logged in", i)
				}
			}
			w.clk.Advance(time.Second)
			for i := range w.apps {
				if got, _, f := w.whoami(t, i, value); got.LoggedIn || !f.expired(w.name) {
					t.Errorf("replica %d at SessionMaxAge after login: logged in %v, cookie expired %v; want logged out", i, got.LoggedIn, f.expired(w.name))
				}
			}
		})
	}
}

// TestLifecycleConfig: RefreshBefore and RevalidateEvery default to 1 hour
// and 10 minutes, stay off when negative, and are refused under a second.
func TestLifecycleConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		before, every         time.Duration
		wantBefore, wantEvery time.Duration
		problem               string // the error names it; "" for none
	}{
		{0, 0, time.Hour, 10 * time.Minute, ""},
		{-1, -time.Hour, -1, -time.Hour, ""},
		{time.Second, time.Second, time.Second, time.Second, ""},
		{500 * time.Millisecond, 0, 0, 0, "RefreshBefore (" + EnvRefreshBefore + ") 500ms is under a second"},
		{0, time.Nanosecond, 0, 0, "RevalidateEvery (" + EnvRevalidateEvery + ") 1ns is under a second"},
	}
	for _, tt := range tests {
		o, err := New(Config{Mode: ModeMock, RefreshBefore: tt.before, RevalidateEvery: tt.every, Logger: discardLogger()})
		if tt.problem != "" {
			if !errors.Is(err, ErrConfig) || !strings.Contains(fmt.Sprint(err), tt.problem) {
				t.Errorf("New(RefreshBefore %v, RevalidateEvery %v) = %v; want an ErrConfig naming %q", tt.before, tt.every, err, tt.problem)
			}
			continue
		}
		if err != nil {
			t.Errorf("New(RefreshBefore %v, RevalidateEvery %v): %v", tt.before, tt.every, err)
			continue
		}
		o.Close()
		if o.cfg.RefreshBefore != tt.wantBefore || o.cfg.RevalidateEvery != tt.wantEvery {
			t.Errorf("New(RefreshBefore %v, RevalidateEvery %v) resolved %v, %v; want %v, %v",
				tt.before, tt.every, o.cfg.RefreshBefore, o.cfg.RevalidateEvery, tt.wantBefore, tt.wantEvery)
		}
	}
}

// TestLifecycleStress runs sessions of several users through their
// revalidations and refresh windows on three replicas at once, while the
// clock moves, the provider is slow and one user logs out: a test for the
// race detector, and of the rules that hold throughout. No answer is a 5xx
// or names another user; a cookie a replica sets is accepted by every
// replica; at the end, each browser's last cookie is still logged in
// (but the one that logged out).
func TestLifecycleStress(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3, func(c *Config) { c.SessionCacheSize = 3 }) // evictions happen
	w.prov.SetFaults(mock.Faults{RefreshDelay: 5 * time.Millisecond})
	type jar struct {
		mu    sync.Mutex
		user  string
		value string
	}
	var jars []*jar
	for _, name := range []string{"u0", "u1", "u2", "u3", "leaver"} {
		w.prov.AddUser(member(name, "write", "acme"))
		setUser(t, w.prov, name)
		value, _ := w.login(t)
		jars = append(jars, &jar{user: name, value: value})
	}
	leaver := jars[len(jars)-1]
	stop := make(chan struct{})
	go func() { // 7h40m in 4-minute steps: revalidations, then the refresh window
		defer close(stop)
		for i := range 115 {
			time.Sleep(4 * time.Millisecond)
			w.clk.Advance(4 * time.Minute)
			if i == 60 {
				leaver.mu.Lock()
				f := w.get(t, 1, LogoutPath, leaver.value)
				leaver.mu.Unlock()
				if f.StatusCode != http.StatusFound {
					t.Errorf("logout = %d", f.StatusCode)
				}
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				j := jars[(g+i)%len(jars)]
				j.mu.Lock()
				value := j.value
				j.mu.Unlock()
				path := "/whoami"
				if i%17 == 16 {
					path = "/g/org"
				}
				f := w.get(t, (g*7+i)%3, path, value)
				if f.StatusCode >= 500 {
					errs <- fmt.Errorf("%s = %d %s", path, f.StatusCode, f.body)
					continue
				}
				if path == "/whoami" && strings.Contains(f.body, `"logged_in":true`) && !strings.Contains(f.body, `"preferred_username":"`+j.user+`"`) {
					errs <- fmt.Errorf("the cookie of %s answered %s", j.user, f.body)
				}
				if set := f.sessionSet(w.name); set != "" {
					for r := range 3 {
						if _, err := w.apps[r].oauth.sessions.Load(cookieRequest(w.name, set)); err != nil {
							errs <- fmt.Errorf("a cookie set by a replica does not load on replica %d: %w", r, err)
						}
					}
					j.mu.Lock()
					j.value = set // the browser applies Set-Cookie lines in the order answers arrive
					j.mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if n++; n <= 5 {
			t.Error(err)
		}
	}
	for _, j := range jars[:len(jars)-1] {
		for r := range 3 {
			if got, _, _ := w.whoami(t, r, j.value); !got.LoggedIn || got.Info.UserInfo.PreferredUsername != j.user {
				t.Errorf("%s's last cookie on replica %d: logged in %v", j.user, r, got.LoggedIn)
			}
		}
	}
	// Logout revokes two tokens, and two more when the replica had renewed
	// the cookie for a request whose answer the jar had not applied yet
	// (the renewed session is revoked too: TestLogoutDuringRefresh).
	if c := w.calls(); c.refresh.Issued < 4 || c.revoke != 2 && c.revoke != 4 {
		t.Errorf("provider calls %+v; want every session refreshed at least once, and the logout's two revocations (four with a renewal it ended too)", c)
	}
	t.Logf("provider calls: %+v", w.calls())
}

// cookieRequest is a request carrying the cookie name=value.
func cookieRequest(name, value string) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Cookie", name+"="+value)
	return req
}

// TestSessionFieldsTravel: what renewals need travels in the cookie, through
// whatever encoding the session has: the sealed refresh token, when the
// access token was obtained, when the user data was checked and when the
// user signed in.
func TestSessionFieldsTravel(t *testing.T) {
	t.Parallel()
	o, err := New(Config{Mode: ModeMock, SessionSecret: "test-session-secret-0123456789abcdef", Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	now := time.Now().Truncate(time.Second).Add(-time.Second + 123_456_789) // the milliseconds travel too
	info := &OAuthInfo{AccessToken: "hf_oauth_a", AccessTokenExpiresAt: now.Add(8 * time.Hour), Scope: "openid", UserInfo: OAuthUserInfo{Sub: "u", PreferredUsername: "ada"}}
	s, err := o.newSession(info, "hf_oauth_refresh_r", now.Add(-time.Minute), now.Add(-2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if err := o.store(rec, nil, s, now); err != nil {
		t.Fatal(err)
	}
	got, err := o.sessions.Load(cookieRequest(o.sessions.Name(), fetched{Response: rec.Result()}.sessionSet(o.sessions.Name())))
	if err != nil {
		t.Fatal(err)
	}
	rt, err := o.refreshSealer.Open(got.Refresh)
	if err != nil || string(rt) != "hf_oauth_refresh_r" || !got.issued().Equal(s.issued()) || got.Checked != s.Checked || !got.expiry().Equal(s.expiry()) ||
		!got.signedIn(time.Time{}).Equal(s.issued()) || got.ExpiresMs == 0 && got.IssuedMs == 0 && got.LoginMs == 0 {
		t.Errorf("after the cookie: refresh %q (%v), issued %d, checked %d, expires %d, signed in %d; want %q, %d, %d, %d, %d",
			rt, err, got.Issued, got.Checked, got.Expires, got.Login, "hf_oauth_refresh_r", s.Issued, s.Checked, s.Expires, s.Issued)
	}
}
