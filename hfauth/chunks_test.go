package hfauth

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// bigUser belongs to enough organizations that the session needs chunks.
func bigUser(n int) mock.User {
	u := mock.NewUser("bigmember")
	for i := range n {
		o := mock.NewOrg(fmt.Sprintf("organization-number-%03d", i))
		// An incompressible full name, so the session needs chunks
		// whatever the encoding.
		sum := sha256.Sum256([]byte(o.Name))
		o.Name = hex.EncodeToString(sum[:])
		o.RoleInOrg = "write"
		o.Plan = "enterprise"
		o.SecurityRestrictions = []string{"mfa"}
		u.Orgs = append(u.Orgs, o)
	}
	return u
}

// TestChunkedSession: a session too large for one cookie is split into
// chunks that log in, survive requests, are all expired when one is
// tampered with, and are all cleared by logout.
func TestChunkedSession(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	prov.AddUser(bigUser(80))
	setUser(t, prov, "bigmember")
	a := newApp(t, realConfig(prov))
	name := a.oauth.sessions.Name()

	b := newBrowser(t)
	w := b.mustLogin(t, a)
	if len(w.Info.UserInfo.Orgs) != 80 {
		t.Fatalf("orgs = %d; want 80", len(w.Info.UserInfo.Orgs))
	}
	names := b.cookieNames(t, a.URL)
	if countPrefix(names, name+".") < 2 {
		t.Fatalf("cookies %v: want the session in chunks %s.0, %s.1, …", names, name, name)
	}

	// Tampering with any chunk logs out and expires every chunk.
	pu, _ := url.Parse(a.URL)
	var header []string
	var chunkNames []string
	for _, c := range b.Jar.Cookies(pu) {
		if strings.HasPrefix(c.Name, name+".") {
			v := c.Value
			if c.Name == name+".1" {
				v = flip(v, len(v)/2)
			}
			header = append(header, c.Name+"="+v)
			chunkNames = append(chunkNames, c.Name)
		}
	}
	f := fetch(t, plainClient(t), a.URL+"/whoami", "Cookie", strings.Join(header, "; "))
	if f.StatusCode != http.StatusOK || strings.Contains(f.body, `"logged_in":true`) {
		t.Fatalf("tampered chunk: %d %s; want 200 logged out", f.StatusCode, f.body)
	}
	for _, n := range chunkNames {
		if !f.expired(n) {
			t.Errorf("tampered session: chunk %s not expired; Set-Cookie %q", n, f.Header.Values("Set-Cookie"))
		}
	}
	// A missing chunk is logged out too.
	f = fetch(t, plainClient(t), a.URL+"/whoami", "Cookie", header[0])
	if strings.Contains(f.body, `"logged_in":true`) || f.StatusCode >= 500 {
		t.Errorf("missing chunk: %d %s", f.StatusCode, f.body)
	}

	// The untampered browser is still logged in; logout clears every chunk.
	if w := b.whoami(t, a.URL); !w.LoggedIn {
		t.Fatal("logged out before logout")
	}
	b.get(t, a.URL+LogoutPath+"?_target_url=/page")
	if names := b.cookieNames(t, a.URL); hasPrefixAny(names, name) {
		t.Errorf("cookies left after logout: %v", names)
	}
}

// TestChunkedSessionExpired: an expired chunked session expires every chunk.
func TestChunkedSessionExpired(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	prov.AddUser(bigUser(80))
	setUser(t, prov, "bigmember")
	a, clk := clockedApp(t, prov)
	b := newBrowser(t)
	b.mustLogin(t, a)
	clk.Advance(mock.DefaultAccessTokenTTL + 10*time.Minute)
	if w := b.whoami(t, a.URL); w.LoggedIn {
		t.Fatal("logged in past expiry")
	}
	if names := b.cookieNames(t, a.URL); hasPrefixAny(names, a.oauth.sessions.Name()) {
		t.Errorf("cookies left after an expired session was seen: %v", names)
	}
}

// TestLoginCookieIsNotASession: a login cookie presented as the session
// cookie does not log in (the purposes are separate).
func TestLoginCookieIsNotASession(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	c := jarClient(t)
	fetch(t, c, a.URL+LoginPath)
	pu, _ := url.Parse(a.URL)
	var login string
	for _, ck := range c.Jar.Cookies(pu) {
		if strings.HasPrefix(ck.Name, "hf_login_") {
			login = ck.Value
		}
	}
	if login == "" {
		t.Fatal("no login cookie")
	}
	f := withCookie(t, a.URL+"/whoami", a.oauth.sessions.Name(), login)
	if strings.Contains(f.body, `"logged_in":true`) || !f.expired(a.oauth.sessions.Name()) {
		t.Errorf("login cookie as a session: %s", f.body)
	}
}

// TestCallbackOddInputs: provider errors, a missing code, an expired login
// and oversized queries end with a clear 4xx or a retry, never a 5xx.
func TestCallbackOddInputs(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a, clk := clockedApp(t, prov)

	// start begins a login and returns the client and the state.
	start := func() (*http.Client, string) {
		c := jarClient(t)
		u, _ := url.Parse(fetch(t, c, a.URL+LoginPath+"?_target_url=/page").location(t))
		return c, u.Query().Get("state")
	}
	t.Run("provider error", func(t *testing.T) {
		c, state := start()
		f := fetch(t, c, a.URL+CallbackPath+"?error=server_error&error_description=x&state="+url.QueryEscape(state))
		if f.StatusCode != http.StatusBadRequest || !strings.Contains(f.body, "provider answered with an error") || f.setCookie(a.oauth.sessions.Name()) != "" {
			t.Errorf("error=server_error: %d %s", f.StatusCode, f.body)
		}
	})
	t.Run("no code", func(t *testing.T) {
		c, state := start()
		f := fetch(t, c, a.URL+CallbackPath+"?state="+url.QueryEscape(state))
		if f.StatusCode != http.StatusBadRequest || !strings.Contains(f.body, "code") {
			t.Errorf("no code: %d %s", f.StatusCode, f.body)
		}
	})
	t.Run("bogus code", func(t *testing.T) {
		c, state := start()
		f := fetch(t, c, a.URL+CallbackPath+"?code=forged&state="+url.QueryEscape(state))
		if f.StatusCode != http.StatusBadRequest || f.setCookie(a.oauth.sessions.Name()) != "" {
			t.Errorf("forged code: %d %s", f.StatusCode, f.body)
		}
	})
	t.Run("huge query", func(t *testing.T) {
		c, state := start()
		f := fetch(t, c, a.URL+CallbackPath+"?code="+strings.Repeat("c", 30000)+"&state="+url.QueryEscape(state))
		if f.StatusCode >= 500 || f.setCookie(a.oauth.sessions.Name()) != "" {
			t.Errorf("huge code: %d %s", f.StatusCode, f.body)
		}
		f = fetch(t, jarClient(t), a.URL+LoginPath+"?_target_url="+strings.Repeat("%2F", 5000))
		if f.StatusCode >= 500 {
			t.Errorf("huge target: %d %s", f.StatusCode, f.body)
		}
	})
	t.Run("state of another login", func(t *testing.T) {
		c, _ := start()
		_, other := start()
		f := fetch(t, c, a.URL+CallbackPath+"?code=x&state="+url.QueryEscape(other))
		if f.StatusCode != http.StatusFound || !strings.Contains(f.rawLocation(), paramRedirects+"=1") {
			t.Errorf("foreign state: %d %q; want a retry", f.StatusCode, f.rawLocation())
		}
	})
	t.Run("state edited in flight", func(t *testing.T) {
		// Same id, so the login cookie is found; another target, so its
		// hash is not the one the cookie keeps.
		c, state := start()
		st, ok := parseState(state)
		if !ok {
			t.Fatalf("parseState(%q) failed", state)
		}
		st.target = "/elsewhere"
		f := fetch(t, c, a.URL+CallbackPath+"?code=x&state="+url.QueryEscape(st.String()))
		if f.StatusCode != http.StatusFound || !strings.Contains(f.rawLocation(), paramRedirects+"=1") || f.setCookie(a.oauth.sessions.Name()) != "" {
			t.Errorf("edited state: %d %q; want a retry and no session", f.StatusCode, f.rawLocation())
		}
	})
	t.Run("expired login", func(t *testing.T) {
		c := jarClient(t)
		cb := fetch(t, c, fetch(t, c, a.URL+LoginPath+"?_target_url=/page").location(t)).location(t)
		clk.Advance(loginTTL + 2*time.Minute)
		defer clk.Advance(-(loginTTL + 2*time.Minute))
		f := fetch(t, c, cb)
		if f.StatusCode != http.StatusFound || !strings.Contains(f.rawLocation(), paramRedirects+"=1") || f.setCookie(a.oauth.sessions.Name()) != "" {
			t.Errorf("callback after the login expired: %d %q; want a retry and no session", f.StatusCode, f.rawLocation())
		}
	})
}

// A member of so many organizations that no cookie could hold them all
// still signs in: avatars are dropped and the list truncated to what fits,
// never a 5xx.
func TestHugeOrgListTruncated(t *testing.T) {
	t.Parallel()
	user := mock.NewUser("collector")
	for i := range 3000 {
		org := mock.NewOrg(fmt.Sprintf("org-%04d", i))
		org.Picture = fmt.Sprintf("https://huggingface.co/avatars/%032x.svg", i) // the shape of the Hub's default avatars
		user.Orgs = append(user.Orgs, org)
	}
	prov := mock.NewServer(t, mock.Config{Users: []mock.User{user}})
	a := newApp(t, realConfig(prov))
	w := newBrowser(t).mustLogin(t, a)
	orgs := w.Info.UserInfo.Orgs
	if len(orgs) == 0 || len(orgs) >= 3000 {
		t.Fatalf("kept %d orgs; want a truncated, non-empty list", len(orgs))
	}
	for i, org := range orgs {
		if org.Picture != "" || org.PreferredUsername != fmt.Sprintf("org-%04d", i) {
			t.Fatalf("org %d = %+v; want org-%04d without picture, in order", i, org, i)
		}
	}
	if !strings.Contains(a.logs.String(), "organizations truncated") {
		t.Errorf("no warning about the truncation in the logs:\n%s", a.logs)
	}
}
