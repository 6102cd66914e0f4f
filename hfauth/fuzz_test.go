package hfauth

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func FuzzSanitizeTarget(f *testing.F) {
	for _, s := range []string{"", "/", "/a?b=c", "//evil.com", "////evil.com", "/\\evil.com", "\\\\evil.com",
		"https://evil.com", "javascript:alert(1)", "/%2F%2Fevil.com", "/%5Cevil.com", "%2F%2Fevil.com",
		"/\tevil", "/%09/evil.com", "/a\x00", "/%252F%252Fx", "/a#//b", "/@evil.com", "/a:b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := SanitizeTarget(in)
		if out != "/" && out != in {
			t.Fatalf("SanitizeTarget(%q) = %q; want / or the input", in, out)
		}
		if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") || strings.HasPrefix(out, "/\\") {
			t.Fatalf("SanitizeTarget(%q) = %q: not a same-origin path", in, out)
		}
		u, err := url.Parse(out)
		if err != nil {
			t.Fatalf("SanitizeTarget(%q) = %q does not parse: %v", in, out, err)
		}
		if u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
			t.Fatalf("SanitizeTarget(%q) = %q has scheme %q host %q", in, out, u.Scheme, u.Host)
		}
		// A browser resolves it against our origin to our origin.
		base, _ := url.Parse("https://app.example/x/y")
		if r := base.ResolveReference(u); r.Host != "app.example" || r.Scheme != "https" {
			t.Fatalf("SanitizeTarget(%q) = %q resolves to %s", in, out, r)
		}
		if SanitizeTarget(out) != out {
			t.Fatalf("SanitizeTarget is not idempotent on %q", out)
		}
	})
}

func FuzzParseUserInfo(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, `[]`, `"x"`, `{"sub":1}`,
		`{"sub":"u1","preferred_username":"a","isPro":"yes","orgs":"x"}`,
		`{"sub":"u1","orgs":[1,{"sub":"o","roleInOrg":5,"securityRestrictions":["mfa",3]}]}`,
		`{"email":null,"email_verified":"true","canPay":1,"website":[]}`,
		`{"orgs":[null,[],{"preferred_username":{"x":1}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		u, err := parseUserInfo(raw)
		if err != nil {
			return
		}
		for _, o := range u.Orgs {
			_ = roleRank(o.RoleInOrg) // usable by the guards
		}
	})
}

func FuzzParseState(f *testing.F) {
	f.Add(newState(1, "/page?x=1", nil).String())
	f.Add(newState(0, "/", []string{"acme", "5f0a1b2c3d4e5f6a7b8c9d0e"}).String())
	f.Add(loginState{id: strings.Repeat("B", stateIDLen), target: "/", consent: true}.String())
	f.Add(strings.Repeat("A", 22) + ".0.Lw.acme.c")
	f.Add(strings.Repeat("A", 22) + ".0.Lw..x")
	f.Add("")
	f.Add("a.b.c")
	f.Add(strings.Repeat("A", 22) + ".0.Ly9ldmlsLmNvbQ") // "//evil.com"
	f.Add(strings.Repeat("A", 22) + ".2.aHR0cHM6Ly9ldmlsLmNvbQ")
	f.Add(strings.Repeat("A", 22) + ".-1.Lw")
	f.Add(strings.Repeat("A", 22) + ".5.Lw")
	f.Add(strings.Repeat("A", 22) + ".0.Lw.a,,b")
	f.Add(strings.Repeat("A", 22) + ".0.Lw.a&redirect_uri=x")
	f.Add(strings.Repeat("A", 22) + ".0.Lw.a.b")
	f.Fuzz(func(t *testing.T, state string) {
		st, ok := parseState(state)
		if !ok {
			return
		}
		if SanitizeTarget(st.target) != st.target || !strings.HasPrefix(st.target, "/") {
			t.Fatalf("parseState(%q) target %q is not sanitized", state, st.target)
		}
		if len(st.id) != stateIDLen || st.retries < 0 || st.retries > maxRetries+maxBreakouts+1 {
			t.Fatalf("parseState(%q) = id %q retries %d", state, st.id, st.retries)
		}
		if len(st.orgIDs) > maxLoginOrgIDs {
			t.Fatalf("parseState(%q) = %d org ids; want at most %d", state, len(st.orgIDs), maxLoginOrgIDs)
		}
		for _, org := range st.orgIDs {
			if !validOrgID(org) {
				t.Fatalf("parseState(%q) org id %q is not valid", state, org)
			}
		}
	})
}

// TestParseStateRoundTrip: a state's encoding parses back, and a state from
// before org ids were carried (three parts) still parses.
func TestParseStateRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		target string
		orgIDs []string
	}{
		{"/", nil},
		{"/page?x=1", nil},
		{"//evil.com", nil},
		{"/page", []string{"acme"}},
		{"/", []string{"acme", "5f0a1b2c3d4e5f6a7b8c9d0e", "open_models-2"}},
	}
	for _, tt := range tests {
		st := newState(2, tt.target, tt.orgIDs)
		got, ok := parseState(st.String())
		if !ok || got.id != st.id || got.retries != 2 || got.target != SanitizeTarget(tt.target) || !slices.Equal(got.orgIDs, tt.orgIDs) {
			t.Errorf("parseState(%q) = %+v, %v; want %+v", st.String(), got, ok, st)
		}
	}
	if a, b := newState(0, "/", nil), newState(0, "/", nil); a.String() == b.String() {
		t.Error("two states are equal")
	}
	old := strings.Repeat("A", stateIDLen) + ".1.L3BhZ2U" // "/page", no org ids
	if got, ok := parseState(old); !ok || got.target != "/page" || got.retries != 1 || got.orgIDs != nil {
		t.Errorf("parseState(%q) = %+v, %v; want target /page, 1 retry, no org ids", old, got, ok)
	}
	tooMany := strings.Repeat("A", stateIDLen) + ".0.Lw." + strings.Repeat("a,", maxLoginOrgIDs) + "a"
	for _, bad := range []string{
		strings.Repeat("A", stateIDLen) + ".0.Lw.",      // empty org list
		strings.Repeat("A", stateIDLen) + ".0.Lw.a,,b",  // empty org id
		strings.Repeat("A", stateIDLen) + ".0.Lw.a%2Cb", // not an id
		strings.Repeat("A", stateIDLen) + ".0.Lw.a.b",   // five parts
		tooMany,
	} {
		if got, ok := parseState(bad); ok {
			t.Errorf("parseState(%q) = %+v; want it refused", bad, got)
		}
	}
}

// FuzzBearerToken: whatever Authorization header a client sends, the
// bearer parser never panics, and what it accepts is one Hugging Face
// token: "hf_" and base64url characters, at most maxBearerLen bytes.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer hf_abc123", "bearer hf_x", "Bearer  hf_a b", "Bearer ", "Basic dXNlcjpwYXNz",
		"Bearer hf_" + strings.Repeat("a", 300), "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", "Bearer hf_\x00", "Bearer\thf_tab"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", header)
		has := hasBearer(r)
		token, ok := bearerToken(r)
		if !ok {
			return
		}
		if !has {
			t.Fatalf("bearerToken(%q) = %q but hasBearer is false", header, token)
		}
		if len(token) > maxBearerLen || !strings.HasPrefix(token, "hf_") || len(token) == len("hf_") {
			t.Fatalf("bearerToken(%q) = %q: not a Hugging Face token", header, token)
		}
		for i := 0; i < len(token); i++ {
			if !idChar(token[i]) {
				t.Fatalf("bearerToken(%q) = %q holds %q", header, token, token[i])
			}
		}
	})
}

// FuzzValidHost: a Host header that validHost accepts makes a callback URL
// whose host is exactly that Host.
func FuzzValidHost(f *testing.F) {
	for _, s := range []string{"localhost:7860", "127.0.0.1", "[::1]:8080", "a.b-c.example.", "x:65536", "[fe80::1%eth0]",
		"evil.example/path", "a@b", "-a.example", strings.Repeat("a", 300), "host:", "[::1]x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		if !validHost(host) {
			return
		}
		if len(host) > maxHostLen+len(":65535") {
			t.Fatalf("validHost accepted %d bytes", len(host))
		}
		u, err := url.Parse("http://" + host + CallbackPath)
		if err != nil || u.Host != host || u.Path != CallbackPath || u.User != nil {
			t.Fatalf("validHost(%q) accepted a host that makes the URL %v (host %q, err %v)", host, u, u.Host, err)
		}
	})
}

// FuzzParseWhoami: a whoami-v2 answer (from the Hub, for mock mode's
// HF_TOKEN or a bearer token) never panics the lenient parser, and what it
// names a user gives a profile with that user's id and handle.
func FuzzParseWhoami(f *testing.F) {
	for _, s := range []string{`{"type":"user","id":"5f1","name":"ada","orgs":[{"name":"acme","roleInOrg":"write"}]}`,
		`{"type":"org","name":"acme"}`, `{"id":1,"name":["x"],"orgs":{}}`, `{"orgs":[null,1,"x",{"plan":{}}]}`, `[]`, `null`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		w, err := parseWhoami(raw)
		if err != nil || !w.isUser() {
			return
		}
		u := w.userInfo("https://huggingface.co")
		if u.Sub != w.ID || u.PreferredUsername != w.Name || len(u.Orgs) != len(w.Orgs) {
			t.Fatalf("userInfo of %s = %+v", raw, u)
		}
	})
}
