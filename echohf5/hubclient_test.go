package echohf5

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/echohf/echohf/mock"
)

// newServer serves h over real HTTP until the test ends and returns its URL.
func newServer(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// recorder is a server that records the Authorization headers it gets.
type recorder struct {
	mu    sync.Mutex
	auths []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.auths = append(r.auths, req.Header.Get("Authorization"))
	r.mu.Unlock()
	_, _ = io.WriteString(w, "elsewhere")
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.auths...)
}

// hubRoutes registers the OAuth routes and GET /hub?u=URL, which fetches
// URL (relative to HubEndpoint unless absolute) with HubClient and answers
// its status and body, or the error and the sentinels it matches.
func hubRoutes(e *echo.Echo, o *OAuth) {
	o.Attach(e)
	e.GET("/hub", func(c *echo.Context) error {
		u := c.QueryParam("u")
		if !strings.HasPrefix(u, "http") {
			u = HubEndpoint(c) + u
		}
		res, err := HubClient(c).Get(u)
		if err != nil {
			return c.String(http.StatusOK, fmt.Sprintf("error login-required=%v no-auth=%v", errors.Is(err, ErrLoginRequired), errors.Is(err, ErrNoAuth)))
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return c.String(http.StatusOK, fmt.Sprint(res.StatusCode, " ", string(body)))
	})
}

// TestHubClient: HubClient sends the session's token to the Hub (the mock
// provider, a small fake Hub) and to no other host; a logged-out request's
// client fails with ErrLoginRequired without calling anything.
func TestHubClient(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	other := &recorder{}
	otherURL := newServer(t, other)
	a := newApp(t, realConfig(prov), hubRoutes)
	b := newBrowser(t)

	if f := fetch(t, b.Client, a.URL+"/hub?u="+mock.PathWhoami); f.body != "error login-required=true no-auth=false" {
		t.Errorf("HubClient logged out = %q; want ErrLoginRequired", f.body)
	}
	before := prov.Requests(mock.EndpointWhoami)
	b.mustLogin(t, a)
	f := fetch(t, b.Client, a.URL+"/hub?u="+mock.PathWhoami)
	if !strings.HasPrefix(f.body, "200 ") || !strings.Contains(f.body, `"name":"mockuser"`) {
		t.Errorf("HubClient to the Hub's whoami = %q; want 200 naming mockuser", f.body)
	}
	if n := prov.Requests(mock.EndpointWhoami) - before; n != 1 {
		t.Errorf("the Hub got %d whoami calls; want 1", n)
	}
	if f := fetch(t, b.Client, a.URL+"/hub?u="+otherURL+"/api/whoami-v2"); f.body != "200 elsewhere" {
		t.Errorf("HubClient to another host = %q; want its answer", f.body)
	}
	if got := other.got(); len(got) != 1 || got[0] != "" {
		t.Errorf("another host got Authorization %q; want one request without it", got)
	}
}

// TestHubClientRefused: when the Hub answers 401 to the session's token,
// the client's error matches ErrLoginRequired and the session cookie is
// expired on the handler's response, so the browser is logged out.
func TestHubClientRefused(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	hub := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "token revoked", http.StatusUnauthorized)
	}))
	cfg := realConfig(prov)
	cfg.HFEndpoint = hub
	a := newApp(t, cfg, hubRoutes)
	b := newBrowser(t)
	b.mustLogin(t, a)
	f := fetch(t, b.noRedirect(), a.URL+"/hub?u=/api/whoami-v2")
	if f.body != "error login-required=true no-auth=false" {
		t.Errorf("HubClient refused by the Hub = %q; want ErrLoginRequired", f.body)
	}
	expired := false
	for _, c := range f.Cookies() {
		expired = expired || c.MaxAge < 0
	}
	if !expired {
		t.Errorf("the answer expires no cookie: %q", f.Header.Values("Set-Cookie"))
	}
	if w := b.whoami(t, a.URL); w.LoggedIn {
		t.Errorf("still logged in after the Hub refused the token")
	}
}

// TestHubClientNoAuth: without Auth, HubClient's requests fail with
// ErrNoAuth and the default Hub is named.
func TestHubClientNoAuth(t *testing.T) {
	t.Parallel()
	e := echo.New()
	e.GET("/", func(c *echo.Context) error {
		res, err := HubClient(c).Get(HubEndpoint(c) + "/api/whoami-v2")
		if err == nil {
			res.Body.Close()
		}
		return c.String(http.StatusOK, fmt.Sprint(HubEndpoint(c), " ", errors.Is(err, ErrNoAuth)))
	})
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if got := rec.Body.String(); got != "https://huggingface.co true" {
		t.Errorf("HubClient without Auth: %q; want the default Hub and ErrNoAuth", got)
	}
}

// wrapped is a ResponseWriter that hides Echo's Response under it.
type wrapped struct{ http.ResponseWriter }

// TestSentFunc: the cookie may be cleared only while Echo's Response has
// not gone out and still serves the same request.
func TestSentFunc(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		act  func(c *echo.Context, e *echo.Echo) http.ResponseWriter // returns the writer HubClient gets
		want bool
	}{
		{"fresh", func(c *echo.Context, _ *echo.Echo) http.ResponseWriter { return c.Response() }, false},
		{"committed", func(c *echo.Context, _ *echo.Echo) http.ResponseWriter {
			w := c.Response()
			w.WriteHeader(http.StatusOK)
			return w
		}, true},
		{"reset for another request", func(c *echo.Context, _ *echo.Echo) http.ResponseWriter { return c.Response() }, true},
		{"does not unwrap to Echo's", func(c *echo.Context, _ *echo.Echo) http.ResponseWriter { return wrapped{c.Response()} }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := echo.New()
			c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
			sent := sentFunc(tt.act(c, e))
			if tt.name == "reset for another request" {
				c.Reset(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
			}
			if got := sent(); got != tt.want {
				t.Errorf("sent() = %v; want %v", got, tt.want)
			}
		})
	}
}
