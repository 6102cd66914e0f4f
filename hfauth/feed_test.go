package hfauth

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// bus is an in-process stand-in for a shared store: what one memFeed
// publishes reaches every feed started on it.
type bus struct {
	mu    sync.Mutex
	subs  []func(Revocation)
	count int
}

// memFeed is a RevocationFeed on a bus.
type memFeed struct {
	b      *bus
	refuse func(bool)
	closed bool
}

func (f *memFeed) Start(apply func(Revocation), refuse func(bool)) {
	f.b.mu.Lock()
	defer f.b.mu.Unlock()
	f.b.subs = append(f.b.subs, apply)
	f.refuse = refuse
}

func (f *memFeed) Publish(_ context.Context, r Revocation) error {
	f.b.mu.Lock()
	subs := append([]func(Revocation){}, f.b.subs...)
	f.b.count++
	f.b.mu.Unlock()
	for _, s := range subs {
		s(r)
	}
	return nil
}

func (f *memFeed) Err() error   { return nil }
func (f *memFeed) Close() error { f.closed = true; return nil }

// feedReplicas serves three real-mode replicas of one Config against prov,
// each with its own memFeed on one bus.
func feedReplicas(t *testing.T, prov *mock.Server) ([]*app, *bus) {
	t.Helper()
	b := &bus{}
	var apps []*app
	for range 3 {
		cfg := realConfig(prov)
		cfg.RevocationFeed = &memFeed{b: b}
		apps = append(apps, newApp(t, cfg))
	}
	return apps, b
}

// TestFeedLogoutReachesReplicas: a logout on one replica is refused at once
// on the two others, for the cookie the browser had; without a feed the
// others still accept it (what the feed exists to change).
func TestFeedLogoutReachesReplicas(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	apps, b := feedReplicas(t, prov)
	plain := []*app{newApp(t, realConfig(prov)), newApp(t, realConfig(prov))}
	br := newBrowser(t)
	br.mustLogin(t, apps[0])
	name := apps[0].oauth.sessions.Name()
	value := br.cookie(t, apps[0].URL, name)
	for i, a := range append(apps, plain...) {
		if f := withCookie(t, a.URL+"/whoami", name, value); !strings.Contains(f.body, `"logged_in":true`) {
			t.Fatalf("replica %d before logout: %s", i, f.body)
		}
	}
	if status, _ := br.get(t, apps[0].URL+LogoutPath+"?_target_url=/page"); status != 200 {
		t.Fatalf("logout = %d", status)
	}
	if b.count != 1 {
		t.Errorf("logout published %d revocations; want 1", b.count)
	}
	for i, a := range apps {
		if f := withCookie(t, a.URL+"/whoami", name, value); strings.Contains(f.body, `"logged_in":true`) {
			t.Errorf("replica %d with the feed accepts the logged-out cookie: %s", i, f.body)
		}
	}
	for i, a := range plain {
		if f := withCookie(t, a.URL+"/whoami", name, value); !strings.Contains(f.body, `"logged_in":true`) {
			t.Errorf("replica %d without a feed: %s; want still logged in until it revalidates", i, f.body)
		}
	}
}

// TestLogoutEverywhere: "log out all my devices" from one browser ends the
// sessions of the same user in other browsers on every replica, leaves
// another user alone, and lets the user sign in again a second later.
func TestLogoutEverywhere(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{Users: []mock.User{mock.DefaultUser(), mock.NewUser("someone-else")}})
	apps, _ := feedReplicas(t, prov)
	name := apps[0].oauth.sessions.Name()
	first, second := newBrowser(t), newBrowser(t)
	first.mustLogin(t, apps[0])
	second.mustLogin(t, apps[1])
	kept := second.cookie(t, apps[1].URL, name)
	setUser(t, prov, "someone-else")
	other := newBrowser(t)
	other.mustLogin(t, apps[2])
	otherValue := other.cookie(t, apps[2].URL, name)

	if status, _ := first.get(t, apps[0].URL+LogoutPath+"?everywhere=1&_target_url=/page"); status != 200 {
		t.Fatalf("logout everywhere = %d", status)
	}
	if w := first.whoami(t, apps[0].URL); w.LoggedIn {
		t.Errorf("the browser that logged out everywhere is still logged in")
	}
	for i, a := range apps {
		if f := withCookie(t, a.URL+"/whoami", name, kept); strings.Contains(f.body, `"logged_in":true`) {
			t.Errorf("replica %d accepts the second browser's session: %s", i, f.body)
		}
		if f := withCookie(t, a.URL+"/whoami", name, otherValue); !strings.Contains(f.body, `"logged_in":true`) {
			t.Errorf("replica %d logged another user out: %s", i, f.body)
		}
	}
	if err := apps[0].oauth.LogoutEverywhere(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil)); !errors.Is(err, ErrLoginRequired) {
		t.Errorf("LogoutEverywhere without a session = %v; want ErrLoginRequired", err)
	}
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	setUser(t, prov, mock.DefaultUser().PreferredUsername)
	again := newBrowser(t)
	again.mustLogin(t, apps[1])
	if w := again.whoami(t, apps[2].URL); !w.LoggedIn {
		t.Errorf("a sign-in after the logout everywhere is refused")
	}
}

// TestFeedRefuse: while a fail-closed feed says so, every session is
// refused and its cookies are kept; once it is back they are accepted.
func TestFeedRefuse(t *testing.T) {
	t.Parallel()
	f := &memFeed{b: &bus{}}
	a := newApp(t, Config{Mode: ModeMock, SessionSecret: "test-session-secret-0123456789abcdef", RevocationFeed: f})
	value := sessionValue(t, a)
	name := a.oauth.sessions.Name()
	f.refuse(true)
	r := withCookie(t, a.URL+"/whoami", name, value)
	if strings.Contains(r.body, `"logged_in":true`) || r.expired(name) {
		t.Errorf("refusing: %s, cookie expired %v; want logged out, cookie kept", r.body, r.expired(name))
	}
	f.refuse(false)
	if r := withCookie(t, a.URL+"/whoami", name, value); !strings.Contains(r.body, `"logged_in":true`) {
		t.Errorf("after refusal ended: %s", r.body)
	}
}

// TestFeedURL: RevocationFeedURL opens through the opener registered for
// its scheme, Close closes what it opened, and a scheme nobody registered
// (or a bad URL) is a configuration error that never quotes the URL, whose
// password is a secret.
func TestFeedURL(t *testing.T) {
	t.Parallel()
	opened := &memFeed{b: &bus{}}
	RegisterRevocationFeed(func(string, *slog.Logger) (RevocationFeed, error) { return opened, nil }, "memfeed-test")
	o, err := New(Config{Mode: ModeMock, RevocationFeedURL: "memfeed-test://host", Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if o.feed != opened || opened.refuse == nil {
		t.Fatalf("the registered feed was not started")
	}
	o.Close()
	if !opened.closed {
		t.Errorf("Close left the feed it opened open")
	}
	for _, u := range []string{"unregistered://user:hunter2secret@host:6379", "redis://user:hunter2secret@", "::hunter2secret"} {
		_, err := New(Config{Mode: ModeMock, RevocationFeedURL: u, Logger: discardLogger()})
		if !errors.Is(err, ErrConfig) || strings.Contains(err.Error(), "hunter2secret") || !strings.Contains(err.Error(), EnvRedisURL) {
			t.Errorf("New with %q: %v; want ErrConfig naming %s, not quoting the URL", u, err, EnvRedisURL)
		}
	}
	_, err = New(Config{Mode: ModeMock, RevocationFeedURL: "memfeed-test://host", RevocationFeed: opened})
	if !errors.Is(err, ErrConfig) {
		t.Errorf("both RevocationFeed and RevocationFeedURL: %v; want ErrConfig", err)
	}
}

// TestRevocationText: the text form round-trips, and what a store's writer
// could put there instead is refused.
func TestRevocationText(t *testing.T) {
	t.Parallel()
	for _, r := range []Revocation{
		{Key: [16]byte{1, 2, 3}, Until: 1700000000},
		{Key: [16]byte{255, 254}, User: true, Before: 1600000000, Until: 1700000000},
		{Key: [16]byte{9}, Until: 1700000000, Tag: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}},
	} {
		b, _ := r.MarshalText()
		var got Revocation
		if err := got.UnmarshalText(b); err != nil || got != r {
			t.Errorf("%s: %+v, %v; want %+v", b, got, err, r)
		}
	}
	for _, bad := range []string{"", "s", "s..1", "s.AAAAAAAAAAAAAAAAAAAAAA", "s.AAAAAAAAAAAAAAAAAAAAAA.0", "s.AAAAAAAAAAAAAAAAAAAAAA.-5",
		"x.AAAAAAAAAAAAAAAAAAAAAA.5", "s.AAAAAAAAAAAAAAAAAAAAA.5", "s.AAAAAAAAAAAAAAAAAAAAAA=.5", "u.AAAAAAAAAAAAAAAAAAAAAA.5",
		"u.AAAAAAAAAAAAAAAAAAAAAA.0.5", "s.AAAAAAAAAAAAAAAAAAAAAA.5.5", "s.AAAAAAAAAAAAAAAAAAAAAA.99999999999999999999", strings.Repeat("s", 100),
		"s.AAAAAAAAAAAAAAAAAAAAAA.5.AAAAAAAAAA", "s.AAAAAAAAAAAAAAAAAAAAAA.5.AAAAAAAAAAAA", "u.AAAAAAAAAAAAAAAAAAAAAA.5.AAAAAAAAAAA"} {
		var r Revocation
		if err := r.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q read as %+v; want an error", bad, r)
		}
	}
}

// FuzzRevocationText: any text either fails or reads as a Revocation whose
// own text reads back the same.
func FuzzRevocationText(f *testing.F) {
	f.Add("s.AQIDAAAAAAAAAAAAAAAAAA.1700000000.AQIDBAUGBwg")
	f.Add("u.__4AAAAAAAAAAAAAAAAAAA.1600000000.1700000000.AQIDBAUGBwg")
	f.Fuzz(func(t *testing.T, s string) {
		var r Revocation
		if r.UnmarshalText([]byte(s)) != nil {
			return
		}
		b, _ := r.MarshalText()
		var back Revocation
		if err := back.UnmarshalText(b); err != nil || back != r {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, r, b, back, err)
		}
	})
}

// TestFeedMemoryBounded: the memory keeps at most maxLogouts sign-ins and
// users, forgetting the ended ones, then those that end soonest.
func TestFeedMemoryBounded(t *testing.T) {
	t.Parallel()
	var f feedMemory
	const now = 1000
	for i := range maxLogouts + 10 {
		var k [16]byte
		binary.LittleEndian.PutUint32(k[:4], uint32(i)) //nolint:gosec // G115: i counts up from 0
		f.put(Revocation{Key: k, Until: now + 1 + int64(i)}, now)
		f.put(Revocation{Key: k, User: true, Before: now, Until: now + 1 + int64(i)}, now)
	}
	if len(f.ids) > maxLogouts || len(f.users) > maxLogouts {
		t.Fatalf("memory holds %d sign-ins, %d users; want at most %d", len(f.ids), len(f.users), maxLogouts)
	}
	var last [16]byte
	binary.LittleEndian.PutUint32(last[:4], maxLogouts+9) // the key the loop gave its last entry
	if _, ok := f.ids[last]; !ok {
		t.Errorf("the latest-ending sign-in was forgotten")
	}
	if f.put(Revocation{Key: last, Until: now}, now) {
		t.Errorf("an ended revocation was recorded")
	}
}

// fillFeedMemory puts n revocations (of users, or of sign-ins) into a new
// memory and returns it.
func fillFeedMemory(n int, user bool) *feedMemory {
	f := &feedMemory{}
	for i := range n {
		var k [16]byte
		binary.LittleEndian.PutUint32(k[:4], uint32(i)) //nolint:gosec // G115: i counts up from 0
		f.put(Revocation{Key: k, User: user, Before: 1, Until: 2000}, 1000)
	}
	return f
}

// TestFeedMemoryBytes bounds what the memory costs per revocation by all
// the bytes allocated while filling it with 10,000 (map growth included,
// so an overestimate, which other goroutines' allocations can only raise).
// BenchmarkFeedMemory measures the bytes kept.
func TestFeedMemoryBytes(t *testing.T) {
	const n = 10000
	for _, user := range []bool{false, true} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f := fillFeedMemory(n, user)
		runtime.ReadMemStats(&after)
		if per := (after.TotalAlloc - before.TotalAlloc) / n; per > 256 {
			t.Errorf("user=%v: %d bytes allocated per revocation; want at most 256", user, per)
		}
		runtime.KeepAlive(f)
	}
}

// BenchmarkFeedMemory reports the heap a memory of 10,000 revocations
// keeps, per revocation (B/entry), for sign-ins and for users.
func BenchmarkFeedMemory(b *testing.B) {
	const n = 10000
	for _, user := range []bool{false, true} {
		b.Run(map[bool]string{false: "sign-ins", true: "users"}[user], func(b *testing.B) {
			var kept float64
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				f := fillFeedMemory(n, user)
				runtime.GC()
				runtime.ReadMemStats(&after)
				kept = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / n
				runtime.KeepAlive(f)
			}
			b.ReportMetric(kept, "B/entry")
		})
	}
}

// TestFeedRefreshRacingLogout: replica B refreshes a session (its new
// cookie still on its way to the browser) while replica A logs the old
// cookie out. Without a feed, the other replicas accept B's new cookie, as
// docs/sessions.md says; with one, every replica refuses both cookies,
// since a refresh keeps the sign-in key the revocation names.
func TestFeedRefreshRacingLogout(t *testing.T) {
	t.Parallel()
	for _, feed := range []bool{false, true} {
		t.Run(map[bool]string{false: "no feed", true: "feed"}[feed], func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 3, func(c *Config) {
				if feed {
					c.RevocationFeed = &memFeed{b: &bus{}}
				}
			})
			old, current := refreshedPairOn(t, w, 1)
			w.logoutWith(t, 0, old)
			for i := 1; i < 3; i++ {
				got, _, _ := w.whoami(t, i, current)
				if got.LoggedIn != !feed {
					t.Errorf("the refreshed cookie on replica %d: logged in %v; want %v", i, got.LoggedIn, !feed)
				}
			}
			if feed {
				for i := range 3 {
					if got, _, _ := w.whoami(t, i, old); got.LoggedIn {
						t.Errorf("the logged-out cookie on replica %d is logged in", i)
					}
				}
			}
		})
	}
}

// refreshedPairOn logs in on replica 0 and has replica i refresh the
// session: the cookie before and the one i minted.
func refreshedPairOn(t *testing.T, w *world, i int) (old, current string) {
	t.Helper()
	old, who := w.login(t)
	w.clk.Advance(who.Info.AccessTokenExpiresAt.Sub(w.clk.Now()) - time.Hour + time.Minute)
	got, current, _ := w.whoami(t, i, old)
	if !got.LoggedIn || current == "" || got.Token == who.Token {
		t.Fatalf("refresh on replica %d: logged in %v, Set-Cookie %v; want a refreshed session", i, got.LoggedIn, current != "")
	}
	return old, current
}
