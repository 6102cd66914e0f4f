package hfauth

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// sessionBoth decodes b with session.UnmarshalJSON (its direct read, or encoding/json when
// that declines) and with encoding/json alone, and fails t when they disagree.
func sessionBoth(t *testing.T, b []byte) {
	t.Helper()
	got, want := new(session), new(session)
	err := got.UnmarshalJSON(b)
	wantErr := json.Unmarshal(b, &sessionWire{(*sessionFields)(want), packedUser{&want.User}})
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("UnmarshalJSON(%q): %v; encoding/json: %v", b, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("UnmarshalJSON(%q) = %+v; encoding/json %+v", b, got, want)
	}
}

// testSessionJSON is the wire form of a session of the mock user with every field set.
func testSessionJSON(t testing.TB) []byte {
	s := &session{Token: "sealed.token", Refresh: "sealed.refresh", Expires: 1700003600, Issued: 1700000000,
		Checked: 1700000100, Login: 1699990000, Scope: "openid profile", State: "st-1", SignIn: "si-1", User: defaultMockUser()}
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
}

// jsonMembersDirect reports whether UnmarshalJSON's direct read takes b.
func jsonMembersDirect(s *session, b []byte) bool {
	ok := true
	for key, val := range members(b) {
		if f, _ := s.field([]byte(key), val); !f {
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
	f.Add([]byte(`{"t":"x","e":1,"u":"AQAAAAAAAAA"}`))
	f.Add([]byte(`{"t":"x","E":1,"e":2}`))
	f.Add([]byte(`{"t":"\u0078","r":null,"u":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sessionBoth(t, b)
	})
}
