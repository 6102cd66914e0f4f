package hfauth

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/echohf/echohf/internal/logbuf"
	"github.com/echohf/echohf/mock"
)

// app is a net/http app with an OAuth instance (o.Middleware, o.Handler),
// served over real HTTP.
type app struct {
	*httptest.Server
	oauth *OAuth
	h     http.Handler // the app, for tests that call it directly
	logs  *syncBuffer
}

// syncBuffer is the tests' goroutine-safe log sink.
type syncBuffer = logbuf.Buffer

// realConfig is a real-mode configuration against the mock provider srv.
// New never reads the environment, so neither does an app built from it.
func realConfig(srv *mock.Server) Config {
	return Config{
		Mode:          ModeReal,
		SpaceID:       "test/space",
		ClientID:      mock.TestClientID,
		ClientSecret:  mock.TestClientSecret,
		Scopes:        []string{"openid", "profile", "email"},
		ProviderURL:   srv.URL,
		SessionSecret: "test-session-secret-0123456789abcdef",
		HFEndpoint:    "http://127.0.0.1:1", // never reached in real mode
	}
}

// newApp serves an app built from cfg: the OAuth routes, Auth, and
// GET /whoami answering the Info as JSON (with the access token).
func newApp(t testing.TB, cfg Config) *app {
	t.Helper()
	return serveApp(t, cfg, serveOpts{})
}

// clockedApp is newApp(t, realConfig(prov)) with a clock the test moves,
// and the config changed by each of set.
func clockedApp(t testing.TB, prov *mock.Server, set ...func(*Config)) (*app, *testClock) {
	t.Helper()
	clk := &testClock{}
	cfg := realConfig(prov)
	cfg.Now = clk.Now
	for _, f := range set {
		f(&cfg)
	}
	return newApp(t, cfg), clk
}

// browser is an http.Client with a cookie jar that follows redirects and
// records every URL it visits.
type browser struct {
	*http.Client
	mu      sync.Mutex
	visited []string
}

func newBrowser(t testing.TB) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{}
	b.Client = &http.Client{Jar: jar, Transport: ownTransport(t), CheckRedirect: func(req *http.Request, via []*http.Request) error {
		b.mu.Lock()
		b.visited = append(b.visited, req.URL.String())
		b.mu.Unlock()
		if len(via) > 20 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

// get fetches u and returns the status and body.
func (b *browser) get(t testing.TB, u string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// whoami is the /whoami answer.
type whoamiAnswer struct {
	LoggedIn bool       `json:"logged_in"`
	Info     *OAuthInfo `json:"info"`
	Token    string     `json:"token"`
}

func (b *browser) whoami(t testing.TB, base string) whoamiAnswer {
	t.Helper()
	status, body := b.get(t, base+"/whoami")
	if status != http.StatusOK {
		t.Fatalf("GET /whoami = %d %s", status, body)
	}
	var w whoamiAnswer
	if err := json.Unmarshal([]byte(body), &w); err != nil {
		t.Fatalf("whoami: %v in %s", err, body)
	}
	return w
}

// cookieNames lists the names of the cookies the jar holds for u.
func (b *browser) cookieNames(t testing.TB, u string) []string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range b.Jar.Cookies(pu) {
		names = append(names, c.Name)
	}
	return names
}

// noRedirect is a client that stops at the first answer, sharing b's jar.
func (b *browser) noRedirect() *http.Client {
	return &http.Client{Jar: b.Jar, Transport: b.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func hasPrefixAny(names []string, prefix string) bool {
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}

// setUser makes prov approve the user named name from now on.
func setUser(t testing.TB, prov *mock.Server, name string) {
	t.Helper()
	if err := prov.SetUser(name); err != nil {
		t.Fatal(err)
	}
}
