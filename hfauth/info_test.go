package hfauth

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

func TestOAuthInfoJSONHidesToken(t *testing.T) {
	t.Parallel()
	email := "a@example.com"
	info := OAuthInfo{AccessToken: "hf_oauth_supersecret", AccessTokenExpiresAt: time.Unix(1e9, 0), Scope: "openid", UserInfo: OAuthUserInfo{Sub: "u", Email: &email}}
	b, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "hf_oauth_supersecret") || strings.Contains(string(b), "access_token\"") {
		t.Errorf("JSON carries the access token: %s", b)
	}
	// And through the app: /whoami's info object has no token.
	a := newApp(t, Config{Mode: ModeMock})
	b2 := newBrowser(t)
	w := b2.mustLogin(t, a)
	_, body := b2.get(t, a.URL+"/whoami")
	var raw struct {
		Info json.RawMessage `json:"info"`
	}
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatalf("whoami: %v in %s", err, body)
	}
	if w.Token == "" || strings.Contains(string(raw.Info), w.Token) {
		t.Errorf("info JSON %s carries the token %q", raw.Info, w.Token)
	}
}

func TestParseUserInfo(t *testing.T) {
	t.Parallel()
	t.Run("absent optional fields stay nil", func(t *testing.T) {
		u, err := parseUserInfo([]byte(`{"sub":"u1","name":"N","preferred_username":"n","picture":"p","profile":"q","isPro":false}`))
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != nil || u.EmailVerified != nil || u.Website != nil || u.CanPay != nil || u.Orgs != nil {
			t.Errorf("absent fields not nil: %+v", u)
		}
		if u.Sub != "u1" || u.Name != "N" || u.PreferredUsername != "n" || u.Picture != "p" || u.Profile != "q" {
			t.Errorf("parsed %+v", u)
		}
	})
	t.Run("null lists are absent, empty lists are kept", func(t *testing.T) {
		u, _ := parseUserInfo([]byte(`{"sub":"u1","orgs":null}`))
		if u.Orgs != nil {
			t.Errorf("orgs null = %#v; want nil", u.Orgs)
		}
		u, _ = parseUserInfo([]byte(`{"sub":"u1","orgs":[{"sub":"a","securityRestrictions":null},{"sub":"b"},{"sub":"c","securityRestrictions":[]}]}`))
		if len(u.Orgs) != 3 {
			t.Fatalf("orgs = %+v; want 3", u.Orgs)
		}
		for i, want := range []string{"null", "null", "[]"} {
			got, _ := json.Marshal(u.Orgs[i].SecurityRestrictions)
			if string(got) != want {
				t.Errorf("org %s securityRestrictions = %s; want %s", u.Orgs[i].Sub, got, want)
			}
		}
		u, _ = parseUserInfo([]byte(`{"sub":"u1","orgs":[]}`))
		if u.Orgs == nil || len(u.Orgs) != 0 {
			t.Errorf("orgs [] = %#v; want empty, not nil", u.Orgs)
		}
	})
	t.Run("zero values are kept distinct from absent", func(t *testing.T) {
		u, _ := parseUserInfo([]byte(`{"sub":"u1","email":"","email_verified":false,"canPay":false,"orgs":[{"sub":"o","canPay":false,"roleInOrg":"read","plan":"team","securityRestrictions":[]}]}`))
		if u.Email == nil || *u.Email != "" || u.EmailVerified == nil || *u.EmailVerified || u.CanPay == nil || *u.CanPay {
			t.Errorf("present zero values lost: %+v", u)
		}
		if len(u.Orgs) != 1 || u.Orgs[0].CanPay == nil || u.Orgs[0].RoleInOrg == nil || *u.Orgs[0].RoleInOrg != "read" || u.Orgs[0].Plan == nil {
			t.Errorf("org = %+v", u.Orgs)
		}
		if got := u.Orgs[0].SecurityRestrictions; got == nil || len(got) != 0 {
			t.Errorf("securityRestrictions = %#v; want present and empty", got)
		}
	})
	t.Run("lax", func(t *testing.T) {
		u, err := parseUserInfo([]byte(`{"sub":"u1","preferred_username":"n","isPro":"yes","canPay":"no","email":7,"website":{},"unknown":{"deep":[1,2]},"orgs":"x"}`))
		if err != nil {
			t.Fatalf("lax parse failed: %v", err)
		}
		if u.IsPro || u.CanPay != nil || u.Email != nil || u.Website != nil || u.Orgs != nil || u.PreferredUsername != "n" {
			t.Errorf("mistyped fields not dropped: %+v", u)
		}
		u, err = parseUserInfo([]byte(`{"sub":"u1","orgs":[42,"x",null,{"sub":"o1","preferred_username":"acme","roleInOrg":5,"isEnterprise":"true","securityRestrictions":["mfa",3,"sso"]},{"preferred_username":["bad"]}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if len(u.Orgs) < 1 || u.Orgs[0].PreferredUsername != "acme" || u.Orgs[0].RoleInOrg != nil || u.Orgs[0].IsEnterprise {
			t.Fatalf("orgs = %+v; want acme with no role", u.Orgs)
		}
		if got := strings.Join(u.Orgs[0].SecurityRestrictions, ","); got != "mfa,sso" {
			t.Errorf("securityRestrictions = %q; want mfa,sso", got)
		}
		for _, o := range u.Orgs[1:] {
			if o.PreferredUsername != "" {
				t.Errorf("junk org parsed as %+v", o)
			}
		}
	})
	for _, bad := range []string{``, `[]`, `"x"`, `{`, `42`} {
		if _, err := parseUserInfo([]byte(bad)); err == nil {
			t.Errorf("parseUserInfo(%q): no error", bad)
		}
	}
}

// TestInfoOptionalFieldsEndToEnd: a plain user (no email, no orgs) logs in
// with those fields nil; a full one has every field.
func TestInfoOptionalFieldsEndToEnd(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	plain := mock.NewUser("plain")
	prov.AddUser(plain)
	setUser(t, prov, "plain")
	a := newApp(t, realConfig(prov))
	w := newBrowser(t).mustLogin(t, a)
	u := w.Info.UserInfo
	if u.Email != nil || u.EmailVerified != nil || u.Website != nil || u.CanPay != nil || len(u.Orgs) != 0 {
		t.Errorf("plain user has optional fields: %+v", u)
	}
	if u.Sub != plain.Sub || u.PreferredUsername != "plain" || u.Profile != plain.Profile || u.Picture != plain.Picture {
		t.Errorf("user = %+v; want %+v", u, plain)
	}

	full := mock.DefaultUser()
	setUser(t, prov, full.PreferredUsername)
	w = newBrowser(t).mustLogin(t, a)
	u = w.Info.UserInfo
	if u.Email == nil || *u.Email != full.Email || u.EmailVerified == nil || len(u.Orgs) != len(full.Orgs) {
		t.Errorf("default user = %+v", u)
	}
	for i, o := range full.Orgs {
		got := u.Orgs[i]
		if got.Sub != o.Sub || got.PreferredUsername != o.PreferredUsername || got.IsEnterprise != o.IsEnterprise ||
			(o.RoleInOrg != "" && (got.RoleInOrg == nil || *got.RoleInOrg != o.RoleInOrg)) ||
			strings.Join(got.SecurityRestrictions, ",") != strings.Join(o.SecurityRestrictions, ",") {
			t.Errorf("org %d = %+v; want %+v", i, got, o)
		}
	}
	if !strings.Contains(w.Info.Scope, "openid") || w.Info.State == "" {
		t.Errorf("scope %q state %q", w.Info.Scope, w.Info.State)
	}
	if d := time.Until(w.Info.AccessTokenExpiresAt); d < mock.DefaultAccessTokenTTL-time.Minute || d > mock.DefaultAccessTokenTTL+time.Minute {
		t.Errorf("access token expires in %v; want about %v", d, mock.DefaultAccessTokenTTL)
	}
}

// TestInfoJSONKeepsLists: Info's JSON has every list the provider sent,
// an empty one as [], and none it did not send, after the trip through the
// session cookie (login, then a request that decodes the cookie).
func TestInfoJSONKeepsLists(t *testing.T) {
	prov := mock.NewServer(t, mock.Config{})
	withOrgs := mock.NewUser("with-orgs")
	withOrgs.Orgs = []mock.Org{org("empty", "read"), org("unset", "read"), org("set", "read", "ip")}
	withOrgs.Orgs[0].SecurityRestrictions = []string{}
	noOrgs := mock.NewUser("no-orgs")
	noOrgs.Orgs = []mock.Org{}
	for _, u := range []mock.User{withOrgs, noOrgs, mock.NewUser("plain")} {
		prov.AddUser(u)
	}
	a := newApp(t, realConfig(prov))
	const absent = "absent"
	tests := []struct {
		user string
		orgs string            // the user's orgs field, as JSON ("" when sr checks it)
		sr   map[string]string // each org's securityRestrictions, as JSON
	}{
		{"with-orgs", "", map[string]string{"empty": "[]", "unset": absent, "set": `["ip"]`}},
		{"no-orgs", "[]", nil},
		{"plain", absent, nil},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			setUser(t, prov, tt.user)
			b := newBrowser(t)
			b.mustLogin(t, a)
			_, body := b.get(t, a.URL+"/whoami")
			var w struct {
				Info struct {
					User map[string]json.RawMessage `json:"user_info"`
				} `json:"info"`
			}
			if err := json.Unmarshal([]byte(body), &w); err != nil {
				t.Fatalf("whoami: %v", err)
			}
			orgs, ok := w.Info.User["orgs"]
			switch {
			case tt.orgs == absent && ok:
				t.Errorf("orgs = %s; want it absent", orgs)
			case tt.orgs != absent && tt.orgs != "" && string(orgs) != tt.orgs:
				t.Errorf("orgs = %s (present %v); want %s", orgs, ok, tt.orgs)
			}
			if tt.sr == nil {
				return
			}
			var list []map[string]json.RawMessage
			if err := json.Unmarshal(orgs, &list); err != nil || len(list) != len(tt.sr) {
				t.Fatalf("orgs = %s: %v; want %d orgs", orgs, err, len(tt.sr))
			}
			for _, o := range list {
				var name string
				_ = json.Unmarshal(o["preferred_username"], &name)
				want, known := tt.sr[name]
				got, ok := o["securityRestrictions"]
				switch {
				case !known:
					t.Errorf("unexpected org %q", name)
				case want == absent && ok:
					t.Errorf("org %s: securityRestrictions = %s; want it absent", name, got)
				case want != absent && string(got) != want:
					t.Errorf("org %s: securityRestrictions = %s (present %v); want %s", name, got, ok, want)
				}
			}
		})
	}
}

// TestSessionCookieHidesToken: the session cookie's readable claims never
// carry the access token in clear.
func TestSessionCookieHidesToken(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	b := newBrowser(t)
	w := b.mustLogin(t, a)
	value := b.cookie(t, a.URL, a.oauth.sessions.Name())
	if strings.Contains(value, w.Token) {
		t.Errorf("session cookie carries the access token in clear")
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: a.oauth.sessions.Name(), Value: value})
	s, err := a.oauth.sessions.Load(req)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if s.User.PreferredUsername != mock.DefaultUser().PreferredUsername || s.Token == "" {
		t.Fatalf("claims %+v: want the user and a sealed token", s)
	}
	if strings.Contains(s.Token, w.Token) || strings.Contains(s.Token, strings.TrimPrefix(w.Token, "hf_oauth_")) {
		t.Errorf("session claims carry the access token in clear: %q", s.Token)
	}
	if parts := strings.Split(value, "."); len(parts) > 1 {
		if payload, err := decodeSeg(parts[1]); err == nil && strings.Contains(payload, strings.TrimPrefix(w.Token, "hf_oauth_")) {
			t.Errorf("cookie payload carries the access token in clear: %s", payload)
		}
	}
}

func decodeSeg(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return string(b), err
}
