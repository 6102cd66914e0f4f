package hfauth

import (
	"bytes"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// TestTokenAuthPostOnly signs in against a provider whose token endpoint
// takes client credentials only from the form, as its discovery says.
func TestTokenAuthPostOnly(t *testing.T) {
	prov := mock.NewServer(t, mock.Config{})
	prov.SetFaults(mock.Faults{TokenAuthPost: true})
	a := newApp(t, realConfig(prov))
	b := newBrowser(t)
	b.mustLogin(t, a)
	assertNoSecretsLogged(t, a, b)
}

// wrappedProvider runs a mock provider behind wrap, which sees every
// request first.
func wrappedProvider(t *testing.T, wrap func(next http.Handler) http.Handler) *mock.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	p, err := mock.New(issuer, mock.Config{Clients: []mock.Client{{ID: mock.TestClientID, Secret: mock.TestClientSecret, RedirectURIs: mock.LoopbackRedirectURIs()}}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = wrap(p)
	srv.Start()
	t.Cleanup(srv.Close)
	return &mock.Server{Provider: p, URL: srv.URL}
}

// padded pads the answers on path with trailing spaces to size bytes:
// still valid JSON, so only a size cap can refuse them.
func padded(path string, size int) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != path {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			maps.Copy(w.Header(), rec.Header())
			w.WriteHeader(rec.Code)
			body := rec.Body.Bytes()
			_, _ = w.Write(body)
			_, _ = w.Write(bytes.Repeat([]byte(" "), max(0, size-len(body))))
		})
	}
}

// TestProviderBodyCap: discovery, JWKS and userinfo answers of up to
// maxDocSize bytes are read whole; one byte more fails the login with a
// generic page and a log line that says why, rather than being cut short.
func TestProviderBodyCap(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		size   int
		status int
		log    string
	}{
		{"DiscoveryAtCap", mock.PathDiscovery, maxDocSize, http.StatusOK, ""},
		{"DiscoveryOverCap", mock.PathDiscovery, maxDocSize + 1, http.StatusServiceUnavailable, "discovery: {host} sent a body over 1 MiB"},
		{"JWKSAtCap", mock.PathJWKS, maxDocSize, http.StatusOK, ""},
		{"JWKSOverCap", mock.PathJWKS, maxDocSize + 1, http.StatusBadGateway, "jwks: {host} sent a body over 1 MiB"},
		{"UserinfoAtCap", mock.PathUserinfo, maxDocSize, http.StatusOK, ""},
		{"UserinfoOverCap", mock.PathUserinfo, maxDocSize + 1, http.StatusBadGateway, "userinfo: {host} sent a body over 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prov := wrappedProvider(t, padded(tt.path, tt.size))
			a := newApp(t, realConfig(prov))
			b := newBrowser(t)
			status, body := b.login(t, a)
			if status != tt.status {
				t.Fatalf("login = %d %q; want %d; logs:\n%s", status, body, tt.status, a.logs)
			}
			if tt.log == "" {
				return
			}
			host := strings.TrimPrefix(prov.URL, "http://")
			if want := strings.ReplaceAll(tt.log, "{host}", host); !strings.Contains(a.logs.String(), want) {
				t.Errorf("logs do not say %q:\n%s", want, a.logs)
			}
			if strings.Contains(body, host) || strings.Contains(body, "MiB") {
				t.Errorf("page %q: want a generic message", body)
			}
			if w := b.whoami(t, a.URL); w.LoggedIn {
				t.Error("logged in")
			}
		})
	}
}

// TestDiscoveryFailureLogs: whatever goes wrong with discovery, login
// answers 503 and the log names the provider's host and what went wrong;
// the page tells a provider that could not be reached from one that
// answered with an error, and names neither the host nor the answer.
func TestDiscoveryFailureLogs(t *testing.T) {
	down := func(t *testing.T) string {
		ln, addr := listen(t)
		ln.Close() // nothing listens there
		return "http://" + addr
	}
	serve := func(status int, body string) func(*testing.T) string {
		return func(t *testing.T) string {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(status)
				_, _ = io.WriteString(w, body)
			}))
			t.Cleanup(srv.Close)
			return srv.URL
		}
	}
	const unreachable, answered = "provider could not be reached", "provider answered with an error"
	tests := []struct {
		name     string
		provider func(*testing.T) string
		log      string
		page     string // what the page says, and not the other
	}{
		{"Down", down, "discovery: {host} could not be reached", unreachable},
		{"NotFound", serve(http.StatusNotFound, "not here"), "discovery: {host} answered 404", answered},
		{"NotJSON", serve(http.StatusOK, "<html>"), "discovery: {host} sent a document that is not JSON", answered},
		{"OtherIssuer", serve(http.StatusOK, `{"issuer":"https://elsewhere.example"}`), "discovery: {host} sent issuer", answered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.provider(t)
			cfg := realConfig(&mock.Server{URL: u})
			cfg.Timeout = 5 * time.Second
			a := newApp(t, cfg)
			status, body := newBrowser(t).login(t, a)
			if status != http.StatusServiceUnavailable || !strings.Contains(body, tt.page) {
				t.Fatalf("login = %d %q; want 503 saying %q", status, body, tt.page)
			}
			other := map[string]string{unreachable: answered, answered: unreachable}[tt.page]
			host := strings.TrimPrefix(u, "http://")
			if strings.Contains(body, other) || strings.Contains(body, host) || strings.Contains(body, "404") || strings.Contains(body, "not here") {
				t.Errorf("page %q says %q, or names the host or the answer", body, other)
			}
			if want := strings.ReplaceAll(tt.log, "{host}", host); !strings.Contains(a.logs.String(), want) {
				t.Errorf("logs do not say %q:\n%s", want, a.logs)
			}
			if !strings.Contains(a.logs.String(), "provider="+host) {
				t.Errorf("logs have no provider=%s attribute:\n%s", host, a.logs)
			}
		})
	}
}

// TestTokenEndpointTimeoutLogged: a token endpoint that does not answer
// in time gives the generic 502 page and a log line naming its host.
func TestTokenEndpointTimeoutLogged(t *testing.T) {
	prov := wrappedProvider(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == mock.PathToken {
				_, _ = io.Copy(io.Discard, r.Body) // so the server notices the client leave
				select {
				case <-r.Context().Done():
				case <-time.After(time.Minute):
				}
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	cfg := realConfig(prov)
	cfg.Timeout = time.Second
	a := newApp(t, cfg)
	status, body := newBrowser(t).login(t, a)
	if status != http.StatusBadGateway {
		t.Fatalf("login = %d %q; want 502", status, body)
	}
	host := strings.TrimPrefix(prov.URL, "http://")
	if want := "token endpoint: " + host + " timed out"; !strings.Contains(a.logs.String(), want) {
		t.Errorf("logs do not say %q:\n%s", want, a.logs)
	}
	if strings.Contains(body, host) {
		t.Errorf("page %q names the provider's host", body)
	}
	if !strings.Contains(body, "provider could not be reached") {
		t.Errorf("page %q; want it to say the provider could not be reached", body)
	}
}

// TestTokenEndpointUnreadable: a token endpoint answering 200 with a body
// that is no token response gives the 502 page saying the provider
// answered with an error (not that it could not be reached), and a log
// line saying so.
func TestTokenEndpointUnreadable(t *testing.T) {
	t.Parallel()
	prov := wrappedProvider(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == mock.PathToken {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, "<html>busy</html>")
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	a := newApp(t, realConfig(prov))
	status, body := newBrowser(t).login(t, a)
	if status != http.StatusBadGateway || !strings.Contains(body, "provider answered with an error") || strings.Contains(body, "busy") {
		t.Fatalf("login = %d %q; want 502 saying the provider answered with an error", status, body)
	}
	host := strings.TrimPrefix(prov.URL, "http://")
	if want := "token endpoint: " + host + " sent a token response that could not be read"; !strings.Contains(a.logs.String(), want) {
		t.Errorf("logs do not say %q:\n%s", want, a.logs)
	}
}
