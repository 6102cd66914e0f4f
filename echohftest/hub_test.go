package echohftest_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/echohftest"
)

// TestHubClientSendsKitToken: echohf.HubClient sends the access token of a
// session a Kit minted to the Hub, in mock mode as in real mode, while in
// mock mode it withholds the made-up token that mock login gives a
// session: only those are held back.
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
	hubSaw := func() []string {
		mu.Lock()
		defer mu.Unlock()
		got := seen
		seen = nil
		return got
	}
	tests := []struct {
		name string
		mode echohf.Mode
	}{
		{"mock mode", echohf.ModeMock},
		{"real mode", echohf.ModeReal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := echohf.Config{Mode: tt.mode, HFEndpoint: hub.URL, Logger: quiet}
			if tt.mode == echohf.ModeReal {
				cfg.ClientID, cfg.ClientSecret, cfg.Scopes, cfg.ProviderURL = "id", "secret", []string{"openid", "profile"}, "http://127.0.0.1:1"
			}
			kit := echohftest.New(t, cfg)
			e := handler(kit.OAuth())
			e.GET("/hub", func(c echo.Context) error {
				res, err := echohf.HubClient(c).Get(echohf.HubEndpoint(c) + "/api/whoami-v2")
				if err != nil {
					return err
				}
				res.Body.Close()
				return c.String(http.StatusOK, "called")
			})
			srv := serveHandler(t, e, false)

			for _, token := range []string{"", "hf_oauth_xyz"} {
				req := httptest.NewRequest(http.MethodGet, "/hub", nil)
				user := echohftest.User("alice")
				want := "Bearer hf_oauth_test_alice"
				if token != "" {
					kit.Login(req, user, echohftest.AccessToken(token))
					want = "Bearer " + token
				} else {
					kit.Login(req, user)
				}
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, req)
				if got := hubSaw(); rec.Code != http.StatusOK || len(got) != 1 || got[0] != want {
					t.Errorf("the Kit's session (token %q): GET /hub = %d, the Hub saw Authorization %q; want %q", token, rec.Code, got, want)
				}
			}

			if tt.mode != echohf.ModeMock {
				return
			}
			// A session from mock login, through the printed link.
			jar, err := cookiejar.New(nil)
			if err != nil {
				t.Fatal(err)
			}
			c := newClient(t, jar)
			res, err := c.Get(srv.URL + kit.OAuth().MockLoginURL("")) // following its redirects
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if w := get(t, c, srv.URL+"/whoami").who(t); !w.LoggedIn || !strings.HasPrefix(w.Token, "hf_oauth_mock_") {
				t.Fatalf("mock login gave %+v; want a session with a made-up token", w)
			}
			hubSaw() // the mocked profile's whoami, if any
			get(t, c, srv.URL+"/hub")
			if got := hubSaw(); len(got) != 1 || got[0] != "" {
				t.Errorf("the mock-login session: the Hub saw Authorization %q; want none", got)
			}
		})
	}
}
