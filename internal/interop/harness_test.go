package interop

// This file holds what the interop tests share: a replica (an
// hfauth.OAuth on net/http behind its own httptest server), a browser (a
// cookie jar that follows redirects), a clock the tests move, and a log
// buffer that is checked for secrets.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/echohf/echohf/hfauth"
	"github.com/echohf/echohf/internal/logbuf"
)

// TestMain quiets slog's default logger to warnings: zitadel's example OP
// logs every request it serves there. The replicas log to buffers of their
// own, shown when a test fails.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	os.Exit(m.Run())
}

// sessionSecret signs the replicas' sessions (at least 32 bytes).
const sessionSecret = "interop-session-secret-0123456789abcdef"

// syncBuffer is the tests' goroutine-safe log sink.
type syncBuffer = logbuf.Buffer

// clock is a Config.Now the tests move forward by hand: the real time plus
// what was added.
type clock struct{ off atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) Advance(d time.Duration) { c.off.Add(int64(d)) }

// replica is one instance of the app: an hfauth.OAuth with its routes,
// its middleware, /whoami and /page, served on its own loopback port.
// Cookies ignore ports, so one browser shares its cookies with every
// replica, as with replicas behind one host name.
type replica struct {
	*httptest.Server
	oauth *hfauth.OAuth
	logs  *syncBuffer
}

// newReplica serves an app built from cfg on ln (a fresh listener when nil).
func newReplica(t testing.TB, cfg hfauth.Config, ln net.Listener) *replica {
	t.Helper()
	logs := &syncBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	cfg.HTTPClient = &http.Client{Timeout: cfg.Timeout, Transport: ownTransport(t)}
	o, err := hfauth.New(cfg)
	if err != nil {
		t.Fatalf("hfauth.New: %v", err)
	}
	t.Cleanup(o.Close)
	mux := http.NewServeMux()
	mux.Handle("/oauth/huggingface/", o.Handler())
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		var a whoami
		if info := hfauth.Info(r); info != nil {
			a = whoami{LoggedIn: true, Sub: info.UserInfo.Sub, Username: info.UserInfo.PreferredUsername,
				Name: info.UserInfo.Name, Picture: info.UserInfo.Picture, Orgs: info.UserInfo.Orgs != nil,
				Token: digest(info.AccessToken), Expires: info.AccessTokenExpiresAt, Scope: info.Scope}
			if info.UserInfo.Email != nil {
				a.Email = *info.UserInfo.Email
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(a)
	})
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "page") })
	srv := httptest.NewUnstartedServer(o.Middleware(mux))
	if ln != nil {
		srv.Listener.Close()
		srv.Listener = ln
	}
	srv.Start()
	t.Cleanup(srv.Close)
	r := &replica{Server: srv, oauth: o, logs: logs}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs of replica %s:\n%s", srv.URL, logs)
		}
	})
	return r
}

// listen returns a loopback listener, so that a replica's callback URL is
// known before the provider's client is registered.
func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// callbackURL is the callback a replica served on ln answers at.
func callbackURL(ln net.Listener) string {
	return "http://" + ln.Addr().String() + hfauth.CallbackPath
}

// whoami is what /whoami answers. Token is a digest of the access token,
// so that the test output never holds the token itself.
type whoami struct {
	LoggedIn bool      `json:"logged_in"`
	Sub      string    `json:"sub"`
	Username string    `json:"preferred_username"`
	Name     string    `json:"name"`
	Email    string    `json:"email"`
	Picture  string    `json:"picture"`
	Orgs     bool      `json:"orgs_known"`
	Token    string    `json:"token_digest"`
	Expires  time.Time `json:"expires"`
	Scope    string    `json:"scope"`
}

// digest is a short SHA-256 of a token: enough to tell two tokens apart.
func digest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:8])
}

// browser is an http.Client with a cookie jar that follows redirects, as a
// browser does, and records every URL it visited.
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
	b.Client = &http.Client{Jar: jar, Transport: ownTransport(t), Timeout: 20 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 20 {
				return http.ErrUseLastResponse
			}
			b.visit(req.URL.String())
			return nil
		}}
	return b
}

func (b *browser) visit(u string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.visited = append(b.visited, u)
}

// trail returns the URLs visited so far.
func (b *browser) trail() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.visited...)
}

// do sends req, follows the redirects and returns the last answer.
func (b *browser) do(t testing.TB, req *http.Request) (status int, body, last string) {
	t.Helper()
	b.visit(req.URL.String())
	res, err := b.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, string(raw), res.Request.URL.String()
}

// get GETs u, following redirects.
func (b *browser) get(t testing.TB, u string) (status int, body, last string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.do(t, req)
}

// post submits a form to u, following redirects.
func (b *browser) post(t testing.TB, u string, form url.Values) (status int, body, last string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(t, req)
}

// whoami asks a replica who the browser is.
func (b *browser) whoami(t testing.TB, r *replica) whoami {
	t.Helper()
	status, body, _ := b.get(t, r.URL+"/whoami")
	var w whoami
	if status != http.StatusOK || json.Unmarshal([]byte(body), &w) != nil {
		t.Fatalf("whoami on %s = %d %q", r.URL, status, body)
	}
	return w
}

// hasCookie reports whether the jar holds a cookie named name for r.
func (b *browser) hasCookie(r *replica, name string) bool {
	u, _ := url.Parse(r.URL)
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == name {
			return true
		}
	}
	return false
}

// ownTransport returns a transport for one test's client, closed when the
// test ends: another parallel test's httptest.Server.Close closes the idle
// connections of http.DefaultTransport, and could break a request here.
func ownTransport(t testing.TB) *http.Transport {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// noSecrets fails t when a log holds one of the secrets.
func noSecrets(t testing.TB, logs string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("a log holds a secret (%d bytes, digest %s)", len(s), digest(s))
		}
	}
}
