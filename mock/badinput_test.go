package mock_test

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/echohf/echohf/mock"
)

const issuer = "http://127.0.0.1:5556"

// env is a provider driven through its handler, with a settable clock.
type env struct {
	t        testing.TB
	p        *mock.Provider
	now      time.Time
	verifier string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, now: time.Now(), verifier: oauth2.GenerateVerifier()}
	p, err := mock.New(issuer, mock.Config{
		Key: sharedKey(t),
		Now: func() time.Time { return e.now },
		Clients: []mock.Client{
			{ID: mock.TestClientID, Secret: mock.TestClientSecret, RedirectURIs: []string{callback}},
			{ID: "other", Secret: "other-secret", RedirectURIs: []string{callback}},
			{ID: "odd id:é", Secret: "p@ss:word%+", RedirectURIs: []string{callback}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.p = p
	return e
}

func (e *env) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.p.ServeHTTP(w, r)
	return w
}

func authQuery(mods ...func(url.Values)) url.Values {
	q := url.Values{
		"client_id":     {mock.TestClientID},
		"redirect_uri":  {callback},
		"response_type": {"code"},
		"scope":         {"openid profile"},
		"state":         {"xyz"},
	}
	for _, m := range mods {
		m(q)
	}
	return q
}

// code runs authorize for q (PKCE with e.verifier unless q has its own challenge) and returns the code.
func (e *env) code(q url.Values) string {
	e.t.Helper()
	if !q.Has("code_challenge") && !q.Has("no_pkce") {
		q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(e.verifier))
		q.Set("code_challenge_method", "S256")
	}
	q.Del("no_pkce")
	w := e.serve(httptest.NewRequest(http.MethodGet, issuer+"/oauth/authorize?"+q.Encode(), nil))
	loc, _ := url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusFound || loc.Query().Get("code") == "" {
		e.t.Fatalf("authorize: %d %s", w.Code, w.Header().Get("Location"))
	}
	return loc.Query().Get("code")
}

func tokenForm(code, verifier string, mods ...func(url.Values)) url.Values {
	f := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {callback},
		"code_verifier": {verifier},
		"client_id":     {mock.TestClientID},
		"client_secret": {mock.TestClientSecret},
	}
	for _, m := range mods {
		m(f)
	}
	return f
}

func postForm(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, issuer+"/oauth/token", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// exchange redeems a fresh code and returns the token response.
func (e *env) exchange() map[string]any {
	e.t.Helper()
	w := e.serve(postForm(tokenForm(e.code(authQuery()), e.verifier).Encode()))
	if w.Code != 200 {
		e.t.Fatalf("exchange: %d %s", w.Code, w.Body)
	}
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		e.t.Fatal(err)
	}
	return m
}

func set(k, v string) func(url.Values) { return func(q url.Values) { q.Set(k, v) } }
func del(k string) func(url.Values)    { return func(q url.Values) { q.Del(k) } }
func add(k, v string) func(url.Values) { return func(q url.Values) { q.Add(k, v) } }

func TestAuthorizeBadInput(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		rawQuery  string
		want      int
		wantError string // error in the redirect's query; "" for a 400 page or 405
	}{
		{"missing client_id", "", authQuery(del("client_id")).Encode(), 400, ""},
		{"unknown client", "", authQuery(set("client_id", "nope")).Encode(), 400, ""},
		{"repeated client_id", "", authQuery(add("client_id", mock.TestClientID)).Encode(), 400, ""},
		{"missing redirect_uri", "", authQuery(del("redirect_uri")).Encode(), 400, ""},
		{"wrong redirect_uri", "", authQuery(set("redirect_uri", "https://evil.example/cb")).Encode(), 400, ""},
		{"wrong redirect path", "", authQuery(set("redirect_uri", "http://127.0.0.1:9999/other")).Encode(), 400, ""},
		{"redirect_uri with fragment", "", authQuery(set("redirect_uri", callback+"#x")).Encode(), 400, ""},
		{"relative redirect_uri", "", authQuery(set("redirect_uri", "/oauth/huggingface/callback")).Encode(), 400, ""},
		{"malformed query", "", "client_id=%zz&" + authQuery().Encode(), 400, ""},
		{"missing response_type", "", authQuery(del("response_type")).Encode(), 302, "invalid_request"},
		{"response_type token", "", authQuery(set("response_type", "token")).Encode(), 302, "unsupported_response_type"},
		{"missing scope", "", authQuery(del("scope")).Encode(), 302, "invalid_scope"},
		{"scope without openid", "", authQuery(set("scope", "profile email")).Encode(), 302, "invalid_scope"},
		{"unknown scope", "", authQuery(set("scope", "openid admin")).Encode(), 302, "invalid_scope"},
		{"plain PKCE", "", authQuery(set("code_challenge", strings.Repeat("a", 43)), set("code_challenge_method", "plain")).Encode(), 302, "invalid_request"},
		{"challenge without method", "", authQuery(set("code_challenge", oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier()))).Encode(), 302, "invalid_request"},
		{"method without challenge", "", authQuery(set("code_challenge_method", "S256")).Encode(), 302, "invalid_request"},
		{"malformed challenge", "", authQuery(set("code_challenge", "short"), set("code_challenge_method", "S256")).Encode(), 302, "invalid_request"},
		{"repeated state", "", authQuery(add("state", "other")).Encode(), 302, "invalid_request"},
		{"prompt none with consent", "", authQuery(set("prompt", "none consent")).Encode(), 302, "invalid_request"},
		{"repeated prompt", "", authQuery(set("prompt", "consent"), add("prompt", "login")).Encode(), 302, "invalid_request"},
		{"POST", http.MethodPost, authQuery().Encode(), 405, ""},
		{"DELETE", http.MethodDelete, authQuery().Encode(), 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			r := httptest.NewRequest(method, issuer+"/oauth/authorize", nil)
			r.URL.RawQuery = tt.rawQuery
			w := e.serve(r)
			if w.Code != tt.want {
				t.Fatalf("status %d; want %d (%s)", w.Code, tt.want, w.Body)
			}
			loc := w.Header().Get("Location")
			if tt.want != 302 {
				if loc != "" {
					t.Errorf("Location %q on a %d", loc, w.Code)
				}
				return
			}
			u, _ := url.Parse(loc)
			if !strings.HasPrefix(loc, callback+"?") {
				t.Errorf("redirected to %q", loc)
			}
			q := u.Query()
			if q.Get("error") != tt.wantError || q.Get("error_description") == "" || q.Has("code") {
				t.Errorf("redirect query %v; want error %q", q, tt.wantError)
			}
			if tt.name != "repeated state" && q.Get("state") != "xyz" {
				t.Errorf("state = %q; want xyz", q.Get("state"))
			}
		})
	}
}

func TestAuthorizeStateEcho(t *testing.T) {
	e := newEnv(t)
	for _, state := range []string{"", "a b+c/d?e=f&g", "ü"} {
		q := authQuery(del("state"))
		if state != "" {
			q.Set("state", state)
		}
		w := e.serve(httptest.NewRequest(http.MethodGet, issuer+"/oauth/authorize?"+q.Encode(), nil))
		u, _ := url.Parse(w.Header().Get("Location"))
		got := u.Query()
		if state == "" && got.Has("state") {
			t.Errorf("state present without a state in the request: %v", got)
		}
		if got.Get("state") != state {
			t.Errorf("state = %q; want %q", got.Get("state"), state)
		}
		if c := got.Get("code"); len(c) < 43 {
			t.Errorf("code %q is short", c)
		}
	}
}

func TestTokenBadInput(t *testing.T) {
	type req struct {
		body   string
		header map[string]string
		method string
	}
	basic := func(id, secret string) map[string]string {
		return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))}
	}
	noSecret := func(f url.Values) { f.Del("client_id"); f.Del("client_secret") }
	tests := []struct {
		name     string
		build    func(e *env) req
		want     int
		wantCode string
	}{
		{"no client authentication", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery()), e.verifier, noSecret).Encode()}
		}, 401, "invalid_client"},
		{"wrong secret (post)", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery()), e.verifier, set("client_secret", "nope")).Encode()}
		}, 401, "invalid_client"},
		{"unknown client (post)", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery()), e.verifier, set("client_id", "nope")).Encode()}
		}, 401, "invalid_client"},
		{"wrong secret (basic)", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery()), e.verifier, noSecret).Encode(), header: basic(mock.TestClientID, "nope")}
		}, 401, "invalid_client"},
		{"garbage Basic", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery()), e.verifier, noSecret).Encode(), header: map[string]string{"Authorization": "Basic !!!not base64"}}
		}, 401, "invalid_client"},
		{"Bearer instead of Basic", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery()), e.verifier).Encode(), header: map[string]string{"Authorization": "Bearer x"}}
		}, 401, "invalid_client"},
		{"Basic with bad escapes", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery()), e.verifier, noSecret).Encode(), header: map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("%zz:%zz"))}}
		}, 401, "invalid_client"},
		{"basic and post together", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery()), e.verifier).Encode(), header: basic(mock.TestClientID, mock.TestClientSecret)}
		}, 400, "invalid_request"},
		{"basic with another client_id in the body", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery()), e.verifier, del("client_secret"), set("client_id", "other")).Encode(), header: basic(mock.TestClientID, mock.TestClientSecret)}
		}, 400, "invalid_request"},
		{"JSON body", func(e *env) req {
			return req{body: `{"grant_type":"authorization_code"}`, header: map[string]string{"Content-Type": "application/json"}}
		}, 400, "invalid_request"},
		{"no content type", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery()), e.verifier).Encode(), header: map[string]string{"Content-Type": ""}}
		}, 400, "invalid_request"},
		{"huge body", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery()), e.verifier, set("pad", strings.Repeat("x", 1<<20))).Encode()}
		}, 400, "invalid_request"},
		{"malformed body", func(e *env) req { return req{body: "grant_type=%zz&code=;;"} }, 400, "invalid_request"},
		{"repeated parameter", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery()), e.verifier, add("code", "again")).Encode()}
		}, 400, "invalid_request"},
		{"missing grant_type", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery()), e.verifier, del("grant_type")).Encode()}
		}, 400, "invalid_request"},
		{"password grant", func(e *env) req {
			return req{body: tokenForm("", "", set("grant_type", "password")).Encode()}
		}, 400, "unsupported_grant_type"},
		{"missing code", func(e *env) req { return req{body: tokenForm("", e.verifier).Encode()} }, 400, "invalid_request"},
		{"unknown code", func(e *env) req { return req{body: tokenForm("nope", e.verifier).Encode()} }, 400, "invalid_grant"},
		{"missing redirect_uri", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery()), e.verifier, del("redirect_uri")).Encode()}
		}, 400, "invalid_request"},
		{"other redirect_uri", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery()), e.verifier, set("redirect_uri", callback+"2")).Encode()}
		}, 400, "invalid_grant"},
		{"missing verifier", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery()), "", del("code_verifier")).Encode()}
		}, 400, "invalid_grant"},
		{"wrong verifier", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery()), oauth2.GenerateVerifier()).Encode()}
		}, 400, "invalid_grant"},
		{"malformed verifier", func(e *env) req { return req{body: tokenForm(e.code(authQuery()), "short!").Encode()} }, 400, "invalid_grant"},
		{"malformed verifier matching its challenge", func(e *env) req {
			// The SHA-256 matches; only the RFC 7636 length and alphabet rules refuse "short!".
			q := authQuery(set("code_challenge", oauth2.S256ChallengeFromVerifier("short!")), set("code_challenge_method", "S256"))
			return req{body: tokenForm(e.code(q), "short!").Encode()}
		}, 400, "invalid_grant"},
		{"verifier without challenge", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery(set("no_pkce", "1"))), e.verifier).Encode()}
		}, 400, "invalid_grant"},
		{"code of another client", func(e *env) req {
			return req{body: tokenForm(e.code(authQuery(set("client_id", "other"))), e.verifier).Encode()}
		}, 400, "invalid_grant"},
		{"expired code", func(e *env) req {
			c := e.code(authQuery())
			e.now = e.now.Add(mock.DefaultCodeTTL + time.Second)
			return req{body: tokenForm(c, e.verifier).Encode()}
		}, 400, "invalid_grant"},
		{"missing refresh_token", func(e *env) req {
			return req{body: tokenForm("", "", set("grant_type", "refresh_token")).Encode()}
		}, 400, "invalid_request"},
		{"unknown refresh_token", func(e *env) req {
			return req{body: tokenForm("", "", set("grant_type", "refresh_token"), set("refresh_token", "nope")).Encode()}
		}, 400, "invalid_grant"},
		{"refresh_token of another client", func(e *env) req {
			rt := e.exchange()["refresh_token"].(string)
			return req{body: tokenForm("", "", set("grant_type", "refresh_token"), set("refresh_token", rt), set("client_id", "other"), set("client_secret", "other-secret")).Encode()}
		}, 400, "invalid_grant"},
		{"expired refresh_token", func(e *env) req {
			rt := e.exchange()["refresh_token"].(string)
			e.now = e.now.Add(mock.DefaultRefreshTokenTTL + time.Second)
			return req{body: tokenForm("", "", set("grant_type", "refresh_token"), set("refresh_token", rt)).Encode()}
		}, 400, "invalid_grant"},
		{"refresh with a broader scope", func(e *env) req {
			rt := e.exchange()["refresh_token"].(string)
			return req{body: tokenForm("", "", set("grant_type", "refresh_token"), set("refresh_token", rt), set("scope", "openid profile email")).Encode()}
		}, 400, "invalid_scope"},
		{"GET", func(e *env) req { return req{method: http.MethodGet} }, 405, "invalid_request"},
		{"PUT", func(e *env) req { return req{method: http.MethodPut, body: tokenForm("x", "y").Encode()} }, 405, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			rq := tt.build(e)
			r := postForm(rq.body)
			if rq.method != "" {
				r.Method = rq.method
			}
			for k, v := range rq.header {
				r.Header.Set(k, v)
			}
			w := e.serve(r)
			var body struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q is not JSON: %v", w.Body, err)
			}
			if w.Code != tt.want || body.Error != tt.wantCode {
				t.Errorf("%d %q; want %d %q (%s)", w.Code, body.Error, tt.want, tt.wantCode, w.Body)
			}
			if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Content-Type") != "application/json" {
				t.Errorf("headers %v", w.Header())
			}
			if strings.HasPrefix(rq.header["Authorization"], "Basic") && w.Code == 401 && w.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 to Basic without WWW-Authenticate")
			}
			if w.Code == 405 && w.Header().Get("Allow") != "POST" {
				t.Errorf("Allow = %q", w.Header().Get("Allow"))
			}
		})
	}
}

func TestTokenBasicEncoding(t *testing.T) {
	// RFC 6749 section 2.3.1: id and secret are form-urlencoded before Basic encoding.
	e := newEnv(t)
	c := e.code(authQuery(set("client_id", "odd id:é")))
	r := postForm(tokenForm(c, e.verifier, del("client_id"), del("client_secret")).Encode())
	r.SetBasicAuth(url.QueryEscape("odd id:é"), url.QueryEscape("p@ss:word%+"))
	if w := e.serve(r); w.Code != 200 {
		t.Errorf("status %d: %s", w.Code, w.Body)
	}
}

func TestCodeReplayRevokes(t *testing.T) {
	e := newEnv(t)
	c := e.code(authQuery())
	w := e.serve(postForm(tokenForm(c, e.verifier).Encode()))
	if w.Code != 200 {
		t.Fatalf("first exchange: %d %s", w.Code, w.Body)
	}
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    int    `json:"expires_in"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil {
		t.Fatal(err)
	}
	if tok.TokenType != "bearer" || tok.ExpiresIn != int(mock.DefaultAccessTokenTTL/time.Second) {
		t.Errorf("token response %s", w.Body)
	}
	if w := e.serve(postForm(tokenForm(c, e.verifier).Encode())); w.Code != 400 || !strings.Contains(w.Body.String(), "invalid_grant") {
		t.Errorf("replayed code: %d %s", w.Code, w.Body)
	}
	if w := e.serve(userinfoReq(http.MethodGet, "Bearer "+tok.AccessToken)); w.Code != 401 {
		t.Errorf("access token of a replayed code: userinfo %d; want 401", w.Code)
	}
	if w := e.serve(postForm(tokenForm("", "", set("grant_type", "refresh_token"), set("refresh_token", tok.RefreshToken)).Encode())); w.Code != 400 {
		t.Errorf("refresh token of a replayed code: %d; want 400", w.Code)
	}
}

func userinfoReq(method, auth string) *http.Request {
	r := httptest.NewRequest(method, issuer+"/oauth/userinfo", nil)
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	return r
}

func TestUserinfoBadInput(t *testing.T) {
	tests := []struct {
		name   string
		method string
		auth   func(e *env) string
		want   int
		wantWA string // substring of WWW-Authenticate
	}{
		{"no Authorization", "GET", func(*env) string { return "" }, 401, "Bearer"},
		{"Basic", "GET", func(*env) string { return "Basic dXNlcjpwYXNz" }, 401, "Bearer"},
		{"empty Bearer", "GET", func(*env) string { return "Bearer " }, 401, `error="invalid_token"`},
		{"unknown token", "GET", func(*env) string { return "Bearer hf_oauth_nope" }, 401, `error="invalid_token"`},
		{"garbage", "GET", func(*env) string { return "\x00\x01 \xff" }, 401, "Bearer"},
		{"refresh token as access token", "GET", func(e *env) string { return "Bearer " + e.exchange()["refresh_token"].(string) }, 401, `error="invalid_token"`},
		{"expired token", "GET", func(e *env) string {
			at := e.exchange()["access_token"].(string)
			e.now = e.now.Add(mock.DefaultAccessTokenTTL + time.Second)
			return "Bearer " + at
		}, 401, `error="invalid_token"`},
		{"lower-case bearer", "GET", func(e *env) string { return "bearer " + e.exchange()["access_token"].(string) }, 200, ""},
		{"POST", "POST", func(e *env) string { return "Bearer " + e.exchange()["access_token"].(string) }, 200, ""},
		{"DELETE", "DELETE", func(e *env) string { return "Bearer " + e.exchange()["access_token"].(string) }, 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			w := e.serve(userinfoReq(tt.method, tt.auth(e)))
			if w.Code != tt.want {
				t.Fatalf("status %d; want %d (%s)", w.Code, tt.want, w.Body)
			}
			if wa := w.Header().Get("WWW-Authenticate"); !strings.Contains(wa, tt.wantWA) {
				t.Errorf("WWW-Authenticate %q; want %q", wa, tt.wantWA)
			}
		})
	}
}

func TestOtherEndpointsBadInput(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{"POST", "/.well-known/openid-configuration", 405},
		{"PUT", "/oauth/jwks", 405},
		{"GET", "/oauth/nope", 404},
		{"GET", "/", 404},
		{"GET", "/.well-known/openid-configuration", 200},
		{"HEAD", "/oauth/jwks", 200},
	} {
		w := e.serve(httptest.NewRequest(tt.method, issuer+tt.path, nil))
		if w.Code != tt.want {
			t.Errorf("%s %s: %d; want %d", tt.method, tt.path, w.Code, tt.want)
		}
	}
	if n := e.p.Requests(mock.EndpointDiscovery); n != 2 {
		t.Errorf("Requests(discovery) = %d; want 2 (405s count)", n)
	}
}

func TestIssuerWithPath(t *testing.T) {
	p, err := mock.New("https://example.com/hf/", mock.Config{Key: sharedKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "https://example.com/hf/.well-known/openid-configuration", nil))
	if body := w.Body.String(); w.Code != 200 || !strings.Contains(body, `"issuer":"https://example.com/hf"`) ||
		!strings.Contains(body, `"jwks_uri":"https://example.com/hf/oauth/jwks"`) {
		t.Errorf("discovery: %d %s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "https://example.com/.well-known/openid-configuration", nil))
	if w.Code != 404 {
		t.Errorf("outside the issuer path: %d", w.Code)
	}
}

func TestNewErrors(t *testing.T) {
	for _, tt := range []struct {
		name   string
		issuer string
		cfg    mock.Config
	}{
		{"relative issuer", "/x", mock.Config{}},
		{"ftp issuer", "ftp://example.com", mock.Config{}},
		{"issuer with query", "http://example.com?x=1", mock.Config{}},
		{"negative TTL", issuer, mock.Config{CodeTTL: -1}},
		{"scopes without openid", issuer, mock.Config{Scopes: []string{"profile"}}},
		{"user without sub", issuer, mock.Config{Users: []mock.User{{PreferredUsername: "x"}}}},
		{"client without ID", issuer, mock.Config{Clients: []mock.Client{{Secret: "x"}}}},
		{"bad redirect URI", issuer, mock.Config{Clients: []mock.Client{{ID: "x", RedirectURIs: []string{"/cb"}}}}},
		{"invalid key", issuer, mock.Config{Key: &rsa.PrivateKey{}}},
		{"model id without author", issuer, mock.Config{Models: []mock.Model{{ID: "lonely"}}}},
		{"model id with two slashes", issuer, mock.Config{Models: []mock.Model{{ID: "a/b/c"}}}},
	} {
		cfg := tt.cfg
		if cfg.Key == nil {
			cfg.Key = sharedKey(t)
		}
		if _, err := mock.New(tt.issuer, cfg); err == nil {
			t.Errorf("%s: New succeeded", tt.name)
		}
	}
}

func TestStartAtRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "example.com:0", "nonsense"} {
		if s, err := mock.StartAt(addr, mock.Config{Key: sharedKey(t)}); err == nil {
			s.Close()
			if addr != ":0" {
				t.Errorf("StartAt(%q) succeeded", addr)
			}
		}
	}
}
