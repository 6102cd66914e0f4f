package hfauth

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/echohf/echohf/mock"
)

func TestSanitizeTarget(t *testing.T) {
	t.Parallel()
	long := "/" + strings.Repeat("a", maxTargetLen)
	okLong := "/" + strings.Repeat("a", maxTargetLen-1)
	tests := []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/a", "/a"},
		{"/a?b=c", "/a?b=c"},
		{"/a/b?c=d&e=f#frag", "/a/b?c=d&e=f#frag"},
		{"/%E2%9C%93", "/%E2%9C%93"},
		{"/a%20b", "/a%20b"},
		{"/a?next=%2Fb", "/a?next=%2Fb"},
		{"//evil.com", "/"},
		{"////evil.com", "/"},
		{"///evil.com", "/"},
		{"/\\evil.com", "/"},
		{"\\\\evil.com", "/"},
		{"\\/evil.com", "/"},
		{"/a\\b", "/"},
		{"https://evil.com", "/"},
		{"http://evil.com/x", "/"},
		{"HTTPS://evil.com", "/"},
		{"javascript:alert(1)", "/"},
		{"data:text/html,x", "/"},
		{"evil.com", "/"},
		{"a/b", "/"},
		{"?x=1", "/"},
		{"#x", "/"},
		{"/%2F%2Fevil.com", "/"},
		{"/%2f%2fevil.com", "/"},
		{"/%5Cevil.com", "/"},
		{"/%5cevil.com", "/"},
		{"%2F%2Fevil.com", "/"},
		{"/%252F%252Fevil.com", "/"},
		{"/%25252F%25252Fevil.com", "/"},
		{"/\tevil", "/"},
		{"/\t/evil.com", "/"},
		{"/%09/evil.com", "/"},
		{"/%0A/evil.com", "/"},
		{"/%0d%0aSet-Cookie:x=y", "/"},
		{"/a\nb", "/"},
		{"/a\rb", "/"},
		{"/a\x00b", "/"},
		{"/a\x7fb", "/"},
		{"/%00", "/"},
		{"/%7F", "/"},
		{"\x01/a", "/"},
		{" /a", "/"},
		{"/a\u2028b", "/"},
		{"/%E2%80%A8", "/"},
		{"/%zz", "/"},
		{long, "/"},
		{okLong, okLong},
	}
	for _, tt := range tests {
		if got := SanitizeTarget(tt.in); got != tt.want {
			t.Errorf("SanitizeTarget(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestOpenRedirectEndToEnd: login, callback and logout with a foreign
// target all land on "/", in both modes.
func TestOpenRedirectEndToEnd(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	realApp := newApp(t, realConfig(prov))
	mockApp := newApp(t, Config{Mode: ModeMock})
	evil := []string{"//evil.com", "////evil.com", "/\\evil.com", "https://evil.com", "/%2F%2Fevil.com", "/%09/evil.com"}
	for _, a := range []*app{realApp, mockApp} {
		for _, target := range evil {
			q := "?_target_url=" + url.QueryEscape(target)
			c := jarClient(t)
			if a == mockApp {
				fetch(t, c, a.URL+a.oauth.MockLoginURL("")) // the mock key's cookie
			}
			f := fetch(t, c, a.URL+LoginPath+q)
			if f.StatusCode != http.StatusFound {
				t.Fatalf("login = %d %s", f.StatusCode, f.body)
			}
			if a == mockApp {
				// Mock login goes straight to the callback.
				if u, _ := url.Parse(f.rawLocation()); u.Query().Get(paramTarget) != "/" {
					t.Errorf("mock login %q: Location %q; want _target_url=/", target, f.rawLocation())
				}
			} else {
				f = fetch(t, c, f.location(t)) // the provider
			}
			f = fetch(t, c, f.location(t)) // the callback
			if f.StatusCode != http.StatusFound || f.rawLocation() != "/" {
				t.Errorf("%s callback for %q = %d Location %q; want 302 /", a.oauth.Mode(), target, f.StatusCode, f.rawLocation())
			}
			if f.setCookie(a.oauth.sessions.Name()) == "" {
				t.Errorf("no session minted: %s", f.body)
			}
			// A crafted callback URL whose own _target_url is foreign.
			if a == mockApp {
				f = fetch(t, c, a.URL+CallbackPath+q)
				if f.rawLocation() != "/" {
					t.Errorf("mock callback%s: Location %q; want /", q, f.rawLocation())
				}
			}
			f = fetch(t, c, a.URL+LogoutPath+q)
			if f.StatusCode != http.StatusFound || f.rawLocation() != "/" {
				t.Errorf("logout %q = %d Location %q; want 302 /", target, f.StatusCode, f.rawLocation())
			}
		}
	}
	// The login route keeps the query on "/" when no target is given.
	c := jarClient(t)
	fetch(t, c, mockApp.URL+mockApp.oauth.MockLoginURL(""))
	f := fetch(t, c, mockApp.URL+LoginPath+"?a=1")
	if u, _ := url.Parse(f.rawLocation()); u.Query().Get(paramTarget) != "/?a=1" {
		t.Errorf("login?a=1: Location %q; want _target_url=/?a=1", f.rawLocation())
	}
}

// TestLoginURL checks the links the package builds.
func TestLoginURL(t *testing.T) {
	t.Parallel()
	o, err := New(Config{Mode: ModeMock, Prefix: "/p/"})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	tests := []struct {
		target string
		orgs   []string
		want   string
	}{
		{"", nil, "/p" + LoginPath},
		{"/x?y=1", nil, "/p" + LoginPath + "?_target_url=%2Fx%3Fy%3D1"},
		{"//evil.com", nil, "/p" + LoginPath + "?_target_url=%2F"},
		{"/x", []string{"org1", "bad id", "org2"}, "/p" + LoginPath + "?_target_url=%2Fx&orgIds=org1,org2"},
	}
	for _, tt := range tests {
		if got := o.LoginURL(tt.target, tt.orgs...); got != tt.want {
			t.Errorf("LoginURL(%q, %q) = %q; want %q", tt.target, tt.orgs, got, tt.want)
		}
	}
	if got, want := o.LogoutURL("https://evil.com"), "/p"+LogoutPath+"?_target_url=%2F"; got != want {
		t.Errorf("LogoutURL = %q; want %q", got, want)
	}
}

// TestOrgIDsOnAuthorizeURL: configured and requested org ids reach the
// provider's authorize URL once each, at most 16 in all; invalid ones are
// dropped.
func TestOrgIDsOnAuthorizeURL(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	cfg := realConfig(prov)
	cfg.OrgIDs = []string{"cfgorg"}
	a := newApp(t, cfg)
	var many, first15 []string
	for i := range 20 {
		many = append(many, fmt.Sprintf("org%d", i))
	}
	first15 = many[:15]
	tests := []struct{ query, want string }{
		{"orgIds=abc,bad%20id,def", "cfgorg,abc,def"},
		{"orgIds=abc,cfgorg&orgIds=abc,def", "cfgorg,abc,def"},
		{"orgIds=" + strings.Join(many, ","), "cfgorg," + strings.Join(first15, ",")},
		{"orgIds=,,", "cfgorg"},
	}
	for _, tt := range tests {
		u, _ := url.Parse(fetch(t, jarClient(t), a.URL+LoginPath+"?"+tt.query).rawLocation())
		if got := u.Query().Get("orgIds"); got != tt.want {
			t.Errorf("login?%.40s: orgIds = %q; want %q", tt.query, got, tt.want)
		}
	}
	f := fetch(t, jarClient(t), a.URL+LoginPath)
	u, _ := url.Parse(f.rawLocation())
	if u.Query().Get("code_challenge_method") != "S256" || u.Query().Get("nonce") == "" || len(u.Query().Get("state")) < 22 {
		t.Errorf("authorize URL lacks PKCE S256, nonce or a 128-bit state: %s", f.rawLocation())
	}
}

// TestLoginTarget: without _target_url, a login comes back to "/" with the
// login URL's query, less the parameters that steer the login itself
// (_nb_redirects, orgIds and mock_key).
func TestLoginTarget(t *testing.T) {
	t.Parallel()
	tests := []struct{ query, want string }{
		{"", "/"},
		{"a=1", "/?a=1"},
		{"b=2&a=1&a=3", "/?a=1&a=3&b=2"},
		{"_nb_redirects=1", "/"},
		{"orgIds=abc,def", "/"},
		{"_nb_redirects=2&orgIds=abc&orgIds=def", "/"},
		{"_nb_redirects=1&a=1&orgIds=abc", "/?a=1"},
		{"orgIdsx=1&x_nb_redirects=2", "/?orgIdsx=1&x_nb_redirects=2"},
		{"_target_url=%2Fx%3Fy%3D1&_nb_redirects=1&orgIds=abc&a=1", "/x?y=1"},
		{"_target_url=%2F%2Fevil.com&a=1", "/"},
		{"mock_key=secret&a=1", "/?a=1"},
	}
	for _, tt := range tests {
		q, err := url.ParseQuery(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		if got := loginTarget(q); got != tt.want {
			t.Errorf("loginTarget(%q) = %q; want %q", tt.query, got, tt.want)
		}
	}
}
