package mock_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzToken posts arbitrary form bodies and Authorization headers to the token endpoint:
// never a 5xx, never a panic.
func FuzzToken(f *testing.F) {
	e := newEnv(f)
	code := e.code(authQuery())
	f.Add(tokenForm(code, e.verifier).Encode(), "")
	f.Add("grant_type=refresh_token&refresh_token=x&client_id=test-client&client_secret=test-secret", "")
	f.Add("grant_type=authorization_code&code=%zz", "Basic dGVzdC1jbGllbnQ6dGVzdC1zZWNyZXQ=")
	f.Add("grant_type=authorization_code&code="+code+"&redirect_uri=x", "Basic %%%")
	f.Add("", "Bearer x")
	f.Fuzz(func(t *testing.T, body, auth string) {
		r := postForm(body)
		if auth != "" {
			r.Header["Authorization"] = []string{auth}
		}
		w := httptest.NewRecorder()
		e.p.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("token(%q, %q) = %d %s", body, auth, w.Code, w.Body)
		}
	})
}

// FuzzAuthorize sends arbitrary query strings to the authorize endpoint: never a 5xx,
// never a panic, and never a redirect anywhere but the registered callback (on any port).
func FuzzAuthorize(f *testing.F) {
	e := newEnv(f)
	f.Add(authQuery().Encode())
	f.Add(authQuery(set("code_challenge", "abc"), set("code_challenge_method", "plain")).Encode())
	f.Add("client_id=test-client&redirect_uri=http://evil.example/")
	f.Add("client_id=%zz&&&;redirect_uri")
	f.Fuzz(func(t *testing.T, rawQuery string) {
		r := httptest.NewRequest(http.MethodGet, issuer+"/oauth/authorize", nil)
		r.URL.RawQuery = rawQuery
		w := httptest.NewRecorder()
		e.p.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("authorize(%q) = %d %s", rawQuery, w.Code, w.Body)
		}
		if w.Code == http.StatusFound {
			loc := w.Header().Get("Location")
			u, err := url.Parse(loc)
			if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Path != "/oauth/huggingface/callback" {
				t.Fatalf("authorize(%q) redirected to %q", rawQuery, loc)
			}
		}
	})
}
