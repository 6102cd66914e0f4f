package echohf

import (
	"net/url"
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
	good, _ := makeState(1, "/page?x=1")
	f.Add(good)
	f.Add("")
	f.Add("a.b.c")
	f.Add(strings.Repeat("A", 22) + ".0.Ly9ldmlsLmNvbQ") // "//evil.com"
	f.Add(strings.Repeat("A", 22) + ".2.aHR0cHM6Ly9ldmlsLmNvbQ")
	f.Add(strings.Repeat("A", 22) + ".-1.Lw")
	f.Add(strings.Repeat("A", 22) + ".5.Lw")
	f.Fuzz(func(t *testing.T, state string) {
		id, retries, target, ok := parseState(state)
		if !ok {
			return
		}
		if SanitizeTarget(target) != target || !strings.HasPrefix(target, "/") {
			t.Fatalf("parseState(%q) target %q is not sanitized", state, target)
		}
		if len(id) != stateIDLen || retries < 0 || retries > maxRetries+maxBreakouts+1 {
			t.Fatalf("parseState(%q) = id %q retries %d", state, id, retries)
		}
	})
}

// TestParseStateRoundTrip: makeState's output parses back.
func TestParseStateRoundTrip(t *testing.T) {
	for _, target := range []string{"/", "/page?x=1", "//evil.com"} {
		state, id := makeState(2, target)
		gotID, retries, gotTarget, ok := parseState(state)
		if !ok || gotID != id || retries != 2 || gotTarget != SanitizeTarget(target) {
			t.Errorf("parseState(makeState(2, %q)) = %q %d %q %v", target, gotID, retries, gotTarget, ok)
		}
	}
	a, _ := makeState(0, "/")
	b, _ := makeState(0, "/")
	if a == b {
		t.Error("two states are equal")
	}
}
