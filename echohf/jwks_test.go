package echohf

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// TestJWKSFetchedOnce: many logins fetch the JWKS once; a key rotation
// costs exactly one more fetch.
func TestJWKSFetchedOnce(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	for i := range 5 {
		newBrowser(t).mustLogin(t, a)
		if n := prov.Requests(mock.EndpointJWKS); n != 1 {
			t.Fatalf("after login %d: JWKS requests = %d; want 1", i+1, n)
		}
	}
	prov.RotateKey()
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

// TestJWKSUnknownKIDRateLimited: an unknown kid forces at most one refresh
// per JWKSRefreshInterval, however many logins present it.
func TestJWKSUnknownKIDRateLimited(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	clk := &testClock{}
	cfg := realConfig(prov)
	cfg.Now = clk.Now
	cfg.JWKSRefreshInterval = time.Minute
	a := newApp(t, cfg)
	newBrowser(t).mustLogin(t, a) // the first fetch
	prov.SetFaults(mock.Faults{UnknownKID: true})
	for i := range 5 {
		if status, _ := newBrowser(t).login(t, a); status != http.StatusUnauthorized {
			t.Fatalf("login %d with an unknown kid = %d; want 401", i+1, status)
		}
	}
	if n := prov.Requests(mock.EndpointJWKS); n != 2 {
		t.Fatalf("JWKS requests after 5 unknown-kid logins = %d; want 2 (one fetch, one forced refresh)", n)
	}
	clk.Advance(cfg.JWKSRefreshInterval + time.Second)
	for range 3 {
		newBrowser(t).login(t, a)
	}
	if n := prov.Requests(mock.EndpointJWKS); n != 3 {
		t.Fatalf("JWKS requests after the interval = %d; want 3", n)
	}
	// The provider fixed: the real kid is in the cache, no fetch needed.
	prov.SetFaults(mock.Faults{})
	newBrowser(t).mustLogin(t, a)
	if n := prov.Requests(mock.EndpointJWKS); n != 3 {
		t.Fatalf("JWKS requests after a good login = %d; want 3", n)
	}
}

// TestJWKSConcurrentRotation: concurrent logins after a rotation share one
// forced refresh.
func TestJWKSConcurrentRotation(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	newBrowser(t).mustLogin(t, a)
	prov.RotateKey()
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
