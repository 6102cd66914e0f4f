package jwtstore

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/echohf/echohf/internal/jsonobj"
)

// hookClaims has its own json.Unmarshaler, on the pointer: decodeWire hands it the raw
// value of "c", as encoding/json does. It refuses arrays, so that the refusals of a
// claims type are compared too.
type hookClaims struct{ Raw string }

func (h *hookClaims) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '[' {
		return errors.New("hookClaims: no arrays")
	}
	h.Raw = string(b)
	return nil
}

// valueHook is the same on a claims type that is not a pointer.
type valueHook = hookClaims

// prefixClaims reads its value in the same pass as the payload
// (jsonobj.PrefixUnmarshaler), as hfauth's session does: "u" and "n"
// directly, anything else by encoding/json. prefixReads counts the reads
// through UnmarshalJSONPrefix.
type prefixClaims struct {
	U string `json:"u"`
	N int64  `json:"n"`
}

var prefixReads atomic.Int64

func (p *prefixClaims) UnmarshalJSONPrefix(b []byte) (int, bool) {
	n := p.read(b)
	if n >= 0 {
		prefixReads.Add(1)
	}
	return n, n >= 0
}

func (p *prefixClaims) UnmarshalJSON(b []byte) error {
	if p.read(b) == len(b) {
		return nil
	}
	type plain prefixClaims
	*p = prefixClaims{}
	return json.Unmarshal(b, (*plain)(p))
}

func (p *prefixClaims) read(b []byte) int {
	return jsonobj.Object(b, func(k, v []byte) bool {
		var ok bool
		switch string(k) {
		case "u":
			p.U, ok = jsonobj.String(v)
		case "n":
			p.N, ok = jsonobj.Int(v)
		}
		return ok
	})
}

// prefixValue is prefixClaims as a claims type that is not a pointer.
type prefixValue = prefixClaims

// nullPrefix reads its value in one pass and, as its UnmarshalJSON does,
// takes null (a PrefixUnmarshaler may: the promise is only to agree with
// UnmarshalJSON). As a pointer claims type, encoding/json sets it to nil on
// "c":null without asking it, and decodeWire must too.
type nullPrefix struct{ Null bool }

func (p *nullPrefix) UnmarshalJSON(b []byte) error {
	if string(b) != "null" {
		return errors.New("nullPrefix: null only")
	}
	p.Null = true
	return nil
}

func (p *nullPrefix) UnmarshalJSONPrefix(b []byte) (int, bool) {
	if !strings.HasPrefix(string(b), "null") {
		return -1, false
	}
	p.Null = true
	return 4, true
}

// TestDecodeWirePrefixNull: "c":null leaves a pointer claims type nil, as
// encoding/json does, even when the type's UnmarshalJSONPrefix takes null;
// a claims type that is not a pointer gets its UnmarshalJSON's answer.
func TestDecodeWirePrefixNull(t *testing.T) {
	t.Parallel()
	for _, data := range []string{`{"iss":"jwtstore","exp":1,"c":null}`, `{"c":null,"exp":1}`} {
		decodeBoth[*nullPrefix](t, []byte(data))
		decodeBoth[nullPrefix](t, []byte(data))
	}
}

// decodeBoth decodes data with decodeWire and with encoding/json alone, into claims of
// type C, and fails t when they disagree. It returns whether the direct read answered.
func decodeBoth[C any](t *testing.T, data []byte) (fast bool) {
	t.Helper()
	aud := [2][]byte{[]byte(`["jwtstore:session"]`), []byte(`"jwtstore:session"`)}
	got := wire[C]{Iss: matcher{want: issJSON}, Aud: matcher{want: aud}}
	ok, done := decodeFast(data, &got)
	want := wire[C]{Iss: matcher{want: issJSON}, Aud: matcher{want: aud}}
	err := json.Unmarshal(data, &want)
	if !done {
		got = wire[C]{Iss: matcher{want: issJSON}, Aud: matcher{want: aud}}
		ok = decodeWire(data, &got)
	}
	if ok != (err == nil) {
		t.Fatalf("%T: decodeWire(%q) = %v (direct %v); encoding/json: %v", got.C, data, ok, done, err)
	}
	if ok && !reflect.DeepEqual(got, want) {
		t.Fatalf("%T: decodeWire(%q) (direct %v) = %+v; encoding/json %+v", got.C, data, done, got, want)
	}
	return done
}

// TestDecodeWire checks the direct read of payloads against encoding/json: the same
// claims or both refuse, and the direct read answers for what Save writes.
func TestDecodeWire(t *testing.T) {
	t.Parallel()
	s := newTestStore(t, nil)
	hdr := cookieHeader(save(t, s, nil, testClaims{User: "ada", N: 7}, t0.Add(time.Hour)))
	tok := strings.TrimPrefix(hdr, "session=")
	seg := strings.Split(tok, ".")[1]
	saved, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, data string
		fast       bool // the direct read answers (else encoding/json)
	}{
		{"as Save writes it", string(saved), true},
		{"aud as a string", `{"iss":"jwtstore","aud":"jwtstore:session","exp":1700000000,"c":{"u":"ada"}}`, true},
		{"fractional exp", `{"iss":"jwtstore","aud":["jwtstore:session"],"exp":1700000000.25,"c":{"u":"ada"}}`, true},
		{"nbf and iat", `{"iss":"jwtstore","aud":["x"],"exp":1,"nbf":2,"iat":null,"c":{"u":"ada"}}`, true},
		{"no c", `{"iss":"jwtstore","exp":1}`, true},
		{"bad exp", `{"iss":"jwtstore","exp":"soon","c":{"u":"ada"}}`, true},
		{"huge exp", `{"iss":"jwtstore","exp":1e13,"c":{"u":"ada"}}`, true},
		{"wrong claims type", `{"iss":"jwtstore","exp":1,"c":{"u":5}}`, true},
		{"claims array", `{"iss":"jwtstore","exp":1,"c":[1]}`, true},
		{"key in another case", `{"ISS":"jwtstore","Exp":1,"C":{"u":"ada"}}`, false},
		{"unknown key", `{"iss":"jwtstore","sub":"x","exp":1,"c":{"u":"ada"}}`, false},
		{"duplicate exp", `{"iss":"jwtstore","exp":1,"exp":2,"c":{"u":"ada"}}`, false},
		{"whitespace", `{"iss": "jwtstore", "exp": 1, "c": {"u": "ada"}}`, false},
		{"c null", `{"iss":"jwtstore","exp":1,"c":null}`, false},
		{"not JSON", `{"iss":"jwtstore","exp":1,"c":{"u":"ada"}`, false},
		{"trailing bytes", `{"exp":1} {}`, false},
		{"nested claims", string(hfPayload(t)), true},
		{"c first", `{"c":{"u":"ada","n":7},"iss":"jwtstore","aud":"jwtstore:session","exp":1}`, true},
		{"c first, then a bad exp", `{"c":{"u":"ada"},"exp":"soon"}`, true},
		{"c first, then an unknown key", `{"c":{"u":"ada"},"iss":"jwtstore","sub":"x"}`, false},
		{"c first, then c in another case", `{"c":{"u":"ada"},"C":{"u":"bob"}}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := []byte(tt.data)
			fast := decodeBoth[testClaims](t, data)
			decodeBoth[*testClaims](t, data)
			decodeBoth[*hookClaims](t, data)
			decodeBoth[valueHook](t, data)
			decodeBoth[map[string]any](t, data)
			decodeBoth[hfSession](t, data)
			decodeBoth[*prefixClaims](t, data)
			decodeBoth[prefixValue](t, data)
			if fast != tt.fast {
				t.Errorf("direct read answered %v; want %v", fast, tt.fast)
			}
		})
	}
}

// FuzzDecodeWire is the differential test of the payload decoder: on the same bytes,
// decodeWire (the direct read, or encoding/json when it declines) and encoding/json alone
// give the same claims, or both refuse.
func FuzzDecodeWire(f *testing.F) {
	for _, s := range []string{
		`{"iss":"jwtstore","aud":["jwtstore:session"],"exp":1700000000,"iat":1699990000,"c":{"u":"ada","n":7}}`,
		`{"iss":"jwtstore","aud":"jwtstore:session","exp":1.5,"c":{"u":"a\u00e9\n","p":"x"}}`,
		`{"iss":"jwtstore","exp":1,"c":[1,2]}`,
		`{"Iss":"jwtstore","EXP":1,"c":null}`,
		`{"exp":1,"exp":"x"}`,
		`{"c":{"u":"ada","u":"bob"}}`,
		`{"c":{"n":1e2}}`,
		`{"c":{"u":"ada","n":7},"iss":"jwtstore","exp":1}`,
		`{"c":null,"exp":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Add(hfPayload(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeBoth[hfSession](t, data)
		decodeBoth[*hfSession](t, data)
		decodeBoth[testClaims](t, data)
		decodeBoth[*testClaims](t, data)
		decodeBoth[*hookClaims](t, data)
		decodeBoth[valueHook](t, data)
		decodeBoth[*prefixClaims](t, data)
		decodeBoth[prefixValue](t, data)
		decodeBoth[*nullPrefix](t, data)
		decodeBoth[nullPrefix](t, data)
	})
}

// TestDecodeWirePrefix: a claims type that reads its value in one pass
// (jsonobj.PrefixUnmarshaler) reads "c" of the payload Save writes itself,
// with no separate scan of the value first, as a pointer or not.
func TestDecodeWirePrefix(t *testing.T) {
	s := newTestStore(t, nil)
	hdr := cookieHeader(save(t, s, nil, testClaims{User: "ada", N: 7}, t0.Add(time.Hour)))
	saved, err := base64.RawURLEncoding.DecodeString(strings.Split(strings.TrimPrefix(hdr, "session="), ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	before := prefixReads.Load()
	var p wire[*prefixClaims]
	if !decodeWire(saved, &p) || p.C == nil || p.C.U != "ada" || p.C.N != 7 {
		t.Fatalf("pointer claims: decodeWire = %+v", p.C)
	}
	var v wire[prefixValue]
	if !decodeWire(saved, &v) || v.C.U != "ada" || v.C.N != 7 {
		t.Fatalf("value claims: decodeWire = %+v", v.C)
	}
	if n := prefixReads.Load() - before; n != 2 {
		t.Errorf("%d reads through UnmarshalJSONPrefix; want 2", n)
	}
}

// hfPayload is the payload JSON of a realistic 3-org session (bench_test.go's hfSession).
func hfPayload(tb testing.TB) []byte {
	_, r, _, _ := hfFixture(tb, 3, 0)
	tok := strings.TrimPrefix(r.Header.Get("Cookie"), "session=")
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestDecodeClaimsDirect: the claims of a realistic session, a plain struct, are decoded
// by jsonobj.Decode, not encoding/json.
func TestDecodeClaimsDirect(t *testing.T) {
	t.Parallel()
	var raw struct {
		C json.RawMessage `json:"c"`
	}
	if err := json.Unmarshal(hfPayload(t), &raw); err != nil {
		t.Fatal(err)
	}
	var c hfSession
	if !jsonobj.Decode(raw.C, reflect.ValueOf(&c).Elem()) {
		t.Error("jsonobj.Decode declines the claims Save writes for hfSession")
	}
}

// TestGolangJWTReadsWhatLoadReads: a realistic session's token, which Load reads through
// the direct path, is a standard JWS that golang-jwt parses to the same claims.
func TestGolangJWTReadsWhatLoadReads(t *testing.T) {
	t.Parallel()
	s, r, _, want := hfFixture(t, 3, 0)
	got, err := s.Load(r)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Load: %v, equal %v", err, reflect.DeepEqual(got, want))
	}
	tok := strings.TrimPrefix(r.Header.Get("Cookie"), "session=")
	env := &envelope[hfSession]{}
	if _, err := jwt.ParseWithClaims(tok, env, func(*jwt.Token) (any, error) { return s.ring.signer.key, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("jwtstore"), jwt.WithAudience(s.aud)); err != nil {
		t.Fatalf("golang-jwt: %v", err)
	}
	if !reflect.DeepEqual(env.C, want) {
		t.Errorf("golang-jwt read other claims than Load: %+v", env.C)
	}
}
