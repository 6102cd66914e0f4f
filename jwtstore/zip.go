package jwtstore

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/golang-jwt/jwt/v5"
)

// Payload compression. A token whose single cookie would exceed CookieLimit is re-minted
// with its payload JSON compressed with raw DEFLATE (RFC 1951) and the header
// {"alg":"HS256","kid":...,"typ":"JWT","zip":"DEF"}, when that makes the token shorter. The
// signature covers the header and the compressed payload as usual; Load verifies it before
// inflating anything, and inflates at most maxInflate bytes.
const (
	// zipLevel is the DEFLATE level Save uses.
	zipLevel = flate.BestCompression
	// maxInflate bounds the payload JSON of a compressed token: Load refuses a compressed
	// payload that inflates beyond it, and Save never compresses a larger one.
	maxInflate = 1 << 20
)

var (
	errInflateBound = errors.New("jwtstore: compressed payload over the bound")
	errTrailing     = errors.New("jwtstore: data after the DEFLATE stream")
)

// deflater is a pooled DEFLATE writer and its output buffer. flate.NewWriter allocates
// hundreds of kilobytes of tables, so writers are reused.
type deflater struct {
	w   *flate.Writer
	out bytes.Buffer
}

var deflaters = sync.Pool{New: func() any {
	d := new(deflater)
	w, err := flate.NewWriter(&d.out, zipLevel)
	if err != nil {
		panic(err) // zipLevel is a valid level
	}
	d.w = w
	return d
}}

// deflate returns raw DEFLATE of b, in a buffer of its own.
func deflate(b []byte) ([]byte, error) {
	d := deflaters.Get().(*deflater)
	defer deflaters.Put(d)
	d.out.Reset()
	d.w.Reset(&d.out)
	if _, err := d.w.Write(b); err != nil {
		return nil, err
	}
	if err := d.w.Close(); err != nil {
		return nil, err
	}
	return bytes.Clone(d.out.Bytes()), nil
}

// inflater is a pooled DEFLATE reader and its output buffer.
type inflater struct {
	src bytes.Reader // an io.ByteReader, so flate reads no byte past the stream's end
	r   io.ReadCloser
	out []byte
}

var inflaters sync.Pool

func getInflater() *inflater {
	if z, ok := inflaters.Get().(*inflater); ok {
		return z
	}
	return new(inflater)
}

func putInflater(z *inflater) {
	if cap(z.out) > maxPooledBuf {
		z.out = nil
	}
	inflaters.Put(z)
}

// inflate decompresses the raw DEFLATE stream b into z's buffer, which it returns (valid
// until z is reused). It fails when the output would exceed limit bytes (after allocating
// at most about twice limit), when the stream is corrupt or truncated, and when any byte
// follows the end of the stream.
func (z *inflater) inflate(b []byte, limit int) ([]byte, error) {
	z.src.Reset(b)
	if z.r == nil {
		z.r = flate.NewReader(&z.src)
	} else if err := z.r.(flate.Resetter).Reset(&z.src, nil); err != nil {
		return nil, err
	}
	out := z.out[:0]
	for {
		if len(out) == cap(out) { // len(out) <= limit here: checked after every Read
			out = slices.Grow(out, min(max(cap(out), 4096), limit+1-len(out))) // doubling
		}
		n, err := z.r.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if len(out) > limit {
			return nil, errInflateBound
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	z.out = out
	if z.src.Len() != 0 {
		return nil, errTrailing
	}
	return out, nil
}

// signZip mints a compressed token with k: its zip header, payload as the (already
// compressed) payload segment, and the HS256 signature computed by golang-jwt.
func signZip(k *signKey, payload []byte) (string, error) {
	input := k.zipHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	sig, err := jwt.SigningMethodHS256.Sign(input, k.key)
	if err != nil {
		return "", fmt.Errorf("jwtstore: signing: %w", err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// compact returns tok, an uncompressed token minted by sign, re-minted with its payload
// JSON compressed when that is shorter; otherwise tok itself.
func (s *Store[C]) compact(tok string) (string, error) {
	i := indexDot(tok)
	j := i + 1 + indexDot(tok[i+1:])
	seg := tok[i+1 : j]
	// The exact JSON golang-jwt encoded for the claims.
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return "", fmt.Errorf("jwtstore: compressing: %w", err)
	}
	if len(raw) > maxInflate {
		return tok, nil
	}
	z, err := deflate(raw)
	if err != nil {
		return "", fmt.Errorf("jwtstore: compressing: %w", err)
	}
	k := s.ring.signer
	if len(k.zipHeader)+1+base64.RawURLEncoding.EncodedLen(len(z)) >= j { // not shorter
		return tok, nil
	}
	return signZip(k, z)
}
