package hfauth

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"sync"
	"unicode/utf8"
)

// The packed user as the session's JSON carries it: a JSON string in the
// text form or the blob form (see packedUser), written and read here.

// packedUser marshals the user it points to as a JSON string; with plain,
// its text is never deflated. The string takes one of two forms:
//
//   - the text form, ".<bin>.<text>": bin base64url-encoded, then the text
//     as the JSON string's own characters (escaped as JSON escapes them,
//     which the text of a user rarely needs). Written whenever the text is
//     stored as it is and is valid UTF-8. The text is decoded once, with
//     the payload, instead of twice (base64 inside the payload's base64),
//     and takes a quarter fewer bytes.
//   - the blob form, the whole packed user base64url-encoded: written for
//     deflated text (wireZip) and for text that is not valid UTF-8, which
//     a JSON string cannot carry exactly; and the only form cookies minted
//     before the text form had, which still read.
//
// A replica that predates the text form refuses a cookie in it (its
// leading '.' is not base64): the session is logged out there, never
// misread.
type packedUser struct {
	u     *OAuthUserInfo
	plain bool
}

// MarshalJSON implements json.Marshaler.
func (p packedUser) MarshalJSON() ([]byte, error) {
	blob, err := packUserForm(p.u, !p.plain)
	if err != nil {
		return nil, err
	}
	if bin, text, ok := splitText(blob); ok && utf8.Valid(text) {
		out := make([]byte, 0, 4+base64.RawURLEncoding.EncodedLen(len(bin))+len(text))
		out = append(out, '"', '.')
		out = base64.RawURLEncoding.AppendEncode(out, bin)
		out = append(out, '.')
		out = appendJSONText(out, text)
		return append(out, '"'), nil
	}
	out := make([]byte, 0, base64.RawURLEncoding.EncodedLen(len(blob))+2)
	out = append(out, '"')
	out = base64.RawURLEncoding.AppendEncode(out, blob)
	return append(out, '"'), nil
}

// splitText returns the bin and the text of blob, a packed user that
// packUserForm wrote, when its text is stored as it is.
func splitText(blob []byte) (bin, text []byte, ok bool) {
	if blob[0] != wireText {
		return nil, nil, false
	}
	n, k := binary.Uvarint(blob[1:])
	rest := blob[1+k:]
	return rest[:n], rest[n:], true
}

// appendJSONText appends the valid UTF-8 text to out as the characters of a
// JSON string, escaped exactly as encoding/json escapes a string (HTML
// characters included, as json.Marshal's compaction of this output would).
func appendJSONText(out, text []byte) []byte {
	for _, c := range text {
		if !jsonSafe[c] {
			q, _ := json.Marshal(string(text)) // valid UTF-8: no replacement, exact
			return append(out, q[1:len(q)-1]...)
		}
	}
	return append(out, text...)
}

// jsonSafe reports the bytes a JSON string written by encoding/json holds as
// they are: printable ASCII but '"', '\\' and the HTML characters it escapes.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// UnmarshalJSON implements json.Unmarshaler: either form (see packedUser).
func (p packedUser) UnmarshalJSON(b []byte) error {
	var k keeper
	defer k.release()
	if err := p.unmarshal(b, &k); err != nil {
		return err
	}
	k.finish()
	return nil
}

// unmarshal is UnmarshalJSON with the user's strings left to k.
func (p packedUser) unmarshal(b []byte, k *keeper) error {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return errWire
	}
	enc := b[1 : len(b)-1]
	if len(enc) > 0 && enc[0] == '.' {
		return p.unmarshalText(b, enc, k)
	}
	// The blob is scratch: k copies out what the user keeps.
	buf := blobs.Get().(*[]byte)
	defer putBlob(buf)
	blob, err := base64.RawURLEncoding.Strict().AppendDecode((*buf)[:0], enc)
	*buf = blob
	if err != nil {
		return errWire
	}
	return unpackBlob(blob, p.u, k)
}

// unmarshalText reads the text form: b is the JSON string, enc what its
// quotes hold. A string with escapes is unquoted by encoding/json first.
func (p packedUser) unmarshalText(b, enc []byte, k *keeper) error {
	if bytes.IndexByte(enc, '\\') >= 0 {
		var s string
		if json.Unmarshal(b, &s) != nil || len(s) == 0 || s[0] != '.' {
			return errWire
		}
		enc = []byte(s)
	}
	enc = enc[1:]
	i := bytes.IndexByte(enc, '.')
	if i < 0 {
		return errWire
	}
	buf := blobs.Get().(*[]byte)
	defer putBlob(buf)
	bin, err := base64.RawURLEncoding.Strict().AppendDecode((*buf)[:0], enc[:i])
	*buf = bin
	if err != nil {
		return errWire
	}
	return unpackParts(bin, enc[i+1:], p.u, k)
}

// blobs pools the buffers packed users are decoded into.
var blobs = sync.Pool{New: func() any { return new([]byte) }}

// putBlob returns buf to blobs, unless it grew too large to keep.
func putBlob(buf *[]byte) {
	if cap(*buf) <= 16<<10 {
		blobs.Put(buf)
	}
}
