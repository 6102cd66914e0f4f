package oidc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// TestJWKSRefusedKIDRemembered: a kid still unknown after a refresh is
// refused without a fetch for JWKSRefreshInterval, then tried once more.
func TestJWKSRefusedKIDRemembered(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	p, clk := testProvider(t, prov, func(c *Config) { c.JWKSRefreshInterval = time.Minute })
	keys := primed(t, p)
	steps := []struct {
		name    string
		advance time.Duration
		want    int // JWKS requests after the lookup
	}{
		{"unseen kid: one refresh", 2 * KeyFetchFloor, 2},
		{"refused kid: no fetch", 2 * KeyFetchFloor, 2},
		{"still refused: no fetch", 50 * time.Second, 2},
		{"interval passed: one refresh", 10 * time.Second, 3},
		{"refused again: no fetch", 2 * KeyFetchFloor, 3},
	}
	for _, s := range steps {
		clk.Advance(s.advance)
		if _, err := keys.lookup(context.Background(), "no-such-kid"); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("%s: lookup error = %v; want ErrUnknownKey", s.name, err)
		}
		if n := prov.Requests(mock.EndpointJWKS); n != s.want {
			t.Fatalf("%s: JWKS requests = %d; want %d", s.name, n, s.want)
		}
	}
}

// TestJWKSRefusedKIDsBounded: however many distinct kids are refused, the
// memory of them stays within maxRefusedKIDs.
func TestJWKSRefusedKIDsBounded(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	p, clk := testProvider(t, prov)
	keys := primed(t, p)
	clk.Advance(2 * KeyFetchFloor)
	var wg sync.WaitGroup
	var unexpected atomic.Int32
	for i := range maxRefusedKIDs + 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := keys.lookup(context.Background(), fmt.Sprintf("bad-%d", i)); !errors.Is(err, ErrUnknownKey) {
				unexpected.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := unexpected.Load(); n > 0 {
		t.Errorf("%d lookups did not fail with ErrUnknownKey", n)
	}
	keys.mu.Lock()
	n := len(keys.refused)
	keys.mu.Unlock()
	if n != maxRefusedKIDs {
		t.Errorf("refused kids remembered = %d; want %d", n, maxRefusedKIDs)
	}
	if n := prov.Requests(mock.EndpointJWKS) - 1; n < 1 || n > 2 {
		t.Errorf("JWKS refreshes = %d; want 1 or 2", n)
	}
}
