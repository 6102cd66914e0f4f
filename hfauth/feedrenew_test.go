package hfauth

// This file tests a refresh under way on one replica as a logout on
// another reaches it through the revocation feed.

import (
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// TestFeedLogoutOvertakesRefreshElsewhere is TestLogoutOvertakesRefresh
// across replicas with a revocation feed: a request on replica B waits on
// a refresh while the browser logs out on replica A (a provider with no
// revocation endpoint, so B's refresh wins at the provider). The feed
// brings the logout to B before the refresh ends, so the request gets no
// cookie of the refreshed session and is logged out.
func TestFeedLogoutOvertakesRefreshElsewhere(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2, func(c *Config) { c.RevocationFeed = &memFeed{b: &bus{}} })
	w.prov.SetFaults(mock.Faults{NoRevocationEndpoint: true})
	value, _ := w.login(t)
	w.clk.Advance(7*time.Hour + 30*time.Minute)
	w.prov.SetFaults(mock.Faults{NoRevocationEndpoint: true, RefreshDelay: 1500 * time.Millisecond})
	before := w.calls()
	answered := make(chan fetched, 1)
	go func() { answered <- w.get(t, 1, "/whoami", value) }()
	for w.calls().token == before.token { // B's refresh has reached the provider
		time.Sleep(5 * time.Millisecond)
	}
	w.logoutWith(t, 0, value)
	f := <-answered
	if set := f.sessionSet(w.name); set != "" || !strings.Contains(f.body, `"logged_in":false`) {
		t.Errorf("the request on B that waited on the refresh: %d %s, sets a session cookie %v; want logged out, no cookie",
			f.StatusCode, f.body, set != "")
	}
}
