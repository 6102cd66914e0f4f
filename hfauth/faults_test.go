package hfauth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/internal/oidc"
	"github.com/echohf/echohf/mock"
)

// TestProviderFaults runs a login against every fault switch of the mock
// provider: each ends with no session, no login cookie left and the
// documented status, never another 5xx. When the provider failed, the log
// names its host and what went wrong; the page stays generic.
func TestProviderFaults(t *testing.T) {
	t.Parallel()
	const unreachable, answered = "provider could not be reached", "provider answered with an error"
	tests := []struct {
		name   string
		faults mock.Faults
		want   int
		log    string // what the log says, {host} standing for the provider's host
		page   string // what the page says of the provider, if anything
	}{
		{"Deny", mock.Faults{Deny: true}, http.StatusForbidden, "", ""},
		{"ForeignKey", mock.Faults{ForeignKey: true}, http.StatusUnauthorized, "", ""},
		{"UnknownKID", mock.Faults{UnknownKID: true}, http.StatusUnauthorized, "", ""},
		{"AlgNone", mock.Faults{AlgNone: true}, http.StatusUnauthorized, "", ""},
		{"HS256PublicKey", mock.Faults{HS256PublicKey: true}, http.StatusUnauthorized, "", ""},
		{"WrongAudience", mock.Faults{WrongAudience: true}, http.StatusUnauthorized, "", ""},
		{"WrongIssuer", mock.Faults{WrongIssuer: true}, http.StatusUnauthorized, "", ""},
		{"ExpiredIDToken", mock.Faults{ExpiredIDToken: true}, http.StatusUnauthorized, "", ""},
		{"WrongNonce", mock.Faults{WrongNonce: true}, http.StatusUnauthorized, "", ""},
		{"ExtraAudience", mock.Faults{ExtraAudience: true}, http.StatusUnauthorized, "", ""},
		{"ForeignAZP", mock.Faults{ForeignAZP: true}, http.StatusUnauthorized, "", ""},
		{"JWKSKeyAlgRS512", mock.Faults{JWKSKeyAlg: "RS512"}, http.StatusUnauthorized, "", ""},
		{"JWKSKeyUseEnc", mock.Faults{JWKSKeyUse: "enc"}, http.StatusUnauthorized, "", ""},
		{"JWKSStatus500", mock.Faults{JWKSStatus: 500}, http.StatusBadGateway, "jwks: {host} answered 500", answered},
		{"JWKSDelay", mock.Faults{JWKSDelay: time.Minute}, http.StatusBadGateway, "jwks: {host} timed out", unreachable},
		{"TokenStatus502", mock.Faults{TokenStatus: 502}, http.StatusBadGateway, "token endpoint: {host} answered 502", answered},
		{"TokenInvalidGrant", mock.Faults{TokenInvalidGrant: true}, http.StatusBadRequest, "token endpoint: {host} answered 400 invalid_grant", ""},
		{"TokenStatus429", mock.Faults{TokenStatus: 429}, http.StatusBadRequest, "token endpoint: {host} answered 429", ""}, // any 4xx refuses the code
		{"UserinfoStatus500", mock.Faults{UserinfoStatus: 500}, http.StatusBadGateway, "userinfo: {host} answered 500", answered},
		{"UserinfoSubMismatch", mock.Faults{UserinfoSub: "someone-else"}, http.StatusUnauthorized, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prov := mock.NewServer(t, mock.Config{})
			prov.SetFaults(tt.faults)
			cfg := realConfig(prov)
			// Short enough to cut the minute-long JWKS delay, long enough
			// for discovery and the code exchange on a loaded CI machine
			// (300 ms was not, under -race).
			cfg.Timeout = 3 * time.Second
			a := newApp(t, cfg)
			b := newBrowser(t)
			start := time.Now()
			status, body := b.login(t, a)
			if status != tt.want {
				t.Fatalf("login = %d %q; want %d; logs:\n%s", status, body, tt.want, a.logs)
			}
			if tt.faults.JWKSDelay > 0 && time.Since(start) >= tt.faults.JWKSDelay {
				t.Errorf("login took %v: the %v timeout did not cut the slow JWKS", time.Since(start), cfg.Timeout)
			}
			if !strings.Contains(body, "Sign-in") {
				t.Errorf("body %q: want a clear sign-in message", body)
			}
			if w := b.whoami(t, a.URL); w.LoggedIn {
				t.Errorf("logged in despite %s", tt.name)
			}
			names := b.cookieNames(t, a.URL)
			if hasPrefixAny(names, "hf_login") {
				t.Errorf("login cookie left: %v", names)
			}
			if hasPrefixAny(names, "hf_session") {
				t.Errorf("session cookie set: %v", names)
			}
			if !strings.Contains(a.logs.String(), "login failed") {
				t.Errorf("no log line for the failure:\n%s", a.logs)
			}
			host := strings.TrimPrefix(prov.URL, "http://")
			if want := strings.ReplaceAll(tt.log, "{host}", host); tt.log != "" && !strings.Contains(a.logs.String(), want) {
				t.Errorf("logs do not say %q:\n%s", want, a.logs)
			}
			if strings.Contains(body, host) {
				t.Errorf("page %q names the provider's host; want a generic message", body)
			}
			if other := map[string]string{unreachable: answered, answered: unreachable}[tt.page]; tt.page != "" && (!strings.Contains(body, tt.page) || strings.Contains(body, other)) {
				t.Errorf("page %q; want it to say %q", body, tt.page)
			}
			assertNoSecretsLogged(t, a, b)
		})
	}
}

// assertNoSecretsLogged checks a's logs for the client secret, every code
// the browser carried, and every cookie value it holds.
func assertNoSecretsLogged(t *testing.T, a *app, b *browser, extra ...string) {
	t.Helper()
	logs := a.logs.String()
	secrets := append([]string{mock.TestClientSecret, "test-session-secret"}, extra...)
	b.mu.Lock()
	for _, v := range b.visited {
		u, err := url.Parse(v)
		if err != nil {
			continue
		}
		for _, k := range []string{"code", "state", "code_challenge", "nonce"} {
			if s := u.Query().Get(k); s != "" {
				secrets = append(secrets, s)
			}
		}
	}
	b.mu.Unlock()
	pu, _ := url.Parse(a.URL)
	for _, c := range b.Jar.Cookies(pu) {
		secrets = append(secrets, c.Value)
	}
	for _, s := range secrets {
		if len(s) >= 8 && strings.Contains(logs, s) {
			t.Errorf("logs contain a secret value %q:\n%s", s, logs)
		}
	}
}

// TestLogsHaveNoSecrets logs in successfully, then fails a login, and
// checks that no token, secret, code or cookie value reached the logs.
func TestLogsHaveNoSecrets(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	b := newBrowser(t)
	w := b.mustLogin(t, a)
	prov.SetFaults(mock.Faults{UserinfoSub: "x"})
	b2 := newBrowser(t)
	if status, _ := b2.login(t, a); status != http.StatusUnauthorized {
		t.Fatalf("faulted login = %d; want 401", status)
	}
	if a.logs.String() == "" {
		t.Fatal("no logs at all: the check is vacuous")
	}
	assertNoSecretsLogged(t, a, b, w.Token)
	assertNoSecretsLogged(t, a, b2, w.Token)
}

// TestProviderDownAtStartup starts an app whose provider is not up yet:
// login answers 503 until the provider comes up and the discovery retry
// window has passed.
func TestProviderDownAtStartup(t *testing.T) {
	t.Parallel()
	ln, addr := listen(t)
	ln.Close() // nothing listens there yet
	// Stopped, so that the one-second retry window does not pass by itself
	// on a loaded machine between the two logins.
	clk := stoppedClock()
	cfg := realConfig(&mock.Server{URL: "http://" + addr})
	cfg.Now = clk.Now
	cfg.Timeout = 5 * time.Second
	a := newApp(t, cfg)

	b := newBrowser(t)
	status, body := b.login(t, a)
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "provider could not be reached") {
		t.Fatalf("login with the provider down = %d %q; want 503 with a clear message", status, body)
	}

	prov, err := mock.StartAt(addr, mock.Config{Clients: []mock.Client{{ID: mock.TestClientID, Secret: mock.TestClientSecret, RedirectURIs: mock.LoopbackRedirectURIs()}}})
	if err != nil {
		t.Fatalf("StartAt: %v", err)
	}
	t.Cleanup(prov.Close)

	// Within the retry window the failure is remembered: no new discovery.
	if status, _ := b.login(t, a); status != http.StatusServiceUnavailable {
		t.Fatalf("login within the retry window = %d; want 503", status)
	}
	if n := prov.Requests(mock.EndpointDiscovery); n != 0 {
		t.Errorf("discovery requests within the retry window = %d; want 0", n)
	}
	clk.Advance(oidc.DiscoveryRetry + 100*time.Millisecond)
	b.mustLogin(t, a)
	if n := prov.Requests(mock.EndpointDiscovery); n != 1 {
		t.Errorf("discovery requests = %d; want 1", n)
	}
}
