package hfauth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/internal/jsonobj"
	"github.com/echohf/echohf/mock"
)

// sessionBoth decodes b with session.UnmarshalJSON (its direct read, or encoding/json when
// that declines) and with encoding/json alone, and fails t when they disagree.
func sessionBoth(t *testing.T, b []byte) {
	t.Helper()
	got, want := new(session), new(session)
	err := got.UnmarshalJSON(b)
	wantErr := json.Unmarshal(b, &sessionWire{(*sessionFields)(want), packedUser{u: &want.User}})
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("UnmarshalJSON(%q): %v; encoding/json: %v", b, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) { //nolint:govet // no error inside a session; its atomics are zero in both
		t.Fatalf("UnmarshalJSON(%q) = %+v; encoding/json %+v", b, got, want)
	}
	// UnmarshalJSONPrefix, on b followed by more of a payload, reads only a
	// valid value, to what encoding/json reads from it.
	pre, whole := new(session), new(session)
	n, ok := pre.UnmarshalJSONPrefix(append(bytes.Clone(b), `},"x":1}`...))
	if !ok {
		return
	}
	v := append(bytes.Clone(b), `},"x":1}`...)[:n]
	if !jsonobj.Valid(v) {
		t.Fatalf("UnmarshalJSONPrefix(%q) read %q, which jsonobj.Valid refuses", b, v)
	}
	if err := json.Unmarshal(v, &sessionWire{(*sessionFields)(whole), packedUser{u: &whole.User}}); err != nil || !reflect.DeepEqual(pre, whole) { //nolint:govet // as above
		t.Fatalf("UnmarshalJSONPrefix(%q) read %q as %+v; encoding/json %+v, %v", b, v, pre, whole, err)
	}
}

// testSessionJSON is the wire form of a session of the mock user with every field set:
// it fails t when a field of session is left out here, so that TestSessionDecode checks
// that each one is read directly.
func testSessionJSON(t testing.TB) []byte {
	s := &session{Token: "sealed.token", Refresh: "sealed.refresh", Expires: 1700003600, Issued: 1700000000,
		Checked: 1700000100, Login: 1699990000, Scope: "openid profile", State: "st-1", SignIn: "si-1", User: defaultMockUser(),
		ExpiresMs: 250, IssuedMs: 1, LoginMs: 999}
	v := reflect.ValueOf(s).Elem()
	for i := range v.NumField() {
		if f := v.Type().Field(i); f.IsExported() && v.Field(i).IsZero() {
			t.Fatalf("testSessionJSON leaves session.%s unset", f.Name)
		}
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSessionDecode checks session's direct read against encoding/json, and that the
// direct read takes the wire form MarshalJSON writes.
func TestSessionDecode(t *testing.T) {
	t.Parallel()
	full := string(testSessionJSON(t))
	for _, tt := range []struct{ name, data string }{
		{"as written", full},
		{"unknown field", strings.Replace(full, `{`, `{"zz":[1,{"a":null}],`, 1)},
		{"field in another case", strings.Replace(full, `"t":`, `"T":`, 1)},
		{"escaped string", strings.Replace(full, `"sc":"openid profile"`, `"sc":"openid\u0020profile"`, 1)},
		{"null number", strings.Replace(full, `"e":1700003600`, `"e":null`, 1)},
		{"float number", strings.Replace(full, `"e":1700003600`, `"e":1.5`, 1)},
		{"string for number", strings.Replace(full, `"e":1700003600`, `"e":"1"`, 1)},
		{"bad user", strings.Replace(full, `"u":"`, `"u":"!`, 1)},
		{"user not a string", `{"t":"x","u":5}`},
		{"duplicate", `{"t":"x","t":"y"}`},
		{"empty", `{}`},
		{"not an object", `[]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sessionBoth(t, []byte(tt.data))
		})
	}
	s := new(session)
	if !jsonMembersDirect(s, []byte(full)) {
		t.Error("the wire form as MarshalJSON writes it is not read directly")
	}
	if n, ok := new(session).UnmarshalJSONPrefix([]byte(full + "}")); !ok || n != len(full) {
		t.Errorf("UnmarshalJSONPrefix of the wire form in a payload = %d, %v; want %d, true", n, ok, len(full))
	}
}

// jsonMembersDirect reports whether UnmarshalJSON's direct read takes b.
func jsonMembersDirect(s *session, b []byte) bool {
	ok := true
	var k keeper
	defer k.release()
	for key, val := range members(b) {
		if f, _ := s.field([]byte(key), val, &k); !f {
			ok = false
		}
	}
	return ok
}

// members returns the members of the JSON object b.
func members(b []byte) map[string][]byte {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// FuzzSessionDecode is the differential test of the session's decoder: on the same
// bytes, session.UnmarshalJSON and encoding/json give the same session, or both refuse.
func FuzzSessionDecode(f *testing.F) {
	f.Add(testSessionJSON(f))
	text, err := json.Marshal(&session{Token: "t", Expires: 1, User: defaultMockUser(), plainText: true}) // the user's text form
	if err != nil {
		f.Fatal(err)
	}
	f.Add(text)
	f.Add([]byte(`{"t":"x","e":1,"u":".AQ\u002eab"}`))
	f.Add([]byte(`{"t":"x","e":1,"u":"AQAAAAAAAAA"}`))
	f.Add([]byte(`{"t":"x","E":1,"e":2}`))
	f.Add([]byte(`{"t":"\u0078","r":null,"u":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sessionBoth(t, b)
	})
}

// TestWireZipOnlyWhenItPays: the packed user's text is deflated only when
// that saves at least minZipGain bytes. A Space's usual user (three
// organizations with CDN avatars, whose text DEFLATE shortens by 17 bytes)
// is stored as it is, so that a cold check of its cookie inflates nothing;
// the mock user, whose inline SVG avatars deflate from 1263 bytes to 367,
// is deflated.
func TestWireZipOnlyWhenItPays(t *testing.T) {
	t.Parallel()
	cdn := "https://cdn-avatars.huggingface.co/v1/production/uploads/"
	org := func(sub, handle, name, role, pic string) OAuthOrgInfo {
		return OAuthOrgInfo{Sub: sub, Name: name, PreferredUsername: handle, Picture: cdn + pic, RoleInOrg: &role}
	}
	space := OAuthUserInfo{
		Sub: "64f1c0ffee6b1d2a3c4e5f60", Name: "Mock User", PreferredUsername: "mockuser",
		Picture: cdn + "1690212345678-64f1c0ffee6b1d2a3c4e5f60.jpeg", Profile: "https://huggingface.co/mockuser",
		Orgs: []OAuthOrgInfo{
			org("5e67bdd61009063689407479", "acme-research", "ACME Research", "admin", "1583857146757-5e67bdd61009063689407479.png"),
			org("60a3f2b1c4d5e6f708192a3b", "open-models", "Open Models", "write", "1621345678901-60a3f2b1c4d5e6f708192a3b.png"),
			org("6123abcdef0123456789abcd", "reading-club", "Reading Club", "read", "1629876543210-6123abcdef0123456789abcd.jpeg"),
		},
	}
	for _, tt := range []struct {
		name string
		u    OAuthUserInfo
		form byte
	}{
		{"Space user", space, wireText},
		{"mock user", defaultMockUser(), wireZip},
	} {
		blob, err := packUser(&tt.u)
		if err != nil {
			t.Fatal(err)
		}
		if blob[0] != tt.form {
			t.Errorf("%s: form %d; want %d", tt.name, blob[0], tt.form)
		}
		var got OAuthUserInfo
		if err := unpackUser(blob, &got); err != nil || !reflect.DeepEqual(got, tt.u) {
			t.Errorf("%s: round trip %v, equal %v", tt.name, err, reflect.DeepEqual(got, tt.u))
		}
	}
}

// TestMintPlainWhenOneCookie: mint writes the user's text as it is, in the
// text form, when the session fits in one cookie that way (a 3-org session:
// its first check on a replica inflates nothing and decodes base64 once),
// and deflated when it does not (100 orgs).
func TestMintPlainWhenOneCookie(t *testing.T) {
	t.Parallel()
	o, err := New(realConfig(mock.NewServer(t, mock.Config{})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	for _, tt := range []struct {
		orgs   int
		form   byte
		zipped bool // jwtstore compressed the payload
	}{{3, wireText, false}, {100, wireZip, true}} {
		s := fixedSession(t, o, 1, tt.orgs)
		m, err := o.mint(s, time.Unix(s.Issued, 0))
		if err != nil {
			t.Fatal(err)
		}
		if m.Compressed() != tt.zipped {
			t.Errorf("%d orgs: payload compressed %v; want %v", tt.orgs, m.Compressed(), tt.zipped)
		}
		// What mint writes still fits: one cookie for 3 orgs, 8 KB of Cookie header for 100.
		rec := httptest.NewRecorder()
		if err := m.Write(rec, nil); err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, c := range rec.Result().Cookies() {
			parts = append(parts, c.Name+"="+c.Value)
		}
		hdr := len(strings.Join(parts, "; "))
		t.Logf("%d orgs: %d cookie(s), Cookie header %d bytes", tt.orgs, len(parts), hdr)
		if tt.orgs == 3 && len(parts) != 1 || hdr > 8192 {
			t.Errorf("%d orgs: %d cookies, Cookie header %d bytes; want one cookie for 3 orgs, at most 8192 bytes", tt.orgs, len(parts), hdr)
		}
		// The bytes MarshalJSON wrote for the cookie, as mint left s.
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var w struct{ U string }
		if err := json.Unmarshal(b, &w); err != nil {
			t.Fatal(err)
		}
		if tt.form == wireText { // the text form (wiretext.go)
			if !strings.HasPrefix(w.U, ".") {
				t.Errorf("%d orgs: packed user %.20q…; want the text form", tt.orgs, w.U)
			}
			continue
		}
		blob, err := base64.RawURLEncoding.DecodeString(w.U)
		if err != nil || len(blob) == 0 || blob[0] != tt.form {
			t.Errorf("%d orgs: packed user form %v (%v); want %d", tt.orgs, blob[:min(len(blob), 1)], err, tt.form)
		}
	}
}
