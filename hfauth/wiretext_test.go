package hfauth

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/jwtstore"
	"github.com/echohf/echohf/mock"
)

// userString returns the JSON string packedUser writes for u, its text as
// it is (as mint writes a session that fits in one cookie).
func userString(t *testing.T, u *OAuthUserInfo) string {
	t.Helper()
	b, err := packedUser{u: u, plain: true}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("packed user %s is not a JSON string: %v", b, err)
	}
	return s
}

// TestUserTextForm: a user whose text is valid UTF-8 goes in the text form,
// ".<bin>.<text>", escapes and all, and reads back the same, through the
// direct read and encoding/json alike; text that is not valid UTF-8, which
// a JSON string cannot carry exactly, goes in the blob form and reads back
// the same too. The mock user's text form is over a fifth shorter than
// its blob form.
func TestUserTextForm(t *testing.T) {
	t.Parallel()
	named := func(name string) OAuthUserInfo {
		u := defaultMockUser()
		u.Name, u.Orgs[1].Name = name, name+" org"
		return u
	}
	tests := []struct {
		name string
		u    OAuthUserInfo
		text bool
	}{
		{"mock user", defaultMockUser(), true},
		{"Space user", userInfoOf(t, realisticUser(seeded(7, 8), 3)), true},
		{"escapes", named("Zoë \"Z\" \\ <b> & co\n\t\u2028\u2029 日本"), true},
		{"not UTF-8", named("bad \xff\xfe"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := userString(t, &tt.u)
			if got := strings.HasPrefix(s, "."); got != tt.text {
				t.Fatalf("text form %v; want %v (%.40q)", got, tt.text, s)
			}
			raw, err := json.Marshal(&session{Token: "t", Expires: 1, User: tt.u, plainText: true})
			if err != nil {
				t.Fatal(err)
			}
			sessionBoth(t, raw)
			var got session
			if err := got.UnmarshalJSON(raw); err != nil || !reflect.DeepEqual(got.User, tt.u) {
				t.Fatalf("read back: %v, equal %v", err, reflect.DeepEqual(got.User, tt.u))
			}
		})
	}
	u := defaultMockUser()
	blob, err := packUserForm(&u, false)
	if err != nil {
		t.Fatal(err)
	}
	text, old := len(userString(t, &u)), base64.RawURLEncoding.EncodedLen(len(blob))
	t.Logf("mock user: text form %d bytes, blob form %d", text, old)
	if text*5 > old*4 {
		t.Errorf("mock user: text form %d bytes; want at most 4/5 of the blob form's %d", text, old)
	}
}

// TestUserTextFormRefusesMalformed: a text form cut, without its second
// dot, with bad base64 in its bin or a bin that does not match its text is
// an error, never a panic or a partial user.
func TestUserTextFormRefusesMalformed(t *testing.T) {
	t.Parallel()
	u := defaultMockUser()
	s := userString(t, &u)
	dot := strings.IndexByte(s[1:], '.') + 1
	for name, bad := range map[string]string{
		"only a dot":        ".",
		"no second dot":     s[:dot],
		"bad base64":        ".@@." + s[dot+1:],
		"padded base64":     "." + s[1:dot] + "=" + s[dot:],
		"text cut short":    s[:len(s)-1],
		"text a byte more":  s + "x",
		"bin cut short":     "." + s[2:dot] + s[dot:],
		"escaped, cut":      s[:dot+1] + `\u0041`,
		"empty bin":         ".." + s[dot+1:],
		"escaped first dot": `\u002e` + s[1:],
	} {
		t.Run(name, func(t *testing.T) {
			q, _ := json.Marshal(bad)
			if strings.HasPrefix(bad, `\u`) {
				q = []byte(`"` + bad + `"`)
			}
			got := OAuthUserInfo{Name: "before"}
			if err := (packedUser{u: &got}).UnmarshalJSON(q); err == nil {
				t.Fatalf("UnmarshalJSON(%.60s…) = %+v; want an error", q, got)
			}
			if got.Name != "before" && !reflect.DeepEqual(got, OAuthUserInfo{}) {
				t.Errorf("a partial user was left: %+v", got)
			}
		})
	}
}

// TestOldBlobFormCookieReads: a session cookie minted before the text
// form, its user in the blob form under the same key purpose, still
// verifies and reads after a deploy (rolling: the replicas that minted it
// are still up), through real HTTP.
func TestOldBlobFormCookieReads(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	token, err := a.oauth.sealer.Seal([]byte("hf_oauth_" + strings.Repeat("y", 34)))
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour)
	now := time.Now()
	s := &session{Token: token, Expires: exp.Unix(), Checked: now.Unix(), Scope: "openid profile", State: "state", User: defaultMockUser()}
	s.setIssued(now)
	s.setLogin(now)
	blob, err := packUserForm(&s.User, false)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	// The old form: the same JSON, the user as its base64url blob.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["u"], _ = json.Marshal(base64.RawURLEncoding.EncodeToString(blob))
	store, err := jwtstore.New[map[string]json.RawMessage](jwtstore.Options{
		Name: a.oauth.sessions.Name(), Purpose: purposeSession, Keys: sessionKeys(a.oauth.cfg), Insecure: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if err := store.Save(rec, nil, m, exp); err != nil {
		t.Fatal(err)
	}
	f := fetch(t, plainClient(t), a.URL+"/whoami", "Cookie", cookieHeader(rec))
	if f.StatusCode != http.StatusOK || !strings.Contains(f.body, `"logged_in":true`) ||
		!strings.Contains(f.body, `"preferred_username":"mockuser"`) || !strings.Contains(f.body, "reading-club") {
		t.Fatalf("whoami = %d %s; want 200, logged in as mockuser with its organizations", f.StatusCode, f.body)
	}
}
