package hfauth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/echohf/echohf/jwtstore"
	"github.com/echohf/echohf/mock"
)

// discard is a ResponseWriter that drops everything: what a store writes
// when only its result matters.
type discard struct{ h http.Header }

// Header returns headers that are thrown away.
func (d discard) Header() http.Header { return d.h }

// Write drops p.
func (d discard) Write(p []byte) (int, error) { return len(p), nil }

// WriteHeader drops the status.
func (d discard) WriteHeader(int) {}

// copySession returns a copy of the stored fields of s (store changes the
// organizations of the session it is given).
func copySession(s *session) *session {
	c := &session{Token: s.Token, Refresh: s.Refresh, Expires: s.Expires, Issued: s.Issued, Checked: s.Checked,
		Login: s.Login, Scope: s.Scope, State: s.State, User: s.User}
	c.User.Orgs = append([]OAuthOrgInfo(nil), s.User.Orgs...)
	return c
}

// fixedSession is realisticSession with its random parts (the sealed
// tokens, the state id) replaced by seeded strings of the same shapes, so
// that its cookie has the same size run after run.
func fixedSession(tb testing.TB, o *OAuth, seed uint64, orgs int) *session {
	tb.Helper()
	s := realisticSession(tb, o, seed, orgs)
	r := seeded(seed, 0xf1ed)
	s.Token = fmt.Sprintf("%s.%s", s.Token[:indexByte(s.Token, '.')], base62(r, len(s.Token)-indexByte(s.Token, '.')-1))
	s.Refresh = fmt.Sprintf("%s.%s", s.Refresh[:indexByte(s.Refresh, '.')], base62(r, len(s.Refresh)-indexByte(s.Refresh, '.')-1))
	s.State = base62(r, len(s.State))
	return s
}

func indexByte(s string, c byte) int {
	for i := range len(s) {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// scriptClock answers Now with the times of a script, the last one over
// and over, counting the calls.
type scriptClock struct {
	mu    sync.Mutex
	times []time.Time
	calls int
}

func (c *scriptClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	t := c.times[min(c.calls, len(c.times))-1]
	return t
}

// TestStoreAtCookieLimit: a session whose organizations are cut to fit the
// cookies is stored even when the clock moves during the store. A 1,000-org
// user's name is padded so that, at the second the size search runs, the
// largest organization list that fits leaves no byte to spare; the cookie
// is then minted a moment later, when its timestamps compress a byte or two
// worse. Storing read the clock for every probe of its search and again for
// the cookie it wrote, which then did not fit: ErrTooLarge, a 500 at login
// or a skipped renewal.
func TestStoreAtCookieLimit(t *testing.T) {
	t.Parallel()
	clk := &scriptClock{times: []time.Time{time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)}}
	cfg := realConfig(mock.NewServer(t, mock.Config{}))
	cfg.Now = clk.Now
	cfg.Logger = slog.New(slog.DiscardHandler)
	o, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	s := fixedSession(t, o, 2, 1000)
	expires := o.cookieExpiry(s)
	search := time.Unix(s.Issued, 0)
	bare := copySession(s)
	for i := range bare.User.Orgs {
		bare.User.Orgs[i].Picture = ""
	}
	room := func(n int, at time.Time) int {
		c := copySession(bare)
		c.User.Orgs = c.User.Orgs[:n]
		m, err := o.sessions.Mint(c, expires, at)
		if err != nil {
			t.Fatal(err)
		}
		return m.Room()
	}
	lo, hi := 0, len(bare.User.Orgs) // fits, does not fit
	for lo+1 < hi {
		if n := (lo + hi) / 2; room(n, search) >= 0 {
			lo = n
		} else {
			hi = n
		}
	}
	// Pad the user's name until the lo organizations leave at most a byte.
	name := s.User.Name
	for pad := 1; room(lo, search) > 1; pad++ {
		if pad > 200 {
			t.Fatal("no padding of the name brings the cookie to its limit")
		}
		bare.User.Name = name + " " + base62(seeded(uint64(pad), 3), pad)
		if room(lo, search) < 0 {
			lo--
		}
	}
	s.User.Name = bare.User.Name
	// A later second at which the same cookie is larger.
	later := search
	for i := 1; room(lo, later) >= 0; i++ {
		if i > 600 {
			t.Fatal("no later second makes the cookie larger")
		}
		later = search.Add(time.Duration(i) * time.Second)
	}
	if room(lo+1, search) >= 0 {
		t.Fatalf("%d organizations fit too; want %d at the limit", lo+1, lo)
	}

	// Any clock reading the store makes of its own: all at search but the
	// last, which is later (when it makes one, it is the one that counts).
	dry := &scriptClock{times: []time.Time{search}}
	cfg.Now = dry.Now
	counted, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(counted.Close)
	if err := counted.store(discard{http.Header{}}, nil, copySession(s), search); err != nil {
		t.Fatalf("store at a stopped clock: %v", err)
	}
	clk.mu.Lock()
	clk.times, clk.calls = nil, 0
	for range dry.calls - 1 {
		clk.times = append(clk.times, search)
	}
	clk.times = append(clk.times, later)
	clk.mu.Unlock()
	t.Logf("%d organizations fit at %v with %d bytes to spare, %d at %v; the store reads the clock %d times",
		lo, search.Unix(), room(lo, search), room(lo, later), later.Unix(), dry.calls)
	if dry.calls != 0 {
		t.Errorf("store read the clock %d times; want none: it stores at the reading it is given", dry.calls)
	}

	got := copySession(s)
	if err := o.store(discard{http.Header{}}, nil, got, search); err != nil {
		t.Fatalf("store: %v (errors.Is ErrTooLarge: %v)", err, errors.Is(err, jwtstore.ErrTooLarge))
	}
	if len(got.User.Orgs) != lo {
		t.Errorf("kept %d organizations; want %d", len(got.User.Orgs), lo)
	}
}

// TestSaveSessionReadsClockOnce: signing a user in reads the clock once,
// for the session's times and its cookie's, whether the session fits or has
// its organizations cut.
func TestSaveSessionReadsClockOnce(t *testing.T) {
	t.Parallel()
	for _, orgs := range []int{3, 1000} {
		t.Run(fmt.Sprintf("%d orgs", orgs), func(t *testing.T) {
			t.Parallel()
			start := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
			clk := &scriptClock{}
			for i := range 100 {
				clk.times = append(clk.times, start.Add(time.Duration(i)*time.Second))
			}
			cfg := realConfig(mock.NewServer(t, mock.Config{}))
			cfg.Now = clk.Now
			cfg.Logger = slog.New(slog.DiscardHandler)
			o, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(o.Close)
			info := &OAuthInfo{AccessToken: "hf_oauth_token", AccessTokenExpiresAt: start.Add(8 * time.Hour),
				UserInfo: userInfoOf(t, realisticUser(seeded(4, 5), orgs))}
			clk.mu.Lock()
			clk.calls = 0
			clk.mu.Unlock()
			rec := httptest.NewRecorder()
			if err := o.SaveSession(rec, nil, info); err != nil {
				t.Fatal(err)
			}
			read := clk.calls
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("Cookie", cookieHeader(rec))
			s, err := o.sessions.Load(req)
			if err != nil {
				t.Fatal(err)
			}
			if read != 1 || s.Login != start.Unix() {
				t.Errorf("SaveSession read the clock %d times, signed in at %d; want once, at %d", read, s.Login, start.Unix())
			}
			if left := int(o.cookieExpiry(s).Sub(start) / time.Second); !maxAgeIs(rec, left) {
				t.Errorf("cookies' Max-Age is not counted from the one reading (%d seconds before the session ends)", left)
			}
		})
	}
}

// TestAuthenticateReadsClockOnce: the authenticate step reads the clock once
// a request, for the cookie's times (jwtstore) and the session's end, due
// time and logout memory alike, whether jwtstore's cache has the session or
// not. It read it twice; on a machine whose clock takes 60 ns to read, that
// was a fifth of Auth's own work on a cached session.
func TestAuthenticateReadsClockOnce(t *testing.T) {
	t.Parallel()
	for _, cacheSize := range []int{0, -1} {
		t.Run(fmt.Sprintf("cache %d", cacheSize), func(t *testing.T) {
			t.Parallel()
			start := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
			clk := &scriptClock{times: []time.Time{start}}
			cfg := realConfig(mock.NewServer(t, mock.Config{}))
			cfg.Now, cfg.SessionCacheSize = clk.Now, cacheSize
			cfg.Logger = slog.New(slog.DiscardHandler)
			o, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(o.Close)
			info := &OAuthInfo{AccessToken: "hf_oauth_token", AccessTokenExpiresAt: start.Add(8 * time.Hour),
				UserInfo: userInfoOf(t, realisticUser(seeded(6, 7), 3))}
			rec := httptest.NewRecorder()
			if err := o.SaveSession(rec, nil, info); err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("Cookie", cookieHeader(rec))
			for i := range 3 { // the first sight of the cookie, then the cached path
				clk.mu.Lock()
				clk.calls = 0
				clk.mu.Unlock()
				w := httptest.NewRecorder()
				seen := o.Authenticate(w, req)
				if seen.Info == nil || seen.Info.AccessToken != "hf_oauth_token" {
					t.Fatalf("request %d: logged out (%v)", i, w.Header())
				}
				if clk.calls != 1 {
					t.Errorf("request %d read the clock %d times; want once", i, clk.calls)
				}
			}
		})
	}
}

// maxAgeIs reports whether every cookie rec sets has Max-Age secs.
func maxAgeIs(rec *httptest.ResponseRecorder, secs int) bool {
	cs := rec.Result().Cookies()
	for _, c := range cs {
		if c.MaxAge != secs {
			return false
		}
	}
	return len(cs) > 0
}

// storeBisect is how store fitted a session before it estimated the cut,
// kept as the baseline of BenchmarkStoreLargeSession and
// TestFitSameAsBisection: a Save per candidate, bisecting the count of
// organizations, then a final Save (each at Options.Now).
func storeBisect(o *OAuth, w http.ResponseWriter, s *session) error {
	expires := o.cookieExpiry(s)
	err := o.sessions.Save(w, nil, s, expires)
	if !errors.Is(err, jwtstore.ErrTooLarge) {
		return err
	}
	all := len(s.User.Orgs)
	orgs := make([]OAuthOrgInfo, all)
	for i, org := range s.User.Orgs {
		org.Picture = ""
		orgs[i] = org
	}
	lo, hi := -1, all
	for lo+1 < hi {
		n := (lo + hi + 1) / 2
		s.User.Orgs = orgs[:n]
		if err = o.sessions.Save(discard{http.Header{}}, nil, s, expires); err == nil {
			lo = n
		} else if errors.Is(err, jwtstore.ErrTooLarge) {
			hi = n
		} else {
			return err
		}
	}
	if lo < 0 {
		return err
	}
	s.User.Orgs = orgs[:lo]
	return o.sessions.Save(w, nil, s, expires)
}

// TestFitSameAsBisection: at a stopped clock, the estimating search keeps
// the same organizations as the bisection it replaced, for realistic users
// and for thousands of tiny organizations, and writes the same cookies;
// except that when dropping the avatars is enough, it keeps every
// organization, where the bisection, which never tried the whole list,
// dropped the last one.
func TestFitSameAsBisection(t *testing.T) {
	t.Parallel()
	cfg := realConfig(mock.NewServer(t, mock.Config{}))
	cfg.Now = stoppedClock().Now
	cfg.Logger = slog.New(slog.DiscardHandler)
	o, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	tiny := fixedSession(t, o, 9, 0)
	for i := range 3000 {
		org := userInfoOf(t, mock.User{Orgs: []mock.Org{mock.NewOrg(fmt.Sprintf("org-%04d", i))}}).Orgs[0]
		org.Picture = fmt.Sprintf("https://huggingface.co/avatars/%032x.svg", i)
		tiny.User.Orgs = append(tiny.User.Orgs, org)
	}
	tests := []struct {
		name string
		s    *session
	}{{"3000 tiny orgs", tiny}}
	for seed, orgs := range []int{300, 700, 800, 1000, 1000, 2500, 4000} {
		tests = append(tests, struct {
			name string
			s    *session
		}{fmt.Sprintf("%d orgs, seed %d", orgs, seed), fixedSession(t, o, uint64(seed), orgs)})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, after := copySession(tt.s), copySession(tt.s)
			wb, wa := discard{http.Header{}}, discard{http.Header{}}
			if err := storeBisect(o, wb, before); err != nil {
				t.Fatal(err)
			}
			if err := o.store(wa, nil, after, o.cfg.Now()); err != nil {
				t.Fatal(err)
			}
			all := len(tt.s.User.Orgs)
			t.Logf("kept %d of %d organizations", len(after.User.Orgs), all)
			if len(after.User.Orgs) == all && len(before.User.Orgs) < all {
				// Without avatars, every organization fits: the bisection
				// never tried the whole list and dropped the last one.
				if len(before.User.Orgs) != all-1 {
					t.Errorf("all %d organizations kept; the bisection kept %d, want %d", all, len(before.User.Orgs), all-1)
				}
				return
			}
			if !sameSession(before, after) || !reflect.DeepEqual(wb.h, wa.h) {
				t.Errorf("kept %d organizations; the bisection kept %d", len(after.User.Orgs), len(before.User.Orgs))
			}
		})
	}
}

// BenchmarkStoreLargeSession is the cost of storing the session of a
// member of very many organizations, too many for the cookies: what every
// login, refresh and revalidation of such a user pays. "bisect" is the
// search store used before (storeBisect), "estimate" today's.
func BenchmarkStoreLargeSession(b *testing.B) {
	for _, orgs := range []int{1000, 4000} {
		for _, algo := range []string{"bisect", "estimate"} {
			b.Run(fmt.Sprintf("%d orgs/%s", orgs, algo), func(b *testing.B) {
				cfg := realConfig(mock.NewServer(b, mock.Config{}))
				cfg.Now = stoppedClock().Now
				cfg.Logger = slog.New(slog.DiscardHandler)
				o, err := New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(o.Close)
				s := realisticSession(b, o, 1, orgs)
				b.ReportAllocs()
				for b.Loop() {
					if algo == "bisect" {
						err = storeBisect(o, discard{http.Header{}}, copySession(s))
					} else {
						err = o.store(discard{http.Header{}}, nil, copySession(s), o.cfg.Now())
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
