package hfauth

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/jwtstore"
	"github.com/echohf/echohf/mock"
)

// TestOldSessionFormLoggedOut: a cookie minted before the wire form
// changed, in the old form or under the old key purpose, is logged out and
// expired, never misread.
func TestOldSessionFormLoggedOut(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	token, err := a.oauth.sealer.Seal([]byte("hf_oauth_" + strings.Repeat("x", 34)))
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour)
	user := userInfoOf(t, mock.DefaultUser())
	// The session as version 1 wrote it: the user as a JSON object.
	v1 := map[string]any{"t": token, "e": exp.Unix(), "sc": "openid profile", "st": "state", "u": user}
	tests := []struct {
		name    string
		purpose string
		claims  any
	}{
		{"old form, old purpose", "echohf/session/v1", v1},
		{"old form, current purpose", purposeSession, v1},
		{"current form, old purpose", "echohf/session/v1", &session{Token: token, Expires: exp.Unix(), User: user}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, err := jwtstore.New[any](jwtstore.Options{
				Name: a.oauth.sessions.Name(), Purpose: tt.purpose, Keys: sessionKeys(a.oauth.cfg), Insecure: true,
			})
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			if err := store.Save(rec, nil, tt.claims, exp); err != nil {
				t.Fatal(err)
			}
			f := fetch(t, plainClient(t), a.URL+"/whoami", "Cookie", cookieHeader(rec))
			if f.StatusCode != http.StatusOK || strings.Contains(f.body, `"logged_in":true`) {
				t.Errorf("whoami = %d %s; want 200 logged out", f.StatusCode, f.body)
			}
			if !f.expired(a.oauth.sessions.Name()) {
				t.Errorf("the old cookie is not expired; Set-Cookie %q", f.Header.Values("Set-Cookie"))
			}
		})
	}
}

// roundTrip marshals s to its wire form and reads it back.
func roundTrip(t *testing.T, s *session) *session {
	t.Helper()
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	got := new(session)
	if err := json.Unmarshal(raw, got); err != nil {
		t.Fatalf("Unmarshal(%s): %v", raw, err)
	}
	return got
}

// sameSession reports whether a and b hold the same exported fields.
func sameSession(a, b *session) bool {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for i := range va.NumField() {
		if va.Type().Field(i).IsExported() && !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			return false
		}
	}
	return true
}

// wireURLs are URLs in every form the wire knows, and near misses that
// must be kept whole.
var wireURLs = []string{
	"",
	"https://example.org/me.png",
	"javascript:alert(1)",
	hubPrefix,
	hubPrefix + "ada-lovelace",
	avatarPrefix + "0123456789abcdef0123456789abcdef.svg",
	avatarPrefix + "0123456789ABCDEF0123456789ABCDEF.svg", // upper case
	avatarPrefix + "0123456789abcdef0123456789abcde.svg",  // 31 digits
	avatarPrefix + "0123456789abcdef0123456789abcdef.png",
	avatarPrefix,
	cdnPrefix + "1583857146757-5e67bdd61009063689407479.jpeg",
	cdnPrefix + "1583857146757-5e67bdd61009063689407479.png",
	cdnPrefix + "0-5e67bdd61009063689407479.gif",
	cdnPrefix + "01583857146757-5e67bdd61009063689407479.png",        // leading zero
	cdnPrefix + "-5e67bdd61009063689407479.png",                      // no stamp
	cdnPrefix + "+1583857146757-5e67bdd61009063689407479.png",        // a sign
	cdnPrefix + "18446744073709551616-5e67bdd61009063689407479.png",  // over 64 bits
	cdnPrefix + "18446744073709551615-5e67bdd61009063689407479.webp", // 64 bits
	cdnPrefix + "1583857146757-5E67BDD61009063689407479.png",         // upper case
	cdnPrefix + "1583857146757-5e67bdd61009063689407479.PNG",
	cdnPrefix + "1583857146757-5e67bdd61009063689407479.png?v=2",
	cdnPrefix + "1583857146757-5e67bdd6100906368940747.png",
	cdnPrefix + "5f17f0a0925b9863e28ad517/X7QKoiXbUtEZSG9jyvfk3.jpeg",
	cdnPrefix + "5f17f0a0925b9863e28ad517/",
	cdnPrefix + "5F17F0A0925B9863E28AD517/X7QKoiXbUtEZSG9jyvfk3.jpeg",
	cdnPrefix + "5f17f0a0925b9863e28ad517",
	cdnPrefix,
	svgDataPrefix + base64.StdEncoding.EncodeToString([]byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)),
	svgDataPrefix,
	svgDataPrefix + "!!!!",
	"data:image/png;base64,iVBORw0KGgo=",
}

// TestWireRoundTrip: every session reads back from its wire form exactly,
// absent fields absent, empty lists empty, odd strings and URLs unchanged.
func TestWireRoundTrip(t *testing.T) {
	t.Parallel()
	str := func(s string) *string { return &s }
	yes, no := true, false
	odd := "\xff\x00 \u00e9\U0001F917 \"\\\n"
	tests := []struct {
		name string
		user OAuthUserInfo
	}{
		{"zero", OAuthUserInfo{}},
		{"plain", userInfoOf(t, mock.NewUser("plain"))},
		{"mock default", userInfoOf(t, mock.DefaultUser())},
		{"realistic 100 orgs", userInfoOf(t, realisticUser(seeded(1, 2), 100))},
		{"empty org list", OAuthUserInfo{Sub: "5e67bdd61009063689407479", Orgs: []OAuthOrgInfo{}}},
		{"optional fields set to zero values", OAuthUserInfo{EmailVerified: &no, Email: str(""), Website: str(""), CanPay: &no}},
		{"optional fields set", OAuthUserInfo{EmailVerified: &yes, Email: str("a@b.c"), Website: str(hubPrefix + "x"), CanPay: &yes, IsPro: true}},
		{"odd strings", OAuthUserInfo{Sub: odd, Name: odd, PreferredUsername: odd, Picture: odd, Profile: odd, Email: str(odd), Website: str(odd),
			Orgs: []OAuthOrgInfo{{Sub: odd, Name: odd, PreferredUsername: odd, Picture: odd, RoleInOrg: str(odd), Plan: str(odd), SecurityRestrictions: []string{odd}}}}},
		{"orgs with every shape", OAuthUserInfo{Orgs: []OAuthOrgInfo{
			{Sub: "5E67BDD61009063689407479", RoleInOrg: str("owner"), Plan: str(""), SecurityRestrictions: []string{}},
			{Sub: "5e67bdd6100906368940747", RoleInOrg: str(""), SecurityRestrictions: []string{"ip", "geo", "", "token-policy", "mfa", "sso"}},
			{Sub: "5e67bdd61009063689407479", IsEnterprise: true, CanPay: &yes, RoleInOrg: str("admin"), Plan: str("enterprise")},
			{CanPay: &no, RoleInOrg: str("read"), Plan: str("team")},
			{RoleInOrg: str("contributor"), Plan: str("plus")},
			{RoleInOrg: str("write"), Plan: str("Team")},
			{},
		}}},
	}
	for i, u := range wireURLs {
		tests = append(tests, struct {
			name string
			user OAuthUserInfo
		}{fmt.Sprintf("URL %d", i), OAuthUserInfo{Picture: u, Profile: u, Website: &u, Orgs: []OAuthOrgInfo{{Picture: u}}}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &session{Token: "kid.sealed", Expires: 1700000000, Scope: "openid profile", State: "state", User: tt.user}
			if got := roundTrip(t, s); !sameSession(got, s) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got.User, s.User)
			}
		})
	}
}

// fill sets every exported field reachable from v to a value that is not
// its zero value, each string a different one.
func fill(t *testing.T, v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("value %d", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(t, p.Elem(), n)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(t, s.Index(i), n)
		}
		v.Set(s)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(t, v.Field(i), n)
			}
		}
	default:
		t.Fatalf("fill: a field of kind %s: teach fill and the wire form about it", v.Kind())
	}
}

// TestWireKeepsEveryField: a session with every field set, in the session,
// the user and its organizations, reads back unchanged, so a field added
// later cannot be silently dropped from the cookie.
func TestWireKeepsEveryField(t *testing.T) {
	t.Parallel()
	s := new(session)
	n := 0
	fill(t, reflect.ValueOf(s).Elem(), &n)
	if got := roundTrip(t, s); !sameSession(got, s) {
		t.Errorf("round trip:\n got %#v\nwant %#v", got, s)
	}
}

// TestWirePacksURLs: the Hub's avatar and profile URLs take a fraction of
// their length in the packed form.
func TestWirePacksURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url  string
		want int // at most, bytes of bin and text
	}{
		{cdnPrefix + "1583857146757-5e67bdd61009063689407479.jpeg", 1 + 6 + 12},
		{cdnPrefix + "5f17f0a0925b9863e28ad517/X7QKoiXbUtEZSG9jyvfk3.jpeg", 1 + 12 + 1 + 26},
		{avatarPrefix + "0123456789abcdef0123456789abcdef.svg", 1 + 16},
		{hubPrefix + "ada-lovelace", 1 + 1 + 12},
		{svgDataPrefix + base64.StdEncoding.EncodeToString([]byte("<svg/>")), 1 + 1 + 8},
	}
	for _, tt := range tests {
		var p packer
		p.url(tt.url)
		if got := len(p.bin) + len(p.text); got > tt.want {
			t.Errorf("packed %q in %d bytes; want at most %d", tt.url, got, tt.want)
		}
	}
}

// blobOf assembles a packed user from its parts.
func blobOf(form byte, bin, text []byte) []byte {
	b := binary.AppendUvarint([]byte{form}, uint64(len(bin)))
	return append(append(b, bin...), text...)
}

// deflated is b compressed with raw DEFLATE.
func deflated(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestSpeed)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWireRefusesMalformed: a packed user that is cut short, extended,
// or carries unknown forms, flags, tags or codes, or a text that inflates
// without bound, is an error, never a panic or a partial user.
func TestWireRefusesMalformed(t *testing.T) {
	t.Parallel()
	small := OAuthUserInfo{Sub: "5e67bdd61009063689407479", Name: "Ada", PreferredUsername: "ada"}
	large := userInfoOf(t, realisticUser(seeded(3, 4), 3))
	var valid [][]byte
	for _, u := range []OAuthUserInfo{small, large} {
		blob, err := packUser(&u)
		if err != nil {
			t.Fatal(err)
		}
		valid = append(valid, blob)
	}
	if valid[0][0] != wireText || valid[1][0] != wireZip {
		t.Fatalf("forms %d and %d; want the small user's text as it is, the large one's deflated", valid[0][0], valid[1][0])
	}
	type bad struct {
		name string
		blob []byte
	}
	var tests []bad
	for _, v := range valid {
		for n := range len(v) {
			tests = append(tests, bad{fmt.Sprintf("form %d cut to %d of %d bytes", v[0], n, len(v)), v[:n]})
		}
		tests = append(tests, bad{fmt.Sprintf("form %d with a byte more", v[0]), append(bytes.Clone(v), 0)})
		for _, form := range []byte{0, 3, 0xff} {
			tests = append(tests, bad{fmt.Sprintf("form %d", form), append([]byte{form}, v[1:]...)})
		}
	}
	uv := binary.AppendUvarint
	// user is the bin of a user with flags and every string empty, up to its org count.
	user := func(flags uint64) []byte { return append(uv(nil, flags), 0, 0, 0, 0, 0, 0, 0) }
	tests = append(tests,
		bad{"bin longer than the blob", blobOf(wireText, nil, nil)[:1:1]},
		bad{"unknown user flag", blobOf(wireText, append(user(userOrgsSet<<1), 0), nil)},
		bad{"orgs without the list flag", blobOf(wireText, append(user(0), 1, 0, 0, 0, 0, 0), nil)},
		bad{"more orgs than bytes", blobOf(wireText, append(user(userOrgsSet), 0xff, 0xff, 0xff, 0xff, 0x0f), nil)},
		bad{"string past the text", blobOf(wireText, []byte{0, 5}, []byte("abc"))},
		bad{"unknown URL form", blobOf(wireText, append([]byte{0, 0, 0, 0}, uv(nil, urlCDNStamped+uint64(len(wireImageExts)))...), nil)},
		bad{"hex id past the bin", blobOf(wireText, []byte{userHexSub, 1, 2, 3}, nil)},
		bad{"varint overflow", blobOf(wireText, bytes.Repeat([]byte{0xff}, 11), nil)},
		bad{"corrupt DEFLATE", blobOf(wireZip, user(0), []byte{0xff, 0xff, 0xff})},
		bad{"DEFLATE past the bound", blobOf(wireZip, append(user(0), 0), deflated(t, make([]byte, maxWireText+1)))},
		bad{"bytes after the DEFLATE stream", blobOf(wireZip, append(user(0), 0), append(deflated(t, nil), 0))},
	)
	if err := unpackUser(blobOf(wireZip, append(user(0), 0), deflated(t, nil)), new(OAuthUserInfo)); err != nil {
		t.Fatalf("the well-formed user of the DEFLATE cases does not decode: %v", err)
	}
	role := func(code byte) []byte {
		// a user with one org (hex sub, every string empty) whose role has code code
		bin := append(user(userOrgsSet), 1, orgHexSub|orgRoleSet)
		bin = append(bin, make([]byte, 12)...)
		return blobOf(wireText, append(bin, 0, 0, 0, 0, code), nil)
	}
	if err := unpackUser(role(4), new(OAuthUserInfo)); err != nil {
		t.Fatalf("the well-formed org of the role cases does not decode: %v", err)
	}
	tests = append(tests, bad{"role code past the table", role(5)})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := OAuthUserInfo{Name: "before"}
			if err := unpackUser(tt.blob, &u); err == nil {
				t.Fatalf("unpackUser(%x) = %+v; want an error", tt.blob, u)
			}
			if !reflect.DeepEqual(u, OAuthUserInfo{}) && u.Name != "before" {
				t.Errorf("unpackUser(%x) left a partial user %+v", tt.blob, u)
			}
		})
	}
	for _, raw := range []string{`{"u":{}}`, `{"u":null}`, `{"u":1}`, `{"u":""}`, `{"u":"@@"}`, `{"u":"AQ=="}`, `{"t":1,"u":"AQA"}`, `[]`} {
		if err := json.Unmarshal([]byte(raw), new(session)); err == nil {
			t.Errorf("session from %s: no error", raw)
		}
	}
}

// FuzzSessionWire feeds the decoder what a correctly signed cookie could
// carry: it must never panic, and whatever it accepts packs and reads back
// the same.
func FuzzSessionWire(f *testing.F) {
	for _, u := range []mock.User{mock.NewUser("plain"), mock.DefaultUser(), realisticUser(seeded(5, 6), 4)} {
		info := userInfoOf(f, u)
		blob, err := packUser(&info)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(blob)
		raw, err := json.Marshal(&session{Token: "t", Expires: 1, User: info})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add(blobOf(wireText, binary.AppendUvarint(nil, userOrgsSet|userHexSub), nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s session
		_ = json.Unmarshal(data, &s)
		var u OAuthUserInfo
		if unpackUser(data, &u) != nil {
			return
		}
		blob, err := packUser(&u)
		if err != nil {
			t.Fatalf("packUser of a decoded user: %v", err)
		}
		var again OAuthUserInfo
		if err := unpackUser(blob, &again); err != nil || !reflect.DeepEqual(again, u) {
			t.Fatalf("repacked user reads back as %+v, %v; want %+v", again, err, u)
		}
	})
}

// BenchmarkSessionWire measures reading a realistic 100-org session from
// its wire form, what a replica does once per session it has not seen.
func BenchmarkSessionWire(b *testing.B) {
	s := &session{Token: "kid.sealed", Expires: 1700000000, User: userInfoOf(b, realisticUser(seeded(1, 2), 100))}
	raw, err := json.Marshal(s)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := json.Unmarshal(raw, new(session)); err != nil {
			b.Fatal(err)
		}
	}
}
