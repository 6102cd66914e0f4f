package hfauth

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/echohf/echohf/mock"
)

// TestLoginURLWithOptions: the links ask for consent with prompt=consent
// beside the target and org ids, and LoginURL's links are unchanged.
func TestLoginURLWithOptions(t *testing.T) {
	t.Parallel()
	o, err := New(Config{Mode: ModeMock, Prefix: "/p/"})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	tests := []struct {
		target string
		opts   LoginOptions
		want   string
	}{
		{"", LoginOptions{}, "/p" + LoginPath},
		{"", LoginOptions{Consent: true}, "/p" + LoginPath + "?prompt=consent"},
		{"/x", LoginOptions{Consent: true}, "/p" + LoginPath + "?_target_url=%2Fx&prompt=consent"},
		{"/x", LoginOptions{OrgIDs: []string{"org1", "bad id"}, Consent: true}, "/p" + LoginPath + "?_target_url=%2Fx&orgIds=org1&prompt=consent"},
		{"//evil.com", LoginOptions{OrgIDs: []string{"org1"}}, "/p" + LoginPath + "?_target_url=%2F&orgIds=org1"},
	}
	for _, tt := range tests {
		if got := o.LoginURLWithOptions(tt.target, tt.opts); got != tt.want {
			t.Errorf("LoginURLWithOptions(%q, %+v) = %q; want %q", tt.target, tt.opts, got, tt.want)
		}
		if tt.opts.Consent {
			continue
		}
		if got := o.LoginURL(tt.target, tt.opts.OrgIDs...); got != tt.want {
			t.Errorf("LoginURL(%q, %q) = %q; want %q", tt.target, tt.opts.OrgIDs, got, tt.want)
		}
	}
}

// TestConsentPrompt: the login route passes prompt=consent, and only that
// value, to the provider's authorize URL; the provider sees it and the login
// completes; the prompt does not become part of the target.
func TestConsentPrompt(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	tests := []struct {
		query      string
		wantPrompt string
		wantTarget string
	}{
		{"prompt=consent&_target_url=/page", "consent", "/page"},
		{"prompt=consent&a=1", "consent", "/?a=1"},
		{"prompt=consent&orgIds=abc", "consent", "/"},
		{"prompt=login", "", "/"},
		{"prompt=none", "", "/"},
		{"prompt=CONSENT", "", "/"},
		{"prompt=consent%20login", "", "/"},
		{"", "", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			b := newBrowser(t)
			f := fetch(t, b.noRedirect(), a.URL+LoginPath+"?"+tt.query)
			authz, err := url.Parse(f.location(t))
			if err != nil {
				t.Fatal(err)
			}
			if got := authz.Query().Get("prompt"); got != tt.wantPrompt {
				t.Errorf("authorize URL prompt = %q; want %q (%s)", got, tt.wantPrompt, authz)
			}
			if status, _ := b.get(t, authz.String()); status != http.StatusOK && status != http.StatusNotFound {
				t.Fatalf("login through the provider = %d", status)
			}
			if last, ok := prov.LastAuthorize(); !ok || last.Prompt != tt.wantPrompt {
				t.Errorf("the provider saw prompt %q; want %q", last.Prompt, tt.wantPrompt)
			}
			if got := b.visited[len(b.visited)-1]; got != a.URL+tt.wantTarget {
				t.Errorf("landed on %s; want %s%s", got, a.URL, tt.wantTarget)
			}
			if w := b.whoami(t, a.URL); !w.LoggedIn {
				t.Errorf("not logged in after the login; logs:\n%s", a.logs)
			}
		})
	}
}

// TestConsentSurvivesLostCookie: a login that asked for consent and lost
// its login cookie comes back to a login that asks for consent again, with
// or without org ids.
func TestConsentSurvivesLostCookie(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	for _, orgs := range []string{"", "abc,def"} {
		t.Run("orgIds="+orgs, func(t *testing.T) {
			q := "?_target_url=/page&prompt=consent"
			if orgs != "" {
				q += "&orgIds=" + orgs
			}
			c := jarClient(t)
			authz := fetch(t, c, a.URL+LoginPath+q).location(t)
			cb := fetch(t, c, authz).location(t)
			f := fetch(t, plainClient(t), cb) // a browser that lost the login cookie
			retry, _ := url.Parse(f.rawLocation())
			rq := retry.Query()
			if f.StatusCode != http.StatusFound || rq.Get(paramPrompt) != "consent" || rq.Get(paramOrgIDs) != orgs || rq.Get(paramTarget) != "/page" {
				t.Fatalf("lost cookie: %d %q; want a login with prompt=consent, orgIds=%q and the target", f.StatusCode, f.rawLocation(), orgs)
			}
			again, _ := url.Parse(fetch(t, c, a.URL+retry.RequestURI()).location(t))
			if got := again.Query().Get("prompt"); got != "consent" {
				t.Errorf("retried login's authorize URL has prompt=%q; want consent", got)
			}
			if got := again.Query().Get(paramOrgIDs); got != orgs {
				t.Errorf("retried login's authorize URL has orgIds=%q; want %q", got, orgs)
			}
		})
	}
}

// TestConsentState: the consent flag travels in the state and parses back;
// a state without it parses as before, and a malformed flag is refused.
func TestConsentState(t *testing.T) {
	t.Parallel()
	for _, orgs := range [][]string{nil, {"acme"}} {
		st := newState(1, "/page", orgs)
		st.consent = true
		got, ok := parseState(st.String())
		if !ok || !got.consent || got.target != "/page" || !slices.Equal(got.orgIDs, orgs) || got.retries != 1 {
			t.Errorf("parseState(%q) = %+v, %v; want %+v", st.String(), got, ok, st)
		}
	}
	if got, ok := parseState(newState(0, "/", []string{"acme"}).String()); !ok || got.consent {
		t.Errorf("a state without consent parses as %+v, %v", got, ok)
	}
	id := strings.Repeat("A", stateIDLen)
	for _, bad := range []string{id + ".0.Lw..", id + ".0.Lw..x", id + ".0.Lw.acme.cc", id + ".0.Lw.acme.c.c", id + ".0.Lw.a,,b.c"} {
		if got, ok := parseState(bad); ok {
			t.Errorf("parseState(%q) = %+v; want it refused", bad, got)
		}
	}
}
