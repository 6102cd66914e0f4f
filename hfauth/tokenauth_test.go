package hfauth

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// authCall is one client-authenticated request the provider saw.
type authCall struct {
	basic  bool // client credentials in an Authorization header
	status int
}

// authWatch stands in front of a mock provider: it rewrites discovery's
// token_endpoint_auth_methods_supported, can answer Basic token requests
// the provider refuses as oauth2-proxy/mockoidc does, and records every
// token and revocation request.
type authWatch struct {
	prov *mock.Server
	// methods is what discovery lists; absent drops the field.
	methods []string
	absent  bool
	// mockoidc answers a Basic token request that the provider refuses
	// with 400 invalid_request, as oauth2-proxy/mockoidc does.
	mockoidc bool

	mu     sync.Mutex
	token  []authCall
	revoke []authCall
	// refuse, when set, answers every token request 401 with this error code.
	refuse string
}

// watchedProvider starts a mock provider on clk behind an authWatch.
func watchedProvider(t *testing.T, clk *testClock, aw *authWatch) *authWatch {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	p, err := mock.New(issuer, mock.Config{Now: clk.Now, Clients: []mock.Client{{ID: mock.TestClientID, Secret: mock.TestClientSecret, RedirectURIs: mock.LoopbackRedirectURIs()}}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = aw.wrap(p)
	srv.Start()
	t.Cleanup(srv.Close)
	aw.prov = &mock.Server{Provider: p, URL: srv.URL}
	return aw
}

func (aw *authWatch) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != mock.PathDiscovery && r.URL.Path != mock.PathToken && r.URL.Path != mock.PathRevoke {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		basic := r.Header.Get("Authorization") != ""
		aw.mu.Lock()
		refuse := aw.refuse
		aw.mu.Unlock()
		if r.URL.Path == mock.PathToken && refuse != "" {
			rec.Header().Set("Content-Type", "application/json")
			rec.WriteHeader(http.StatusUnauthorized)
			_, _ = rec.WriteString(`{"error":"` + refuse + `"}`)
		} else {
			next.ServeHTTP(rec, r)
		}
		body := rec.Body.Bytes()
		switch {
		case r.URL.Path == mock.PathDiscovery:
			var doc map[string]any
			if err := json.Unmarshal(body, &doc); err == nil {
				delete(doc, "token_endpoint_auth_methods_supported")
				if !aw.absent {
					doc["token_endpoint_auth_methods_supported"] = aw.methods
				}
				body, _ = json.Marshal(doc)
			}
		case aw.mockoidc && basic && rec.Code == http.StatusUnauthorized && r.URL.Path == mock.PathToken:
			rec.Code, body = http.StatusBadRequest, []byte(`{"error":"invalid_request","error_description":"client_secret_post only"}`)
			rec.Header().Del("WWW-Authenticate")
		}
		aw.mu.Lock()
		switch r.URL.Path {
		case mock.PathToken:
			aw.token = append(aw.token, authCall{basic, rec.Code})
		case mock.PathRevoke:
			aw.revoke = append(aw.revoke, authCall{basic, rec.Code})
		}
		aw.mu.Unlock()
		maps.Copy(w.Header(), rec.Header())
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// takeToken returns the token requests recorded so far, and forgets them.
func (aw *authWatch) takeToken() []authCall {
	aw.mu.Lock()
	defer aw.mu.Unlock()
	calls := aw.token
	aw.token = nil
	return calls
}

// basics says, for each call, whether it sent Basic credentials.
func basics(calls []authCall) []bool {
	out := make([]bool, len(calls))
	for i, c := range calls {
		out[i] = c.basic
	}
	return out
}

var (
	bothMethods = []string{"client_secret_basic", "client_secret_post"}
	onlyBasic   = []string{"client_secret_basic"}
	onlyPost    = []string{"client_secret_post"}
)

// TestTokenAuthFallback: when discovery lists both client authentication
// methods, or neither, the code exchange tries client_secret_basic and,
// when the token endpoint refuses the client's authentication (401
// invalid_client, or 400 invalid_request as oauth2-proxy/mockoidc
// answers), client_secret_post once; the style that worked is remembered,
// so the next sign-in costs one token request. A provider that lists one
// method gets that one only.
func TestTokenAuthFallback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		methods  []string // discovery's list; nil drops it
		mockoidc bool     // Basic refused with 400 invalid_request
		postOnly bool     // the token endpoint takes credentials only from the form
		ok       bool     // sign-in works
		first    []bool
		second   []bool // Basic or not, per token request of each sign-in
	}{
		{"both listed, post taken", bothMethods, false, true, true, []bool{true, false}, []bool{false}},
		{"both listed, mockoidc's 400", bothMethods, true, true, true, []bool{true, false}, []bool{false}},
		{"none listed, post taken", nil, false, true, true, []bool{true, false}, []bool{false}},
		{"empty list, post taken", []string{}, false, true, true, []bool{true, false}, []bool{false}},
		{"both listed, both taken", bothMethods, false, false, true, []bool{true}, []bool{true}},
		{"only post listed", onlyPost, false, true, true, []bool{false}, []bool{false}},
		{"only basic listed, basic taken", onlyBasic, false, false, true, []bool{true}, []bool{true}},
		{"only basic listed, post taken", onlyBasic, false, true, false, []bool{true}, []bool{true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			aw := watchedProvider(t, stoppedClock(), &authWatch{methods: tt.methods, absent: tt.methods == nil, mockoidc: tt.mockoidc})
			aw.prov.SetFaults(mock.Faults{TokenAuthPost: tt.postOnly})
			a := newApp(t, realConfig(aw.prov))
			for i, want := range [][]bool{tt.first, tt.second} {
				b := newBrowser(t)
				status, body := b.login(t, a)
				if ok := status == http.StatusOK && body == "page"; ok != tt.ok {
					t.Fatalf("sign-in %d = %d %q; want success %v; logs:\n%s", i+1, status, body, tt.ok, a.logs)
				}
				if got := basics(aw.takeToken()); !slices.Equal(got, want) {
					t.Fatalf("sign-in %d: token requests with Basic credentials %v; want %v", i+1, got, want)
				}
				assertNoSecretsLogged(t, a, b)
			}
		})
	}
}

// TestTokenAuthNoFallback: a token request that failed for any reason but
// the client's authentication is never sent again with the other style:
// invalid_grant (a second try could not help), a 5xx, no answer.
func TestTokenAuthNoFallback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		faults mock.Faults
		status int
	}{
		{"invalid_grant", mock.Faults{TokenInvalidGrant: true}, http.StatusBadRequest},
		{"502", mock.Faults{TokenStatus: http.StatusBadGateway}, http.StatusBadGateway},
		{"500", mock.Faults{TokenStatus: http.StatusInternalServerError}, http.StatusBadGateway},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			aw := watchedProvider(t, stoppedClock(), &authWatch{methods: bothMethods})
			aw.prov.SetFaults(tt.faults)
			a := newApp(t, realConfig(aw.prov))
			if status, body := newBrowser(t).login(t, a); status != tt.status {
				t.Fatalf("sign-in = %d %q; want %d", status, body, tt.status)
			}
			if got := basics(aw.takeToken()); !slices.Equal(got, []bool{true}) {
				t.Errorf("token requests with Basic credentials %v; want one, Basic", got)
			}
		})
	}
	t.Run("no answer", func(t *testing.T) {
		t.Parallel()
		var mu sync.Mutex
		tokens := 0
		prov := wrappedProvider(t, func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != mock.PathToken {
					next.ServeHTTP(w, r)
					return
				}
				mu.Lock()
				tokens++
				mu.Unlock()
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					_ = conn.Close() // the connection drops: no answer
				}
			})
		})
		a := newApp(t, realConfig(prov))
		if status, body := newBrowser(t).login(t, a); status != http.StatusBadGateway {
			t.Fatalf("sign-in = %d %q; want 502", status, body)
		}
		mu.Lock()
		defer mu.Unlock()
		if tokens != 1 {
			t.Errorf("token requests = %d; want 1", tokens)
		}
	})
}

// TestTokenAuthLearnedConcurrently: sign-ins that start together against a
// provider listing both styles but taking only post all work (safe under
// -race), and once one has learned the style, the next costs one request.
func TestTokenAuthLearnedConcurrently(t *testing.T) {
	t.Parallel()
	aw := watchedProvider(t, stoppedClock(), &authWatch{methods: bothMethods})
	aw.prov.SetFaults(mock.Faults{TokenAuthPost: true})
	a := newApp(t, realConfig(aw.prov))
	const logins = 6
	var wg sync.WaitGroup
	for range logins {
		wg.Go(func() {
			if status, body := newBrowser(t).login(t, a); status != http.StatusOK || body != "page" {
				t.Errorf("concurrent sign-in = %d %q; want 200 page", status, body)
			}
		})
	}
	wg.Wait()
	if got := len(aw.takeToken()); got < logins+1 || got > 2*logins {
		t.Errorf("token requests for %d concurrent first sign-ins = %d; want between %d and %d", logins, got, logins+1, 2*logins)
	}
	newBrowser(t).mustLogin(t, a)
	if got := basics(aw.takeToken()); !slices.Equal(got, []bool{false}) {
		t.Errorf("token requests after learning, Basic or not: %v; want one with post", got)
	}
}

// TestTokenAuthRefreshAndRevoke: the refresh grant and revocation use the
// style the code exchange learned (no Basic try against a provider that
// takes only post); a replica that has not learned it yet falls back on
// its refresh as the code exchange does, and a refresh refused with
// invalid_grant is never tried again with the other style.
func TestTokenAuthRefreshAndRevoke(t *testing.T) {
	t.Parallel()
	clk := stoppedClock()
	aw := watchedProvider(t, clk, &authWatch{methods: bothMethods})
	aw.prov.SetFaults(mock.Faults{TokenAuthPost: true})
	cfg := realConfig(aw.prov)
	cfg.Now = clk.Now
	w := &world{prov: aw.prov, clk: clk}
	for range 3 {
		w.apps = append(w.apps, guardedApp(t, cfg))
	}
	w.name = w.apps[0].oauth.sessions.Name()
	value, who := w.login(t)
	aw.takeToken()
	clk.Advance(7*time.Hour + 30*time.Minute) // in the refresh window
	got, set, _ := w.whoami(t, 0, value)
	if !got.LoggedIn || set == "" || got.Token == who.Token {
		t.Fatalf("refresh on the replica that signed in: logged in %v, Set-Cookie %v; want a refreshed session; logs:\n%s", got.LoggedIn, set != "", w.apps[0].logs)
	}
	if calls := basics(aw.takeToken()); !slices.Equal(calls, []bool{false}) {
		t.Errorf("refresh on the replica that learned post, Basic or not: %v; want one with post", calls)
	}
	// Replica 1 has never been to the token endpoint: basic, then post.
	clk.Advance(7*time.Hour + 30*time.Minute)
	got2, set2, _ := w.whoami(t, 1, set)
	if !got2.LoggedIn || set2 == "" {
		t.Fatalf("refresh on a fresh replica: logged in %v, Set-Cookie %v; want a refreshed session; logs:\n%s", got2.LoggedIn, set2 != "", w.apps[1].logs)
	}
	if calls := basics(aw.takeToken()); !slices.Equal(calls, []bool{true, false}) {
		t.Errorf("refresh on a fresh replica, Basic or not: %v; want Basic then post", calls)
	}
	w.logoutWith(t, 1, set2) // it waits for the revocations (up to revokeWait)
	aw.mu.Lock()
	revokes := slices.Clone(aw.revoke)
	aw.mu.Unlock()
	if len(revokes) == 0 {
		t.Fatal("logout revoked nothing")
	}
	for _, c := range revokes {
		if c.basic || c.status != http.StatusOK {
			t.Errorf("revocation: Basic %v, status %d; want post and 200", c.basic, c.status)
		}
	}
	// A refresh refused with invalid_grant on a replica that has not
	// learned the style: the refusal of Basic is a client refusal, so post
	// follows; its invalid_grant is final.
	value3, _ := w.login(t)
	aw.takeToken()
	aw.prov.SetFaults(mock.Faults{TokenAuthPost: true, RefreshInvalidGrant: true})
	clk.Advance(7*time.Hour + 30*time.Minute)
	if got, _, _ := w.whoami(t, 2, value3); !got.LoggedIn {
		t.Fatalf("refused refresh: logged out at once; want the session served for its grace")
	}
	if calls := aw.takeToken(); len(calls) != 2 || calls[1].status != http.StatusBadRequest {
		t.Errorf("refused refresh on a fresh replica: %+v; want Basic refused, then post answered 400, and no more", calls)
	}
}

// TestTokenAuthGrantNotRetriedOnRefresh: a provider that takes both
// styles refuses a refresh with invalid_grant: one token request, whatever
// the replica has learned.
func TestTokenAuthGrantNotRetriedOnRefresh(t *testing.T) {
	t.Parallel()
	clk := stoppedClock()
	aw := watchedProvider(t, clk, &authWatch{methods: bothMethods})
	cfg := realConfig(aw.prov)
	cfg.Now = clk.Now
	w := &world{prov: aw.prov, clk: clk}
	for range 2 {
		w.apps = append(w.apps, guardedApp(t, cfg))
	}
	w.name = w.apps[0].oauth.sessions.Name()
	value, _ := w.login(t)
	aw.takeToken()
	aw.prov.SetFaults(mock.Faults{RefreshInvalidGrant: true})
	clk.Advance(7*time.Hour + 30*time.Minute)
	for r := range 2 {
		if got, _, _ := w.whoami(t, r, value); !got.LoggedIn {
			t.Fatalf("replica %d, refused refresh: logged out at once; want the session served for its grace", r)
		}
		if calls := aw.takeToken(); len(calls) != 1 || !calls[0].basic || calls[0].status != http.StatusBadRequest {
			t.Errorf("replica %d, refresh refused with invalid_grant: %+v; want one Basic request answered 400", r, calls)
		}
	}
}

// configLine returns the first Error-level log line that names the
// provider host as a client credentials problem, or "".
func configLine(logs, host string) string {
	for line := range strings.Lines(logs) {
		if strings.Contains(line, "level=ERROR") && strings.Contains(line, "provider="+host) &&
			strings.Contains(line, "client id and secret") {
			return line
		}
	}
	return ""
}

// TestClientRefusedSignIn: a token endpoint that refuses the app's client
// credentials (a wrong secret: invalid_client; a client not allowed the
// grant: unauthorized_client) is a configuration problem: the log says so
// at Error level, naming the provider's host and what to check, never the
// secret; the page tells the visitor that signing in again will not help.
// An ordinary provider failure logs no such line.
func TestClientRefusedSignIn(t *testing.T) {
	t.Parallel()
	const wrongSecret = "wrong-client-secret-0123456789"
	tests := []struct {
		name   string
		refuse string // what the token endpoint answers, when set
		secret string // Config.ClientSecret, when set
		faults mock.Faults
		config bool // the configuration line is logged
		status int
	}{
		{"wrong secret", "", wrongSecret, mock.Faults{}, true, http.StatusBadGateway},
		{"unauthorized_client", "unauthorized_client", "", mock.Faults{}, true, http.StatusBadGateway},
		{"invalid_client", "invalid_client", "", mock.Faults{}, true, http.StatusBadGateway},
		{"502", "", "", mock.Faults{TokenStatus: http.StatusBadGateway}, false, http.StatusBadGateway},
		{"invalid_grant", "", "", mock.Faults{TokenInvalidGrant: true}, false, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			aw := watchedProvider(t, stoppedClock(), &authWatch{methods: bothMethods, refuse: tt.refuse})
			aw.prov.SetFaults(tt.faults)
			cfg := realConfig(aw.prov)
			if tt.secret != "" {
				cfg.ClientSecret = tt.secret
			}
			a := newApp(t, cfg)
			b := newBrowser(t)
			status, body := b.login(t, a)
			if status != tt.status {
				t.Fatalf("sign-in = %d %q; want %d", status, body, tt.status)
			}
			host := strings.TrimPrefix(aw.prov.URL, "http://")
			line := configLine(a.logs.String(), host)
			if (line != "") != tt.config {
				t.Fatalf("configuration line logged %v; want %v; logs:\n%s", line != "", tt.config, a.logs)
			}
			if tt.config && (!strings.Contains(line, EnvClientSecret) || !strings.Contains(line, "client_id="+mock.TestClientID)) {
				t.Errorf("configuration line %q does not say what to check", line)
			}
			if tt.config && strings.Contains(body, "sign in again") {
				t.Errorf("page %q asks to sign in again, which cannot help", body)
			}
			assertNoSecretsLogged(t, a, b, wrongSecret)
		})
	}
}

// TestClientRefusedRefresh: a refresh refused as invalid_client or
// unauthorized_client logs the configuration problem at Error level and
// does not end the session (unlike invalid_grant): it is served, and
// refreshed once the provider takes the client again.
func TestClientRefusedRefresh(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"invalid_client", "unauthorized_client"} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			clk := stoppedClock()
			aw := watchedProvider(t, clk, &authWatch{methods: bothMethods})
			cfg := realConfig(aw.prov)
			cfg.Now = clk.Now
			w := &world{prov: aw.prov, clk: clk, apps: []*app{guardedApp(t, cfg)}}
			w.name = w.apps[0].oauth.sessions.Name()
			value, who := w.login(t)
			aw.mu.Lock()
			aw.refuse = code
			aw.mu.Unlock()
			clk.Advance(7*time.Hour + 30*time.Minute) // in the refresh window
			got, set, f := w.whoami(t, 0, value)
			if !got.LoggedIn || got.Token != who.Token || set != "" || f.expired(w.name) {
				t.Fatalf("refused client: logged in %v, same token %v, Set-Cookie %v, expired %v; want the session as it is",
					got.LoggedIn, got.Token == who.Token, set != "", f.expired(w.name))
			}
			host := strings.TrimPrefix(aw.prov.URL, "http://")
			if configLine(w.apps[0].logs.String(), host) == "" {
				t.Fatalf("no configuration line at Error level; logs:\n%s", w.apps[0].logs)
			}
			aw.mu.Lock()
			aw.refuse = ""
			aw.mu.Unlock()
			clk.Advance(time.Minute) // past the retry
			if got, set, _ := w.whoami(t, 0, value); !got.LoggedIn || set == "" || got.Token == who.Token {
				t.Fatalf("client taken again: logged in %v, Set-Cookie %v; want a refreshed session; logs:\n%s", got.LoggedIn, set != "", w.apps[0].logs)
			}
			w.noSecrets(t, who.Token, value)
		})
	}
}
