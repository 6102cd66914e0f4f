package jwtstore

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/echohf/echohf/internal/b64url"
	"github.com/echohf/echohf/internal/deflate"
)

// maxHeaderSeg bounds the header segment foreignKey decodes: the longest Save mints (a
// 64-character kid and "zip") is about 120 characters.
const maxHeaderSeg = 160

// foreignKey reports whether tok, whose header segment ends at i and is not one of the
// ring's, looks minted by Save with a key that is not in the ring: its header is exactly
// the one Save would write for a valid key id, and it has a payload and a signature of the
// right length. Such a token cannot be verified here, and is ErrUnknownKey rather than
// plain ErrInvalid.
func foreignKey(tok string, i int) bool {
	seg := tok[:i]
	if len(seg) > maxHeaderSeg {
		return false
	}
	j := indexDot(tok[i+1:])
	if j < 0 || len(tok)-(i+1+j+1) != sigLen || indexDot(tok[i+1+j+1:]) >= 0 {
		return false
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(seg)
	if err != nil {
		return false
	}
	var h struct {
		Kid string `json:"kid"`
		Zip string `json:"zip"`
	}
	if json.Unmarshal(raw, &h) != nil || !validKeyID(h.Kid) {
		return false
	}
	// Only the exact segment Save would mint for that kid passes.
	want, err := headerSegment(h.Kid, h.Zip != "")
	return err == nil && want == seg
}

// issJSON is the iss claim as Save encodes it.
var issJSON = [2][]byte{[]byte(`"jwtstore"`)}

// verify checks the header segment and signature of tok and decodes its payload into w.
// tok comes from find, which has already bounded its length.
func (s *Store[C]) verify(tok string, w *wire[C]) error {
	i := indexDot(tok)
	if i < 0 {
		return fmt.Errorf("%w: not a JWT", ErrInvalid)
	}
	hd, ok := s.ring.byHeader[tok[:i]]
	if !ok {
		if foreignKey(tok, i) {
			return ErrUnknownKey
		}
		return fmt.Errorf("%w: unknown header (algorithm or key id)", ErrInvalid)
	}
	k := hd.key
	j := indexDot(tok[i+1:])
	if j < 0 {
		return fmt.Errorf("%w: not a JWT", ErrInvalid)
	}
	j += i + 1 // end of the signing input
	sig := tok[j+1:]
	if len(sig) != sigLen || indexDot(sig) >= 0 {
		return fmt.Errorf("%w: bad signature length", ErrInvalid)
	}
	m := k.get()
	defer k.put(m)
	m.buf = append(m.buf[:0], tok[:j]...)
	m.h.Write(m.buf)
	m.h.Sum(m.sum[:0])
	base64.RawURLEncoding.Encode(m.enc[:], m.sum[:])
	// Constant-time compare of the canonical encoding: a non-canonical encoding of the
	// right MAC is refused too.
	var diff byte
	for x := 0; x < len(m.enc); x++ {
		diff |= m.enc[x] ^ sig[x]
	}
	if diff != 0 {
		return fmt.Errorf("%w: bad signature", ErrInvalid)
	}
	// b64url refuses every byte outside the alphabet, CR and LF included
	// (encoding/base64 would skip those).
	data, ok := b64url.AppendDecode(m.dec[:0], m.buf[i+1:j])
	if !ok {
		return fmt.Errorf("%w: bad base64 in payload", ErrInvalid)
	}
	m.dec = data
	if hd.zip {
		// Only now that the signature is verified.
		z := deflate.NewReader()
		defer z.Release()
		var err error
		if data, err = z.Inflate(data, maxInflate); errors.Is(err, deflate.ErrTooLarge) {
			return fmt.Errorf("%w: compressed payload inflates beyond %d bytes", ErrInvalid, maxInflate)
		} else if err != nil {
			return fmt.Errorf("%w: bad compressed payload", ErrInvalid)
		}
	}
	w.Iss.want = issJSON
	w.Aud.want = s.audJSON
	if !decodeWire(data, w) {
		return fmt.Errorf("%w: bad payload JSON", ErrInvalid)
	}
	return nil
}
