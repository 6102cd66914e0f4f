package mock

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"time"
)

// RotateKey replaces the signing key with a new RSA 2048 key and returns its kid. The old
// key is dropped from the JWKS, so id_tokens it signed no longer verify.
func (p *Provider) RotateKey() (newKID string) {
	key, err := generateKey()
	if err != nil {
		panic("mock: generating key: " + err.Error())
	}
	kid := thumbprint(&key.PublicKey)
	p.mu.Lock()
	p.key, p.kid = key, kid
	p.mu.Unlock()
	return kid
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	f := p.currentFaults()
	if f.JWKSDelay > 0 {
		t := time.NewTimer(f.JWKSDelay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if f.JWKSStatus != 0 {
		faultStatus(w, f.JWKSStatus)
		return
	}
	p.mu.Lock()
	key := publicJWK(&p.key.PublicKey, p.kid)
	p.mu.Unlock()
	if f.JWKSKeyAlg != "" {
		key.Alg = f.JWKSKeyAlg
	}
	if f.JWKSKeyUse != "" {
		key.Use = f.JWKSKeyUse
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_ = json.NewEncoder(w).Encode(map[string][]jwk{"keys": {key}})
}

// jwk is a public RSA key in JWK form.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
}

func publicJWK(k *rsa.PublicKey, kid string) jwk {
	return jwk{
		Kty: "RSA", Kid: kid, Alg: "RS256", Use: "sig",
		N: base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
		E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
	}
}

// thumbprint is the RFC 7638 JWK thumbprint of k, used as its kid.
func thumbprint(k *rsa.PublicKey) string {
	j := publicJWK(k, "")
	b, _ := json.Marshal(struct {
		E   string `json:"e"`
		Kty string `json:"kty"`
		N   string `json:"n"`
	}{j.E, j.Kty, j.N})
	h := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// generateKey returns a fresh RSA 2048 key, the size every key of the provider has.
func generateKey() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) }
