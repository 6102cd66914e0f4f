package hfauth

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/echohf/echohf/internal/oidc"
	"github.com/echohf/echohf/mock"
)

// TestJWKSFetchedOnce: many logins fetch the JWKS once; a key rotation
// costs exactly one more fetch.
func TestJWKSFetchedOnce(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a, clk := clockedApp(t, prov)
	for i := range 5 {
		newBrowser(t).mustLogin(t, a)
		if n := prov.Requests(mock.EndpointJWKS); n != 1 {
			t.Fatalf("after login %d: JWKS requests = %d; want 1", i+1, n)
		}
	}
	prov.RotateKey()
	clk.Advance(2 * oidc.KeyFetchFloor) // past the floor: no real wait
	newBrowser(t).mustLogin(t, a)
	if n := prov.Requests(mock.EndpointJWKS); n != 2 {
		t.Fatalf("after rotation: JWKS requests = %d; want 2", n)
	}
	for range 3 {
		newBrowser(t).mustLogin(t, a)
	}
	if n := prov.Requests(mock.EndpointJWKS); n != 2 {
		t.Fatalf("after more logins: JWKS requests = %d; want 2", n)
	}
	if n := prov.Requests(mock.EndpointDiscovery); n != 1 {
		t.Errorf("discovery requests = %d; want 1", n)
	}
}

// TestJWKSRotationAfterUnknownKID: an id_token with a kid the provider does
// not publish costs a refresh and a 401, and must not hold back a real key
// rotation that comes seconds later: its new kid is fetched at once.
func TestJWKSRotationAfterUnknownKID(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a, clk := clockedApp(t, prov)
	newBrowser(t).mustLogin(t, a)
	prov.SetFaults(mock.Faults{UnknownKID: true})
	clk.Advance(2 * oidc.KeyFetchFloor)
	if status, body := newBrowser(t).login(t, a); status != http.StatusUnauthorized {
		t.Fatalf("login with an unknown kid = %d %q; want 401", status, body)
	}
	prov.SetFaults(mock.Faults{})
	prov.RotateKey()
	clk.Advance(3 * time.Second) // well within JWKSRefreshInterval
	newBrowser(t).mustLogin(t, a)
	if n := prov.Requests(mock.EndpointJWKS); n != 3 {
		t.Errorf("JWKS requests = %d; want 3 (first fetch, unknown kid, rotation)", n)
	}
}

// TestJWKSUnknownKIDFlood: many logins at once, each with a different kid
// the provider does not publish, cost at most two refreshes (one under way
// when some of them arrive, one after the floor), and all fail with 401.
func TestJWKSUnknownKIDFlood(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a, clk := clockedApp(t, prov)
	newBrowser(t).mustLogin(t, a)
	prov.SetFaults(mock.Faults{UnknownKID: true}) // a fresh kid in every id_token
	clk.Advance(2 * oidc.KeyFetchFloor)
	const logins = 16
	var wg sync.WaitGroup
	statuses := make(chan int, logins)
	for range logins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _ := newBrowser(t).login(t, a)
			statuses <- status
		}()
	}
	wg.Wait()
	close(statuses)
	for status := range statuses {
		if status != http.StatusUnauthorized {
			t.Errorf("login with an unknown kid = %d; want 401", status)
		}
	}
	if n := prov.Requests(mock.EndpointJWKS) - 1; n < 1 || n > 2 {
		t.Errorf("JWKS refreshes for %d unknown kids = %d; want 1 or 2", logins, n)
	}
}

// TestJWKSFailedRefreshRetried: a refresh that fails (the provider's JWKS
// down during a rotation) fails the logins waiting on it but refuses
// nothing: once the JWKS is back, the next login fetches the new key.
func TestJWKSFailedRefreshRetried(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a, clk := clockedApp(t, prov)
	newBrowser(t).mustLogin(t, a)
	prov.RotateKey()
	prov.SetFaults(mock.Faults{JWKSStatus: http.StatusServiceUnavailable})
	clk.Advance(2 * oidc.KeyFetchFloor)
	if status, body := newBrowser(t).login(t, a); status != http.StatusBadGateway {
		t.Fatalf("login with the JWKS down = %d %q; want 502", status, body)
	}
	prov.SetFaults(mock.Faults{})
	clk.Advance(2 * oidc.KeyFetchFloor)
	newBrowser(t).mustLogin(t, a)
	if n := prov.Requests(mock.EndpointJWKS); n != 3 {
		t.Errorf("JWKS requests = %d; want 3", n)
	}
}

// TestJWKSConcurrentRotation: concurrent logins after a rotation share one
// forced refresh.
func TestJWKSConcurrentRotation(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a, clk := clockedApp(t, prov)
	newBrowser(t).mustLogin(t, a)
	prov.RotateKey()
	clk.Advance(2 * oidc.KeyFetchFloor)
	// A slow JWKS keeps the first refresh in flight while the others
	// arrive: they must wait for it, not fail nor fetch again.
	prov.SetFaults(mock.Faults{JWKSDelay: 300 * time.Millisecond})
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := newBrowser(t)
			if status, body := b.login(t, a); status != http.StatusOK {
				errs <- body
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("concurrent login failed: %s", e)
	}
	if n := prov.Requests(mock.EndpointJWKS); n != 2 {
		t.Fatalf("JWKS requests = %d; want 2 (one extra fetch for 8 logins)", n)
	}
}

// TestJWKSOutageKeepsCachedKeys: once fetched, keys keep working while the
// JWKS endpoint fails.
func TestJWKSOutageKeepsCachedKeys(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	newBrowser(t).mustLogin(t, a)
	prov.SetFaults(mock.Faults{JWKSStatus: http.StatusInternalServerError})
	for range 3 {
		newBrowser(t).mustLogin(t, a)
	}
	if n := prov.Requests(mock.EndpointJWKS); n != 1 {
		t.Errorf("JWKS requests = %d; want 1", n)
	}
}
