package jwtstore

// This file holds wire, what Load decodes a verified payload into, and its decoder: a
// direct read of the compact JSON Save writes (internal/jsonobj), with encoding/json for
// anything else.

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/echohf/echohf/internal/jsonobj"
)

// wire is what Load decodes a verified payload into: the same JSON fields as envelope, with
// the registered claims checked in place instead of decoded through golang-jwt's
// NumericDate and ClaimStrings (which run a nested json.Unmarshal and allocate per field).
type wire[C any] struct {
	Iss matcher `json:"iss"`
	Aud matcher `json:"aud"`
	Exp numDate `json:"exp"`
	Nbf numDate `json:"nbf"`
	Iat numDate `json:"iat"`
	C   C       `json:"c"`
}

// decodeWire decodes the payload JSON data into w, whose matchers are set, as
// json.Unmarshal(data, w) would, and reports whether it succeeded.
//
// A payload in the subset internal/jsonobj reads (what Save writes: compact JSON, each key
// once, spelled as the tags say) is read directly, in one pass: the registered claims
// through the same UnmarshalJSON methods encoding/json would call with the same bytes, and
// "c" read by C itself when it is a jsonobj.PrefixUnmarshaler (hfauth's session is: its long
// packed user is then checked once, not twice); else its raw value is handed to C's own
// json.Unmarshaler when it has one (encoding/json would hand it the same bytes, having
// checked them, as jsonobj has), else decoded by jsonobj.Decode when C is a plain struct it
// takes, else by encoding/json alone.
// Any other payload (an unknown key, a key spelled in another case, whitespace, "c":
// null...) is decoded by encoding/json from scratch. FuzzDecodeWire holds the two to the
// same answers.
func decodeWire[C any](data []byte, w *wire[C]) bool {
	if ok, done := decodeFast(data, w); done {
		return ok
	}
	fresh := &wire[C]{Iss: matcher{want: w.Iss.want}, Aud: matcher{want: w.Aud.want}}
	if json.Unmarshal(data, fresh) != nil {
		return false
	}
	*w = *fresh
	return true
}

// decodeFast is decodeWire through jsonobj. done is false when data is outside its subset
// and encoding/json must decide; ok is the answer when done.
func decodeFast[C any](data []byte, w *wire[C]) (ok, done bool) {
	if len(data) < 2 || data[len(data)-1] != '}' {
		return false, false
	}
	var c []byte
	var read bool // C read "c" itself, in the same pass
	var bad bool  // a claim's UnmarshalJSON refused its value: encoding/json would fail too
	end := jsonobj.Fields(data, func(key, rest []byte) int {
		if string(key) == "c" {
			if v, n, ok := decodePrefix[C](rest); ok {
				w.C, read = v, true
				return n
			}
			n := jsonobj.Value(rest)
			if n >= 0 {
				c = rest[:n]
			}
			return n
		}
		n := jsonobj.Value(rest)
		if n < 0 {
			return -1
		}
		val := rest[:n]
		var err error
		switch string(key) {
		case "iss":
			err = w.Iss.UnmarshalJSON(val)
		case "aud":
			err = w.Aud.UnmarshalJSON(val)
		case "exp":
			err = w.Exp.UnmarshalJSON(val)
		case "nbf":
			err = w.Nbf.UnmarshalJSON(val)
		case "iat":
			err = w.Iat.UnmarshalJSON(val)
		default: // encoding/json would ignore it, or match it to a tag in another case
			return -1
		}
		if bad = err != nil; bad {
			return -1
		}
		return n
	})
	if end != len(data) {
		return false, bad
	}
	if c == nil || read {
		return true, true
	}
	if string(c) == "null" { // encoding/json's rules for null differ by type
		return false, false
	}
	v, err := decodeClaims[C](c)
	if err != nil {
		return false, true
	}
	w.C = v
	return true, true
}

// decodePrefix decodes a new C from the JSON value at the start of data in one pass, when
// C (or *C) is a jsonobj.PrefixUnmarshaler, as decodeClaims would decode that value. n is
// its length; ok is false when C cannot, or the value is not one it reads.
func decodePrefix[C any](data []byte) (v C, n int, ok bool) {
	// The type assertions on nil pointers allocate nothing and go through the
	// runtime's cache of interface tables.
	if t := reflect.TypeFor[C](); t.Kind() == reflect.Pointer {
		// encoding/json sets a pointer to nil on null without asking the type,
		// whose UnmarshalJSONPrefix may take null as its UnmarshalJSON does.
		if _, is := any(v).(jsonobj.PrefixUnmarshaler); !is || len(data) > 0 && data[0] == 'n' {
			return v, 0, false
		}
		v = reflect.New(t.Elem()).Interface().(C)
		n, ok = any(v).(jsonobj.PrefixUnmarshaler).UnmarshalJSONPrefix(data)
		return v, n, ok
	}
	if _, is := any((*C)(nil)).(jsonobj.PrefixUnmarshaler); !is { // asked first, so that other types allocate nothing here
		return v, 0, false
	}
	p := new(C)
	n, ok = any(p).(jsonobj.PrefixUnmarshaler).UnmarshalJSONPrefix(data)
	return *p, n, ok
}

// decodeClaims decodes the raw JSON value raw, which jsonobj has checked, into a new C as
// encoding/json does for a struct field of type C: a pointer C is allocated first, and a
// json.Unmarshaler gets raw itself.
func decodeClaims[C any](raw []byte) (C, error) {
	if t := reflect.TypeFor[C](); t.Kind() == reflect.Pointer {
		v := reflect.New(t.Elem())
		c := v.Interface().(C)
		if u, ok := any(c).(json.Unmarshaler); ok {
			return c, u.UnmarshalJSON(raw)
		}
		if jsonobj.Decode(raw, v.Elem()) {
			return c, nil
		}
		c = reflect.New(t.Elem()).Interface().(C) // Decode may have set part of it
		return c, json.Unmarshal(raw, c)
	}
	p := new(C)
	if u, ok := any(p).(json.Unmarshaler); ok {
		err := u.UnmarshalJSON(raw)
		return *p, err
	}
	if jsonobj.Decode(raw, reflect.ValueOf(p).Elem()) {
		return *p, nil
	}
	p = new(C)
	err := json.Unmarshal(raw, p)
	return *p, err
}

// matcher records whether a JSON value equals one of its expected encodings, byte for byte.
// It never allocates.
type matcher struct {
	want [2][]byte
	ok   bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (m *matcher) UnmarshalJSON(b []byte) error {
	m.ok = bytes.Equal(b, m.want[0]) || (m.want[1] != nil && bytes.Equal(b, m.want[1]))
	return nil
}

var errBadDate = errors.New("jwtstore: bad NumericDate")

// numDate is a JWT NumericDate (seconds since the epoch, a JSON number).
type numDate struct {
	set bool
	t   time.Time
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *numDate) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		d.set = false
		return nil
	}
	// The whole seconds Save writes, without strconv: the same value ParseFloat gives
	// (every integer of up to 12 digits is exact in a float64).
	if n, ok := jsonobj.Int(b); ok && n >= 0 && len(b) <= 12 {
		d.set, d.t = true, time.Unix(n, 0)
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > 1e12 {
		return errBadDate
	}
	sec := math.Floor(f)
	d.set, d.t = true, time.Unix(int64(sec), int64((f-sec)*1e9))
	return nil
}
