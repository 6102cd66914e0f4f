package jwtstore

import (
	"encoding/base64"
	"fmt"

	"github.com/golang-jwt/jwt/v5"

	"github.com/echohf/echohf/internal/deflate"
)

// Payload compression. A token whose single cookie would exceed CookieLimit is re-minted
// with its payload JSON compressed with raw DEFLATE (RFC 1951) and the header
// {"alg":"HS256","kid":...,"typ":"JWT","zip":"DEF"}, when that makes the token shorter. The
// signature covers the header and the compressed payload as usual; Load verifies it before
// inflating anything, and inflates at most maxInflate bytes. The codec itself, pooled and
// bounded, is internal/deflate, which hfauth's session wire form shares.
const (
	// maxInflate bounds the payload JSON of a compressed token: Load refuses a compressed
	// payload that inflates beyond it, and Save never compresses a larger one.
	maxInflate = 1 << 20
)

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
	z, err := deflate.Compress(raw)
	if err != nil {
		return "", fmt.Errorf("jwtstore: compressing: %w", err)
	}
	k := s.ring.signer
	if len(k.zipHeader)+1+base64.RawURLEncoding.EncodedLen(len(z)) >= j { // not shorter
		return tok, nil
	}
	return signZip(k, z)
}
