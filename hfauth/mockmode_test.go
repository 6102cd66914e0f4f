package hfauth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/echohf/echohf/mock"
)

// TestMockLoopbackOnly: mock login answers only loopback clients unless
// InsecureMockAllowRemote widens it, and only with the mock key's cookie
// even then. Every row but the last sends that cookie.
func TestMockLoopbackOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		remote   string
		headers  []string
		allow    bool
		want     bool // logged in
		noCookie bool
	}{
		{name: "loopback v4", remote: "127.0.0.1:1234", want: true},
		{name: "loopback v6", remote: "[::1]:1234", want: true},
		{name: "remote", remote: "203.0.113.5:1234"},
		{name: "private network", remote: "10.0.0.2:1234"},
		{name: "forwarded for remote", remote: "127.0.0.1:1234", headers: []string{"X-Forwarded-For", "203.0.113.5"}},
		{name: "forwarded chain", remote: "127.0.0.1:1234", headers: []string{"X-Forwarded-For", "127.0.0.1, 203.0.113.5"}},
		{name: "x-real-ip", remote: "127.0.0.1:1234", headers: []string{"X-Real-Ip", "203.0.113.5"}},
		{name: "Forwarded", remote: "127.0.0.1:1234", headers: []string{"Forwarded", `for="[2001:db8::1]:80";proto=https`}},
		// Any forwarding header means a proxy, whatever it names.
		{name: "forwarded loopback", remote: "127.0.0.1:1234", headers: []string{"X-Forwarded-For", "127.0.0.1"}},
		{name: "Forwarded loopback v6", remote: "127.0.0.1:1234", headers: []string{"Forwarded", `for="[::1]:80"`}},
		{name: "no port", remote: "203.0.113.5"},
		{name: "remote allowed", remote: "203.0.113.5:1234", allow: true, want: true},
		{name: "forwarded allowed", remote: "127.0.0.1:1234", headers: []string{"X-Forwarded-For", "203.0.113.5"}, allow: true, want: true},
		// The Host header must name a loopback host: a DNS-rebinding page
		// reaches the loopback address under its own name.
		{name: "rebinding host", remote: "127.0.0.1:1234", headers: []string{"Host", "evil.example"}},
		{name: "rebinding host with port", remote: "127.0.0.1:1234", headers: []string{"Host", "evil.example:7860"}},
		{name: "loopback ip host", remote: "127.0.0.1:1234", headers: []string{"Host", "127.0.0.1:7860"}, want: true},
		{name: "loopback v6 host", remote: "[::1]:1234", headers: []string{"Host", "[::1]:7860"}, want: true},
		{name: "loopback v6 host without port", remote: "[::1]:1234", headers: []string{"Host", "[::1]"}, want: true},
		{name: "remote v6 host", remote: "[::1]:1234", headers: []string{"Host", "[2001:db8::1]:7860"}},
		{name: "localhost subdomain", remote: "127.0.0.1:1234", headers: []string{"Host", "app.localhost:7860"}, want: true},
		{name: "via a proxy", remote: "127.0.0.1:1234", headers: []string{"Via", "1.1 proxy"}},
		{name: "forwarded host", remote: "127.0.0.1:1234", headers: []string{"X-Forwarded-Host", "space.example.com"}},
		{name: "rebinding allowed", remote: "127.0.0.1:1234", headers: []string{"Host", "evil.example"}, allow: true, want: true},
		// InsecureMockAllowRemote does not waive the key.
		{name: "remote allowed without the cookie", remote: "203.0.113.5:1234", allow: true, noCookie: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t, Config{Mode: ModeMock, InsecureMockAllowRemote: tt.allow})
			cookie := mockKeyCookie(t, a)
			for _, path := range []string{LoginPath, CallbackPath} {
				req := httptest.NewRequest(http.MethodGet, path+"?_target_url=/page", nil)
				req.RemoteAddr = tt.remote
				req.Host = "localhost:7860"
				if !tt.noCookie {
					req.AddCookie(cookie)
				}
				for i := 0; i+1 < len(tt.headers); i += 2 {
					if tt.headers[i] == "Host" {
						req.Host = tt.headers[i+1]
						continue
					}
					req.Header.Set(tt.headers[i], tt.headers[i+1])
				}
				rec := httptest.NewRecorder()
				a.h.ServeHTTP(rec, req)
				minted := false
				for _, c := range rec.Result().Cookies() {
					minted = minted || (c.Name == a.oauth.sessions.Name() && c.MaxAge >= 0 && c.Value != "")
				}
				if tt.want {
					if rec.Code != http.StatusFound {
						t.Errorf("%s = %d %s; want 302", path, rec.Code, rec.Body)
					}
					if path == CallbackPath && !minted {
						t.Errorf("callback minted no session")
					}
					continue
				}
				if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "mock mode") {
					t.Errorf("%s = %d %s; want 403 explaining mock mode", path, rec.Code, rec.Body)
				}
				if minted {
					t.Errorf("%s minted a session for %s", path, tt.remote)
				}
				// Refused before the key is looked at: the answer names the
				// address seen and the switch.
				if !tt.allow && (!strings.Contains(rec.Body.String(), remoteIP(tt.remote)) || !strings.Contains(rec.Body.String(), EnvMockAllowRemote)) {
					t.Errorf("%s = %s; want the address %s and %s named", path, rec.Body, remoteIP(tt.remote), EnvMockAllowRemote)
				}
			}
		})
	}
}

// fakeHub serves /api/whoami-v2 for token, counting calls.
func fakeHub(t *testing.T, token string, status int) (*httptest.Server, *atomic.Int32, *atomic.Int32) {
	var calls, badAuth atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/api/whoami-v2" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+token {
			badAuth.Add(1)
			http.Error(w, `{"error":"Invalid credentials"}`, http.StatusUnauthorized)
			return
		}
		if status != http.StatusOK {
			http.Error(w, "boom", status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"type":"user","id":"u-alice","name":"alice","fullname":"Alice A","email":"alice@example.com","emailVerified":true,
			"avatarUrl":"https://cdn.example/alice.png","isPro":true,"canPay":false,"periodEnd":null,
			"orgs":[{"type":"org","id":"o-acme","name":"acme","fullname":"Acme Inc","avatarUrl":"https://cdn.example/acme.png","isEnterprise":true,"roleInOrg":"admin","plan":"enterprise"}],
			"auth":{"type":"access_token","accessToken":{"displayName":"x","role":"read"}}}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls, &badAuth
}

func TestMockWhoami(t *testing.T) {
	t.Parallel()
	const token = "hf_localmachinetoken123"
	hub, calls, badAuth := fakeHub(t, token, http.StatusOK)
	a := newApp(t, Config{Mode: ModeMock, HFToken: token, HFEndpoint: hub.URL + "/"})
	w := newBrowser(t).mustLogin(t, a)
	u := w.Info.UserInfo
	if u.PreferredUsername != "alice" || u.Sub != "u-alice" || u.Name != "Alice A" || !u.IsPro || u.Picture != "https://cdn.example/alice.png" {
		t.Errorf("mocked user = %+v; want alice from whoami", u)
	}
	if u.Email == nil || *u.Email != "alice@example.com" || u.CanPay == nil || *u.CanPay {
		t.Errorf("email %v canPay %v", u.Email, u.CanPay)
	}
	if u.Profile != hub.URL+"/alice" {
		t.Errorf("profile = %q; want %s/alice", u.Profile, hub.URL)
	}
	if len(u.Orgs) != 1 || u.Orgs[0].PreferredUsername != "acme" || u.Orgs[0].RoleInOrg == nil || *u.Orgs[0].RoleInOrg != "admin" || !u.Orgs[0].IsEnterprise {
		t.Errorf("orgs = %+v; want acme as admin", u.Orgs)
	}
	if calls.Load() != 1 || badAuth.Load() != 0 {
		t.Errorf("whoami calls %d, with a bad token %d; want 1 and 0", calls.Load(), badAuth.Load())
	}
	if w.Token == token || !strings.HasPrefix(w.Token, "hf_oauth_mock_") {
		t.Errorf("session access token = %q; want a fake, not HF_TOKEN", w.Token)
	}
	if strings.Contains(a.logs.String(), token) {
		t.Errorf("HF_TOKEN in the logs:\n%s", a.logs)
	}
	if !strings.Contains(a.logs.String(), "MOCK MODE") {
		t.Errorf("no mock mode warning at startup:\n%s", a.logs)
	}

	carry := newApp(t, Config{Mode: ModeMock, HFToken: token, HFEndpoint: hub.URL, MockCarryHFToken: true})
	if w := newBrowser(t).mustLogin(t, carry); w.Token != token {
		t.Errorf("with MockCarryHFToken, token = %q; want HF_TOKEN", w.Token)
	}
}

func TestMockWhoamiFails(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		status int
		token  string
	}{
		{"server error", http.StatusInternalServerError, "hf_tok_ok"},
		{"bad token", http.StatusOK, "hf_tok_other"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hub, calls, _ := fakeHub(t, "hf_tok_ok", tt.status)
			a := newApp(t, Config{Mode: ModeMock, HFToken: tt.token, HFEndpoint: hub.URL})
			for range 3 {
				w := newBrowser(t).mustLogin(t, a)
				if w.Info.UserInfo.PreferredUsername != mock.DefaultUser().PreferredUsername {
					t.Errorf("user = %q; want the default mock user", w.Info.UserInfo.PreferredUsername)
				}
			}
			if calls.Load() != 3 {
				t.Errorf("whoami calls = %d; want 3", calls.Load())
			}
			if n := strings.Count(a.logs.String(), "whoami with HF_TOKEN failed"); n != 1 {
				t.Errorf("%d whoami warnings; want exactly 1:\n%s", n, a.logs)
			}
			if strings.Contains(a.logs.String(), tt.token) {
				t.Errorf("HF_TOKEN in the logs")
			}
		})
	}
	t.Run("no token", func(t *testing.T) {
		a := newApp(t, Config{Mode: ModeMock})
		w := newBrowser(t).mustLogin(t, a)
		want := mock.DefaultUser()
		if w.Info.UserInfo.PreferredUsername != want.PreferredUsername || len(w.Info.UserInfo.Orgs) != len(want.Orgs) {
			t.Errorf("user = %+v; want the default mock user", w.Info.UserInfo)
		}
		if strings.Contains(a.logs.String(), "whoami") {
			t.Errorf("whoami warning without a token:\n%s", a.logs)
		}
	})
}
