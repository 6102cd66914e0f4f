package jsonobj

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestMembers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		ok   bool
		keys string // the keys seen, joined by ","
	}{
		{`{}`, true, ""},
		{`{"a":1,"bb":"x","c":[1,{"d":null}],"e":true,"f":-0.5e+3}`, true, "a,bb,c,e,f"},
		{`{"a":"\u00e9\n","b":"é"}`, true, "a,b"},
		{`{"a":1,"a":2}`, false, "a"},         // a duplicate key: encoding/json's last-wins is its business
		{`{"a": 1}`, false, ""},               // whitespace
		{`{"a":1}x`, false, ""},               // trailing bytes
		{`{"a":01}`, false, "a"},              // leading zero
		{`{"a":"\x"}`, false, ""},             // bad escape
		{`{"a":"` + "\x01" + `"}`, false, ""}, // control byte
		{`{"toolongkey":1}`, false, ""},       // key over 8 bytes
		{`{"k\"":1}`, false, ""},              // escaped key
		{`{"a":[1,]}`, false, ""},             // trailing comma
		{`{"a":1,}`, false, "a"},              // trailing comma
		{`["a"]`, false, ""},                  // not an object
		{`{"a":tru}`, false, ""},              // bad literal
		{`{"a":1.}`, false, ""},               // bad number
		{"{\"a\":\"\x7f\"}", true, "a"},       // DEL, a byte strings may hold
		{`{"a":"0123456789abcdef\"x\\0123456789","b":"0123456789abcdef` + "\x1f" + `"}`, false, "a"},          // escapes, then a control byte, past 8-byte groups
		{`{"a":"0123456789abcdef0123` + "\x00" + `456789abcdef"}`, false, ""},                                 // a control byte in a long plain run
		{`{"a":"0123456789abcdef0123456789abcdef0123456789` + "\x0a" + `abcdef0123456789abcdef"}`, false, ""}, // in the second 32-byte step
		{`{"a":"0123456789abcdef0123456789abcde` + "\x1f" + `"}`, false, ""},                                  // one just before the quote
		{`{"a":"0123456789abcdef0123456789` + "\x7f\x80\xff" + `abcdef"}`, true, "a"},                         // bytes from 0x7f on are no control bytes
		{`{"a":"0123456789abcdef0123\"456789abcdef","b":1}`, true, "a,b"},                                     // an escaped quote first
		{`{"a":"0123456789abcdef0123456789abcdef`, false, ""},                                                 // no closing quote
		{`{"a":{"b":{"c":{}}}}`, true, "a"},                                                                   // nesting
		{`{"a":"x","b":"` + "\xff" + `"}`, true, "a,b"},                                                       // invalid UTF-8 is valid JSON
	} {
		var keys [][]byte
		ok := Members([]byte(tt.in), func(k, v []byte) bool {
			keys = append(keys, k)
			return true
		})
		if got := string(bytes.Join(keys, []byte(","))); ok != tt.ok || got != tt.keys {
			t.Errorf("Members(%q) = %v, keys %q; want %v, %q", tt.in, ok, got, tt.ok, tt.keys)
		}
		if ok && !json.Valid([]byte(tt.in)) {
			t.Errorf("Members accepted %q, which encoding/json refuses", tt.in)
		}
	}
}

func TestObjectFields(t *testing.T) {
	t.Parallel()
	data := []byte(`{"a":"xy","b":[1,2]},"more":1}`)
	if n := Object(data, func(k, v []byte) bool { return true }); n != len(`{"a":"xy","b":[1,2]}`) {
		t.Errorf("Object = %d; want the first object's length", n)
	}
	for _, cut := range []string{`{"a":1,`, `{"a":1`, `{"a":`, `{"a"`, `{"`, `{`} {
		if n := Object([]byte(cut), func(k, v []byte) bool { return true }); n != -1 {
			t.Errorf("Object(%q) = %d; want -1", cut, n)
		}
	}
	if n := Object([]byte(`{"a":1}`), func(k, v []byte) bool { return string(k) != "a" }); n != -1 {
		t.Errorf("Object with fn refusing = %d; want -1", n)
	}
	for _, tt := range []struct {
		name string
		read func(rest []byte) int
		want int
	}{
		{"each value read", Value, len(`{"a":"xy","b":[1,2]}`)},
		{"a value read too long", func(rest []byte) int { return len(rest) + 1 }, -1},
		{"a value read to the end", func(rest []byte) int { return len(rest) }, -1},
		{"stopped", func([]byte) int { return -1 }, -1},
		{"a value read short", func([]byte) int { return 1 }, -1},
	} {
		if n := Fields(data, func(_, rest []byte) int { return tt.read(rest) }); n != tt.want {
			t.Errorf("Fields, %s = %d; want %d", tt.name, n, tt.want)
		}
	}
}

func TestStringInt(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in string
		s  string
		ok bool
	}{{`"abc"`, "abc", true}, {`""`, "", true}, {`"a\"b"`, "", false}, {`"é"`, "", false}, {`1`, "", false}, {`null`, "", false}} {
		if s, ok := String([]byte(tt.in)); s != tt.s || ok != tt.ok {
			t.Errorf("String(%s) = %q, %v; want %q, %v", tt.in, s, ok, tt.s, tt.ok)
		}
	}
	for _, tt := range []struct {
		in string
		n  int64
		ok bool
	}{{`0`, 0, true}, {`-12`, -12, true}, {`1700000000`, 1700000000, true}, {`999999999999999999`, 999999999999999999, true},
		{`1000000000000000000`, 0, false}, {`1.0`, 0, false}, {`1e3`, 0, false}, {`01`, 0, false}, {`-`, 0, false}, {`null`, 0, false}, {`""`, 0, false}} {
		if n, ok := Int([]byte(tt.in)); n != tt.n || ok != tt.ok {
			t.Errorf("Int(%s) = %d, %v; want %d, %v", tt.in, n, ok, tt.n, tt.ok)
		}
	}
}

// FuzzMembers checks Members, Valid, String and Int against encoding/json on
// the same bytes: whatever they accept, encoding/json accepts and decodes to
// the same members and values.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{`{}`, `{"iss":"jwtstore","aud":["a"],"exp":1700000000,"c":{"t":"x","u":"AQ"}}`,
		`{"a":"\u00e9\n","b":[true,false,null,-1.5e-3]}`, `{"a":1,"a":2}`, `{"A":1}`, `{"a":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if Valid(data) && !json.Valid(data) {
			t.Fatalf("Valid accepts %q; encoding/json refuses it", data)
		}
		var got [][2][]byte
		ok := Members(data, func(k, v []byte) bool {
			got = append(got, [2][]byte{k, v})
			return true
		})
		if n := Object(data, func(k, v []byte) bool { return true }); n > len(data) || n >= 0 && !Valid(data[:n]) {
			t.Fatalf("Object(%q) = %d", data, n)
		}
		// Object reads the same object at the start of a longer input (when
		// Members refuses data, it may have stopped before fn saw a member).
		var again int
		end := Object(append(bytes.Clone(data), `,"z"}`...), func(k, v []byte) bool {
			if ok && (again >= len(got) || !bytes.Equal(k, got[again][0]) || !bytes.Equal(v, got[again][1])) {
				t.Fatalf("Object saw member %d of %q as %q: %q; Members %q", again, data, k, v, got)
			}
			again++
			return true
		})
		if ok != (end == len(data)) || ok && again != len(got) {
			t.Fatalf("Object(%q + more) = %d after %d members; Members %v after %d", data, end, again, ok, len(got))
		}
		if !ok {
			return
		}
		var want map[string]json.RawMessage
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("Members accepts %q; encoding/json: %v", data, err)
		}
		if len(want) != len(got) {
			t.Fatalf("Members saw %d members of %q; encoding/json %d", len(got), data, len(want))
		}
		for _, m := range got {
			w, found := want[string(m[0])]
			if !found || !bytes.Equal(w, m[1]) {
				t.Fatalf("member %q of %q: Members %q, encoding/json %q", m[0], data, m[1], w)
			}
			if s, ok := String(m[1]); ok {
				var ws string
				if json.Unmarshal(m[1], &ws) != nil || ws != s {
					t.Fatalf("String(%q) = %q; encoding/json %q", m[1], s, ws)
				}
			}
			if n, ok := Int(m[1]); ok {
				var wn int64
				if json.Unmarshal(m[1], &wn) != nil || wn != n {
					t.Fatalf("Int(%q) = %d; encoding/json %d", m[1], n, wn)
				}
			}
		}
	})
}

// TestObjectDepth: the object Object reads is one Valid accepts, nesting
// and all: a member's value 64 levels deep makes the object 65 deep, which
// Valid refuses, so Object must refuse it too (a PrefixUnmarshaler built on
// Object promises a value Valid accepts).
func TestObjectDepth(t *testing.T) {
	t.Parallel()
	for _, levels := range []int{63, 64} {
		val := strings.Repeat("[", levels) + strings.Repeat("]", levels)
		obj := []byte(`{"a":` + val + `}`)
		n := Object(obj, func(k, v []byte) bool { return true })
		if valid := Valid(obj); (n == len(obj)) != valid || Members(obj, func(k, v []byte) bool { return true }) != valid {
			t.Errorf("%d levels in a member: Object = %d, Members disagree or Valid = %v", levels, n, valid)
		}
	}
}
