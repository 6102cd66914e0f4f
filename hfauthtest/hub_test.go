package hfauthtest_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/echohf/echohf/hfauth"
	"github.com/echohf/echohf/hfauthtest"
)

// TestHubClientSendsKitToken: hfauth.HubClient sends the access token of
// a session a Kit minted to a fake Hub set as HFEndpoint, in mock mode as
// in real mode: mock mode withholds only the made-up tokens of mock login.
func TestHubClientSendsKitToken(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string // the Authorization header of each Hub request
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		_, _ = w.Write([]byte("{}"))
	}))
	t.Cleanup(hub.Close)
	for _, mode := range []hfauth.Mode{hfauth.ModeMock, hfauth.ModeReal} {
		cfg := hfauth.Config{Mode: mode, HFEndpoint: hub.URL, Logger: quiet}
		if mode == hfauth.ModeReal {
			cfg.ClientID, cfg.ClientSecret, cfg.Scopes, cfg.ProviderURL = "id", "secret", []string{"openid", "profile"}, "http://127.0.0.1:1"
		}
		kit := hfauthtest.New(t, cfg)
		o := kit.OAuth()
		app := o.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			res, err := hfauth.HubClient(w, r).Get(o.HubEndpoint() + "/api/whoami-v2")
			if err != nil {
				http.Error(w, "the Hub failed", http.StatusBadGateway)
				return
			}
			_ = res.Body.Close()
		}))
		for _, tt := range []struct {
			opts []hfauthtest.Option
			want string
		}{
			{nil, "Bearer hf_oauth_test_alice"},
			{[]hfauthtest.Option{hfauthtest.AccessToken("hf_oauth_xyz")}, "Bearer hf_oauth_xyz"},
		} {
			req := httptest.NewRequest(http.MethodGet, "/hub", nil)
			kit.Login(req, hfauthtest.User("alice"), tt.opts...)
			rec := httptest.NewRecorder()
			app.ServeHTTP(rec, req)
			mu.Lock()
			got := seen
			seen = nil
			mu.Unlock()
			if rec.Code != http.StatusOK || len(got) != 1 || got[0] != tt.want {
				t.Errorf("mode %v: GET /hub = %d, the Hub saw Authorization %q; want %q", mode, rec.Code, got, tt.want)
			}
		}
	}
}
