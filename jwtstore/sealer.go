package jwtstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/echohf/echohf/internal/b64url"
)

// Sealer encrypts secret values (such as an OAuth access token) with AES-256-GCM so they can
// ride inside signed claims without being readable from the cookie. Each Key of its ring
// gets its own AES key, derived with HKDF-SHA256 from Key.Secret under the label
// "seal:"+purpose and the format version; the first key seals, every key opens. A Sealer is
// safe for concurrent use.
type Sealer struct {
	signer *sealKey
	byKid  map[string]*sealKey
}

type sealKey struct {
	kid  string
	aead cipher.AEAD
	ad   []byte // additional data: format version, purpose and kid
}

const nonceSize = 12

// NewSealer returns a Sealer for purpose using keys: keys[0] seals, all keys open. Empty
// secrets, duplicate ids and an empty purpose are refused.
func NewSealer(purpose string, keys []Key) (*Sealer, error) {
	if !validPurpose(purpose) {
		return nil, fmt.Errorf("jwtstore: sealer purpose %q must be 1 to 128 of A-Z a-z 0-9 _ - . : /", purpose)
	}
	ids, err := checkKeys(keys)
	if err != nil {
		return nil, err
	}
	s := &Sealer{byKid: make(map[string]*sealKey, len(keys))}
	for i, k := range keys {
		key, err := deriveKey(k.Secret, "seal", purpose)
		if err != nil {
			return nil, fmt.Errorf("jwtstore: deriving seal key %q: %w", ids[i], err)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("jwtstore: seal key %q: %w", ids[i], err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("jwtstore: seal key %q: %w", ids[i], err)
		}
		sk := &sealKey{kid: ids[i], aead: aead, ad: []byte("jwtstore " + formatVersion + " seal:" + purpose + "\x00" + ids[i])}
		s.byKid[sk.kid] = sk
		if i == 0 {
			s.signer = sk
		}
	}
	return s, nil
}

// Seal encrypts plaintext with the first key and a random 96-bit nonce. The result is
// kid + "." + base64url(nonce || ciphertext || tag), safe in JSON and in cookie values; the
// kid and purpose are authenticated as additional data.
func (s *Sealer) Seal(plaintext []byte) (string, error) {
	k := s.signer
	buf := make([]byte, nonceSize, nonceSize+len(plaintext)+k.aead.Overhead())
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("jwtstore: seal nonce: %w", err)
	}
	buf = k.aead.Seal(buf, buf[:nonceSize], plaintext, k.ad)
	return k.kid + "." + base64.RawURLEncoding.EncodeToString(buf), nil
}

// Open decrypts a value made by Seal with any key still in the ring. Any failure (unknown
// kid, malformed input, wrong purpose, tampering) returns an error matching ErrInvalid.
func (s *Sealer) Open(sealed string) ([]byte, error) {
	i := strings.LastIndexByte(sealed, '.')
	if i < 0 {
		return nil, fmt.Errorf("%w: sealed value has no key id", ErrInvalid)
	}
	k := s.byKid[sealed[:i]]
	if k == nil {
		return nil, fmt.Errorf("%w: sealed value has an unknown key id", ErrInvalid)
	}
	// b64url refuses every byte outside the alphabet.
	raw, ok := b64url.AppendDecode(nil, sealed[i+1:])
	if !ok {
		return nil, fmt.Errorf("%w: sealed value is not base64url", ErrInvalid)
	}
	if len(raw) < nonceSize+k.aead.Overhead() {
		return nil, fmt.Errorf("%w: sealed value too short", ErrInvalid)
	}
	pt, err := k.aead.Open(raw[nonceSize:nonceSize], raw[:nonceSize], raw[nonceSize:], k.ad)
	if err != nil {
		return nil, fmt.Errorf("%w: sealed value does not authenticate", ErrInvalid)
	}
	return pt, nil
}
