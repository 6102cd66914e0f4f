package oidc

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// testClock is a clock the test moves forward.
type testClock struct{ off atomic.Int64 }

func (c *testClock) Now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *testClock) Advance(d time.Duration) { c.off.Add(int64(d)) }

// testConfig is a Config for the mock provider prov, with the clock clk.
func testConfig(prov *mock.Server, clk *testClock) Config {
	return Config{
		Issuer:              prov.URL,
		ClientID:            mock.TestClientID,
		ClientSecret:        mock.TestClientSecret,
		Scopes:              []string{"openid", "profile", "email"},
		HTTPClient:          &http.Client{Timeout: 5 * time.Second},
		Timeout:             5 * time.Second,
		Leeway:              5 * time.Second,
		JWKSRefreshInterval: 5 * time.Minute,
		Now:                 clk.Now,
		Logger:              slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// testProvider discovers the mock provider prov with a Config changed by
// each of set.
func testProvider(t testing.TB, prov *mock.Server, set ...func(*Config)) (*Provider, *testClock) {
	t.Helper()
	clk := &testClock{}
	cfg := testConfig(prov, clk)
	for _, f := range set {
		f(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p, err := NewClient(ctx, cfg).Provider(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return p, clk
}

// primed fetches p's keys once, as a first login does, and returns its key
// source.
func primed(t testing.TB, p *Provider) *keySource {
	t.Helper()
	if _, err := p.keys.cache.Refresh(context.Background(), p.JWKSURI); err != nil {
		t.Fatal(err)
	}
	return p.keys
}
