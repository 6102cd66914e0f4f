package hfauth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// BenchmarkAuthIdle is the cost of a user's return after the access token
// ended (issue 17, item 7) beside the ordinary request, in one run:
//
//   - cached: a request with a session this replica already verified, not
//     due: the normal path of Auth, no I/O;
//   - idle_refresh: a request whose 8-hour token ended an hour before:
//     the refresh grant and userinfo, each a round trip to the mock
//     provider over loopback (its RS256 signing of the refreshed id_token
//     included), the id_token check, then the new cookie and the normal
//     path. Each iteration comes 9 hours after the previous one's session.
//
// The replica is served in process; only the provider is over the network.
func BenchmarkAuthIdle(b *testing.B) {
	const ttl = 8 * time.Hour
	clk := stoppedClock()
	prov := mock.NewServer(b, mock.Config{Now: clk.Now, AccessTokenTTL: ttl})
	cfg := realConfig(prov)
	cfg.Now, cfg.Logger, cfg.SessionMaxAge = clk.Now, discardLogger(), 200*365*24*time.Hour
	a := newApp(b, cfg)
	br := newBrowser(b)
	br.mustLogin(b, a)
	cookie := a.oauth.sessions.Name() + "=" + br.cookie(b, a.URL, a.oauth.sessions.Name())
	req := httptest.NewRequest(http.MethodGet, "/page", nil)
	w := &sink{h: http.Header{}}
	b.Run("cached", func(b *testing.B) {
		req.Header.Set("Cookie", cookie)
		a.h.ServeHTTP(w, req)
		if sessionFrom(w.h, a.oauth.sessions.Name()) != "" {
			b.Fatal("the session was renewed: not the cached path")
		}
		serveLoop(b, a.h, req)
	})
	b.Run("idle_refresh", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			clk.Advance(ttl + time.Hour)
			req.Header.Set("Cookie", cookie)
			clear(w.h)
			a.h.ServeHTTP(w, req)
			if cookie = sessionFrom(w.h, a.oauth.sessions.Name()); cookie == "" || !strings.HasPrefix(cookie, a.oauth.sessions.Name()+"=") {
				b.Fatal("the request did not refresh its session")
			}
		}
	})
}
