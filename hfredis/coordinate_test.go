package hfredis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/echohf/echohf/hfauth"
	"github.com/echohf/echohf/internal/redistest"
	"github.com/echohf/echohf/mock"
)

// skewClock is the real clock moved forward by a shift the test sets, so
// that a session comes due at once while Redis's own times stay real.
type skewClock struct{ shift atomic.Int64 }

func (c *skewClock) Now() time.Time { return time.Now().Add(time.Duration(c.shift.Load())) }

func (c *skewClock) advance(d time.Duration) { c.shift.Add(int64(d)) }

// handedOver is the log line of a replica that served another's refresh.
const handedOver = "handed over through the revocation feed"

// refreshReplica is a replica like newReplica's, on clk, with a feed on
// redisURL ("" for none), whose GET /whoami answers "in:NAME:HASH", HASH
// naming the access token it was served with (never the token itself).
func refreshReplica(t testing.TB, prov *mock.Server, redisURL string, clk *skewClock) *replica {
	t.Helper()
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	cfg := hfauth.Config{
		Mode: hfauth.ModeReal, SpaceID: "test/space", ClientID: mock.TestClientID, ClientSecret: mock.TestClientSecret,
		Scopes: []string{"openid", "profile"}, ProviderURL: prov.URL, SessionSecret: "test-session-secret-0123456789abcdef",
		HFEndpoint: "http://127.0.0.1:1", Timeout: 2 * time.Second, Logger: logger, Now: clk.Now,
	}
	var feed *Feed
	if redisURL != "" {
		fc, err := ParseURL(redisURL)
		if err != nil {
			t.Fatal(err)
		}
		fc.Logger, fc.Prefix = logger, "test:"
		if feed, err = New(fc); err != nil {
			t.Fatal(err)
		}
		cfg.RevocationFeed = feed
	}
	o, err := hfauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := serveReplica(t, o, feed, logs, func(info *hfauth.OAuthInfo) string {
		sum := sha256.Sum256([]byte(info.AccessToken))
		return info.UserInfo.PreferredUsername + ":" + hex.EncodeToString(sum[:6])
	})
	if feed != nil {
		waitFor(t, 5*time.Second, "feed in sync", func() bool { return feed.Err() == nil })
	}
	return r
}

// refreshWorld is the mock provider and three replicas on one clock.
func refreshWorld(t testing.TB, redisURL string) (*mock.Server, *skewClock, []*replica) {
	t.Helper()
	clk := &skewClock{}
	prov := mock.NewServer(t, mock.Config{Now: clk.Now, Users: []mock.User{mock.DefaultUser(), mock.NewUser("other")}})
	return prov, clk, []*replica{refreshReplica(t, prov, redisURL, clk), refreshReplica(t, prov, redisURL, clk), refreshReplica(t, prov, redisURL, clk)}
}

// race sends n requests of cookie at once, spread over rs, and returns
// their answers (status and body), each checked to come within within.
func race(t *testing.T, rs []*replica, cookie string, n int, within time.Duration) []string {
	t.Helper()
	out := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			start := time.Now()
			status, body := get(t, http.DefaultClient, rs[i%len(rs)].URL+"/whoami", cookie)
			if took := time.Since(start); took > within {
				t.Errorf("request %d on replica %d took %v, beyond %v", i, i%len(rs), took, within)
			}
			if status != http.StatusOK {
				t.Errorf("request %d on replica %d: status %d", i, i%len(rs), status)
			}
			out[i] = body
		})
	}
	wg.Wait()
	return out
}

// handovers counts the replicas of rs that logged serving another's refresh.
func handovers(rs []*replica) (n int) {
	for _, r := range rs {
		if strings.Contains(r.logs.String(), handedOver) {
			n++
		}
	}
	return n
}

// TestThreeReplicasRefresh is issue 19 item 3's concurrent three-replica
// test: requests of one due session spread over three replicas at once.
// With the feed on a real redis-server, the provider sees one refresh grant
// and no invalid_grant, every request is served with the same new session,
// and the two replicas that lost the lock serve the winner's session
// handed over through Redis, the old cookie included once the race is
// over. Without the feed, the row shows what the feed removes:
// two invalid_grants, and the old session served in its grace.
func TestThreeReplicasRefresh(t *testing.T) {
	t.Parallel()
	srv := redistest.New(t)
	for _, tc := range []struct {
		name      string
		redisURL  string
		refused   int
		handovers int
	}{
		{"redis", srv.URL(), 0, 2},
		{"no feed", "", 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			prov, clk, rs := refreshWorld(t, tc.redisURL)
			cookie := login(t, browser(t), rs[0])
			before := whoami(t, rs[1], cookie)
			prov.SetFaults(mock.Faults{RefreshDelay: 300 * time.Millisecond}) // every replica asks while the first refresh is under way
			clk.advance(7*time.Hour + 30*time.Minute)
			start := time.Now()
			answers := race(t, rs, cookie, 12, 3*time.Second)
			t.Logf("12 requests across three replicas, refresh grant delayed 300 ms: all answered in %v", time.Since(start))
			prov.SetFaults(mock.Faults{})
			got := prov.Grants(mock.GrantRefreshToken)
			if got.Issued != 1 || got.Refused != tc.refused {
				t.Errorf("refresh grants %+v; want 1 issued and %d refused", got, tc.refused)
			}
			fresh := map[string]int{}
			for i, a := range answers {
				if !strings.HasPrefix(a, "in:mockuser:") {
					t.Fatalf("request %d: %q; want served signed in", i, a)
				}
				if a != before {
					fresh[a]++
				}
			}
			if len(fresh) != 1 {
				t.Errorf("new sessions served: %v; want one", fresh)
			}
			after := make([]string, len(rs))
			for i, r := range rs {
				after[i] = whoami(t, r, cookie)
			}
			if tc.refused == 0 {
				for i, a := range answers {
					if a == before {
						t.Errorf("request %d served the old session", i)
					}
				}
				for i, a := range after {
					if _, ok := fresh[a]; !ok {
						t.Errorf("the old cookie after the race on replica %d: %q; want the new session", i, a)
					}
				}
			} else if !strings.Contains(strings.Join(answers, " ")+strings.Join(after, " "), before) {
				t.Error("without a feed, no request was served in the grace")
			}
			if n := handovers(rs); n != tc.handovers {
				t.Errorf("%d replicas served a session handed over through Redis; want %d", n, tc.handovers)
			}
			if tc.redisURL != "" {
				redisHoldsNoClearSession(t, tc.redisURL)
			}
		})
	}
}

// TestRefreshForgedResult: a value written to Redis under a refresh's
// result key by someone else, garbage or the genuine sealed result of
// another user's refresh, is refused: the session is served as before, as
// its own user, never as another.
func TestRefreshForgedResult(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		other bool
	}{{"garbage", false}, {"another user's result", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := redistest.New(t) // its own: the forger takes the first lock it sees
			prov, clk, rs := refreshWorld(t, srv.URL())
			victim := login(t, browser(t), rs[0])
			if err := prov.SetUser("other"); err != nil {
				t.Fatal(err)
			}
			intruder := login(t, browser(t), rs[0])
			rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
			t.Cleanup(func() { _ = rdb.Close() })
			ctx := context.Background()
			clk.advance(7*time.Hour + 30*time.Minute)
			forged := []byte("v1.not-a-sealed-session")
			if tc.other { // the intruder refreshes first: its sealed result is in Redis
				if got := whoami(t, rs[0], intruder); !strings.HasPrefix(got, "in:other:") {
					t.Fatalf("intruder's refresh: %q", got)
				}
				keys, err := rdb.Keys(ctx, "test:refresh:*:done").Result()
				if err != nil || len(keys) != 1 {
					t.Fatalf("result keys %v, %v; want the intruder's one", keys, err)
				}
				if forged, err = rdb.Get(ctx, keys[0]).Bytes(); err != nil {
					t.Fatal(err)
				}
			}
			prov.SetFaults(mock.Faults{RefreshDelay: 300 * time.Millisecond})
			written := make(chan struct{})
			go func() { // as soon as the victim's lock is taken, forge its result
				defer close(written)
				for start := time.Now(); time.Since(start) < 2*time.Second; time.Sleep(time.Millisecond) {
					locks, _ := rdb.Keys(ctx, "test:refresh:*:lock").Result()
					for _, l := range locks {
						done := strings.TrimSuffix(l, ":lock") + ":done"
						if rdb.Exists(ctx, done).Val() == 0 {
							rdb.Set(ctx, done, forged, time.Minute)
							return
						}
					}
				}
				t.Error("no refresh lock seen")
			}()
			answers := race(t, rs, victim, 9, 3*time.Second)
			<-written
			for i, a := range answers {
				if !strings.HasPrefix(a, "in:mockuser:") {
					t.Errorf("request %d of the victim: %q; want served as mockuser", i, a)
				}
			}
			refused := 0
			for _, r := range rs {
				if strings.Contains(r.logs.String(), "does not check") {
					refused++
				}
				if a := whoami(t, r, victim); a != "out" && !strings.HasPrefix(a, "in:mockuser:") {
					t.Errorf("the victim's cookie after the race: %q", a)
				}
			}
			if refused == 0 {
				t.Error("no replica logged refusing the forged result")
			}
		})
	}
}

// TestRefreshRedisKilled: Redis killed while a coordinated refresh is under
// way. Every request is still served signed in, within Timeout, never a 5xx
// (the replicas refresh alone, as without a feed).
func TestRefreshRedisKilled(t *testing.T) {
	t.Parallel()
	srv := redistest.New(t)
	prov, clk, rs := refreshWorld(t, srv.URL())
	cookie := login(t, browser(t), rs[0])
	prov.SetFaults(mock.Faults{RefreshDelay: 400 * time.Millisecond})
	clk.advance(7*time.Hour + 30*time.Minute)
	go func() {
		time.Sleep(100 * time.Millisecond)
		srv.Stop()
	}()
	for i, a := range race(t, rs, cookie, 9, 2*time.Second+500*time.Millisecond) {
		if !strings.HasPrefix(a, "in:mockuser:") {
			t.Errorf("request %d: %q; want served signed in", i, a)
		}
	}
	if got := prov.Grants(mock.GrantRefreshToken); got.Issued != 1 {
		t.Errorf("refresh grants %+v; want one issued", got)
	}
}

// TestRefreshLock (miniredis): the lock goes to one claimer; the others see
// it held and no result until the winner shares one, which every later
// claim gets instead of the lock (even once the lock has expired); a
// winner with nothing to share releases the lock; keys carry the prefix.
func TestRefreshLock(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	a, _ := miniFeed(t, mr, "p1:", &logBuffer{})
	b, _ := miniFeed(t, mr, "p1:", &logBuffer{})
	ctx := context.Background()
	if won, res, err := a.ClaimRefresh(ctx, "k1", time.Second); !won || res != nil || err != nil {
		t.Fatalf("first claim: %v %q %v; want won", won, res, err)
	}
	if won, res, err := b.ClaimRefresh(ctx, "k1", time.Second); won || res != nil || err != nil {
		t.Fatalf("second claim: %v %q %v; want lost, no result yet", won, res, err)
	}
	if res, held, err := b.RefreshResult(ctx, "k1"); res != nil || !held || err != nil {
		t.Fatalf("result while refreshing: %q %v %v; want none, held", res, held, err)
	}
	if err := a.ShareRefresh(ctx, "k1", []byte("sealed"), 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if res, _, err := b.RefreshResult(ctx, "k1"); string(res) != "sealed" || err != nil {
		t.Fatalf("result: %q %v", res, err)
	}
	mr.FastForward(2 * time.Second) // the lock has expired, the result not
	if won, res, err := b.ClaimRefresh(ctx, "k1", time.Second); won || string(res) != "sealed" || err != nil {
		t.Fatalf("late claim: %v %q %v; want the result", won, res, err)
	}
	if !mr.Exists("p1:refresh:k1:done") {
		t.Error("the result is not under the prefix")
	}
	mr.FastForward(30 * time.Second)
	if mr.Exists("p1:refresh:k1:done") {
		t.Error("the result outlives its ttl")
	}
	if won, _, _ := a.ClaimRefresh(ctx, "k2", time.Minute); !won {
		t.Fatal("claim k2 lost")
	}
	if err := a.ShareRefresh(ctx, "k2", nil, time.Minute); err != nil {
		t.Fatal(err)
	}
	if res, held, err := b.RefreshResult(ctx, "k2"); res != nil || held || err != nil {
		t.Errorf("after a winner with nothing to share: %q %v %v; want no result, lock released", res, held, err)
	}
	if won, _, _ := b.ClaimRefresh(ctx, "k2", time.Minute); !won {
		t.Error("the released lock cannot be taken again")
	}
}

// redisHoldsNoClearSession fails t unless Redis holds exactly one
// refresh's result (and its lock, unless ended), the result holding no token, no
// user name and nothing that reads as JSON in clear.
func redisHoldsNoClearSession(t *testing.T, redisURL string) {
	t.Helper()
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer func() { _ = rdb.Close() }()
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var locks, results int
	for _, k := range keys {
		switch {
		case strings.HasPrefix(k, "test:refresh:") && strings.HasSuffix(k, ":lock"):
			locks++
		case strings.HasPrefix(k, "test:refresh:") && strings.HasSuffix(k, ":done"):
			results++
			v, err := rdb.Get(ctx, k).Result()
			if err != nil || strings.Contains(v, "hf_oauth") || strings.Contains(v, "mockuser") || strings.Contains(v, "{") {
				t.Errorf("result %q: %v; want sealed", v, err)
			}
		default:
			t.Errorf("Redis holds key %q", k)
		}
	}
	if locks > 1 || results != 1 { // the lock ends after Timeout (2 s), the result after 30 s
		t.Errorf("Redis holds %d locks and %d results; want one result, and its lock at most", locks, results)
	}
}
