// Package jsonobj reads, without encoding/json, the compact JSON objects that
// encoding/json writes for jwtstore's claims and hfauth's session, and only
// when the answer is sure to be the one encoding/json would give: any input
// outside a narrow, strictly checked subset makes it say so, and its caller
// then decodes the same bytes with encoding/json. It exists because
// encoding/json spends most of a cold session check validating and
// re-scanning one long string claim.
package jsonobj

import (
	"bytes"
	"encoding/binary"
)

// maxMembers bounds the members Members reads: more, and it leaves the object
// to encoding/json. It also bounds the duplicate-key check, which is
// quadratic.
const maxMembers = 24

// maxKey bounds a key's length, so that keys compare as one machine word.
const maxKey = 8

// maxDepth bounds the nesting Valid follows; deeper input is left to
// encoding/json (which allows 10000 levels).
const maxDepth = 64

// Members calls fn for each member of the JSON object data, in order, with its
// key and its raw value (the exact bytes of the value, as encoding/json hands
// them to a json.Unmarshaler). It reports true when data is one object and fn
// returned true for every member; false as soon as fn returns false or data
// leaves the subset, after fn may have seen a prefix of the members. The
// subset: no whitespace anywhere outside strings, keys of 1 to 8 bytes of
// printable ASCII without escapes, each key once, at most 24 members, and
// values that Valid accepts, the object nesting at most 64 deep as a whole
// (so that Valid accepts it too). Every object encoding/json.Marshal writes for a
// struct of such keys is in it.
func Members(data []byte, fn func(key, val []byte) bool) bool {
	if len(data) < 2 || data[len(data)-1] != '}' {
		return false
	}
	return Object(data, fn) == len(data)
}

// Object is Members for the object at the start of data, which may go on
// after it: it returns the object's length, or -1 when fn returned false
// or data does not start with an object in the subset.
func Object(data []byte, fn func(key, val []byte) bool) int {
	return Fields(data, func(key, rest []byte) int {
		end := skip(rest, 0, 1) // one level down: the object is a level
		if end < 0 || !fn(key, rest[:end]) {
			return -1
		}
		return end
	})
}

// Fields is Object for a caller that reads each value itself, in one pass:
// fn gets a member's key and the rest of data from the member's value on,
// and returns the length of the value it read there, or -1 to stop. A value
// fn reads must be one that Valid accepts, or the subset's promise is
// broken.
func Fields(data []byte, fn func(key, rest []byte) int) int {
	if len(data) < 2 || data[0] != '{' {
		return -1
	}
	var seen [maxMembers]uint64
	n := 0
	i := 1
	if data[i] == '}' {
		return i + 1
	}
	for {
		// The key.
		if i >= len(data) || data[i] != '"' {
			return -1
		}
		j := i + 1
		for j < len(data) && plain[data[j]] {
			j++
		}
		if j >= len(data) || data[j] != '"' || j == i+1 || j-i-1 > maxKey || n == maxMembers {
			return -1
		}
		key := data[i+1 : j]
		w := word(key)
		for _, s := range seen[:n] {
			if s == w {
				return -1
			}
		}
		seen[n] = w
		n++
		i = j + 1
		if i >= len(data) || data[i] != ':' {
			return -1
		}
		i++
		m := fn(key, data[i:])
		if m < 0 || m > len(data)-i {
			return -1
		}
		i += m
		if i >= len(data) {
			return -1
		}
		switch data[i] {
		case ',':
			i++
		case '}':
			return i + 1
		default:
			return -1
		}
	}
}

// PrefixUnmarshaler is implemented by a type that decodes its JSON value
// from the start of a longer input in one pass, as Fields' callers want.
type PrefixUnmarshaler interface {
	// UnmarshalJSONPrefix decodes the JSON value at the start of data and
	// returns its length n. ok is true only when data[:n] is a value Valid
	// accepts and the receiver holds what its UnmarshalJSON(data[:n])
	// would give; when ok is false the caller decodes data some other way.
	UnmarshalJSONPrefix(data []byte) (n int, ok bool)
}

// Value returns the length of the JSON value at the start of data, in the
// subset Valid accepts, or -1 when there is none.
func Value(data []byte) int { return skip(data, 0, 0) }

// word packs a key of at most 8 bytes into a uint64, one-to-one (the length
// is implied: no key byte is 0).
func word(k []byte) uint64 {
	var w uint64
	for _, c := range k {
		w = w<<8 | uint64(c)
	}
	return w
}

// Valid reports whether data is exactly one JSON value in the subset Members
// accepts for values: no whitespace outside strings, nesting at most 64 deep.
// Whatever it accepts, encoding/json accepts too.
func Valid(data []byte) bool { return skip(data, 0, 0) == len(data) }

// skip returns the end of the JSON value starting at data[i], or -1 when
// there is none in the subset.
func skip(data []byte, i, depth int) int {
	if i >= len(data) {
		return -1
	}
	switch c := data[i]; {
	case c == '"':
		return skipString(data, i)
	case c == '{':
		return skipObject(data, i, depth+1)
	case c == '[':
		return skipArray(data, i, depth+1)
	case c == '-' || c >= '0' && c <= '9':
		return skipNumber(data, i)
	case c == 't':
		return skipLit(data, i, "true")
	case c == 'f':
		return skipLit(data, i, "false")
	case c == 'n':
		return skipLit(data, i, "null")
	}
	return -1
}

func skipLit(data []byte, i int, lit string) int {
	if len(data)-i < len(lit) || string(data[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}

// skipString returns the end of the string at data[i] (after its closing
// quote). It accepts what encoding/json's scanner accepts: any byte from 0x20
// on but '"' and '\\', and the escapes \" \\ \/ \b \f \n \r \t \uXXXX.
func skipString(data []byte, i int) int {
	i++
	// A long string without escapes, such as a session's packed user, ends
	// at its first quote, which IndexByte finds many bytes at a time; the
	// bytes before it then need only the checks for a backslash and for
	// control bytes.
	if q := bytes.IndexByte(data[i:], '"'); q >= 0 {
		run := data[i : i+q]
		if bytes.IndexByte(run, '\\') < 0 && !hasControl(run) {
			return i + q + 1
		}
	}
	for {
		i = plainRun(data, i)
		for i < len(data) && inString[data[i]] {
			i++
		}
		if i >= len(data) {
			return -1
		}
		switch data[i] {
		case '"':
			return i + 1
		case '\\':
			if i+1 >= len(data) {
				return -1
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(data)-i < 6 {
					return -1
				}
				for _, h := range data[i+2 : i+6] {
					if !isHex(h) {
						return -1
					}
				}
				i += 6
			default:
				return -1
			}
		default: // a control byte
			return -1
		}
	}
}

// plainRun returns the first index from i on, in steps of 8 bytes, of a group
// that may hold a byte a string cannot hold unescaped: below 0x20, '"' or
// '\\'. Testing eight bytes at once (the classic "has a zero byte" trick on
// a 64-bit word) makes the long string of a session's packed user a few
// times cheaper to check than byte by byte; it may stop early on a group
// that holds no such byte, never late.
func plainRun(data []byte, i int) int {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(data); i += 8 {
		x := binary.LittleEndian.Uint64(data[i:])
		q := x ^ ones*'"'
		b := x ^ ones*'\\'
		if (x-ones*0x20)&^x&high|(q-ones)&^q&high|(b-ones)&^b&high != 0 {
			break
		}
	}
	return i
}

// hasControl reports whether b holds a byte below 0x20, 32 bytes per step
// with the same trick as plainRun (the array conversion spares the bounds
// checks).
func hasControl(b []byte) bool {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	for len(b) >= 32 {
		p := (*[32]byte)(b)
		w := binary.LittleEndian.Uint64(p[0:8])
		x := binary.LittleEndian.Uint64(p[8:16])
		y := binary.LittleEndian.Uint64(p[16:24])
		z := binary.LittleEndian.Uint64(p[24:32])
		if ((w-ones*0x20)&^w|(x-ones*0x20)&^x|(y-ones*0x20)&^y|(z-ones*0x20)&^z)&high != 0 {
			return true
		}
		b = b[32:]
	}
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// skipNumber returns the end of the number at data[i], by JSON's grammar.
func skipNumber(data []byte, i int) int {
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		i = digits(data, i)
	default:
		return -1
	}
	if i < len(data) && data[i] == '.' {
		if j := digits(data, i+1); j > i+1 {
			i = j
		} else {
			return -1
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := digits(data, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func digits(data []byte, i int) int {
	for i < len(data) && data[i] >= '0' && data[i] <= '9' {
		i++
	}
	return i
}

func skipObject(data []byte, i, depth int) int {
	if depth > maxDepth {
		return -1
	}
	i++
	if i < len(data) && data[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return -1
		}
		if i = skipString(data, i); i < 0 || i >= len(data) || data[i] != ':' {
			return -1
		}
		if i = skip(data, i+1, depth); i < 0 || i >= len(data) {
			return -1
		}
		switch data[i] {
		case ',':
			i++
		case '}':
			return i + 1
		default:
			return -1
		}
	}
}

func skipArray(data []byte, i, depth int) int {
	if depth > maxDepth {
		return -1
	}
	i++
	if i < len(data) && data[i] == ']' {
		return i + 1
	}
	for {
		if i = skip(data, i, depth); i < 0 || i >= len(data) {
			return -1
		}
		switch data[i] {
		case ',':
			i++
		case ']':
			return i + 1
		default:
			return -1
		}
	}
}

// plain reports the bytes a string holds as they are, which decode to
// themselves: printable ASCII but '"' and '\\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// inString reports the bytes a string may hold unescaped: all from 0x20 on
// but '"' and '\\' (encoding/json's scanner does not check UTF-8).
var inString = func() (t [256]bool) {
	for c := 0x20; c < 0x100; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// String returns the Go string of the raw JSON value val, when val is a string
// of plain characters (printable ASCII, no escapes): then it is what
// encoding/json would decode. It reports false for anything else.
func String(val []byte) (string, bool) {
	s, ok := StringBytes(val)
	if !ok {
		return "", false
	}
	return string(s), true
}

// StringBytes is String without the copy: the bytes between val's quotes.
func StringBytes(val []byte) ([]byte, bool) {
	if len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
		return nil, false
	}
	s := val[1 : len(val)-1]
	for _, c := range s {
		if !plain[c] {
			return nil, false
		}
	}
	return s, true
}

// Int returns the int64 of the raw JSON value val, when val is an integer of
// at most 18 digits without fraction or exponent: what encoding/json would
// decode into an int64. It reports false for anything else (null included,
// which encoding/json skips).
func Int(val []byte) (int64, bool) {
	neg := len(val) > 0 && val[0] == '-'
	d := val
	if neg {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 18 || d[0] == '0' && len(d) > 1 {
		return 0, false
	}
	var n int64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
