package jwtstore

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestSealer(t *testing.T) {
	old := Key{ID: "old", Secret: secretA}
	nw := Key{ID: "new", Secret: secretB}
	s1, err := NewSealer("token", []Key{old})
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := NewSealer("token", []Key{nw, old})
	s3, _ := NewSealer("token", []Key{nw})
	other, _ := NewSealer("other", []Key{old})
	msg := []byte("hf_oauth_abcdefghijklmnopqrstuvwxyz01234567")

	sealed, err := s1.Seal(msg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sealed, "old.") || strings.Contains(sealed, string(msg)) {
		t.Fatalf("sealed = %q", sealed)
	}
	again, _ := s1.Seal(msg)
	if again == sealed {
		t.Error("two seals of one value are equal: nonce reused")
	}
	if got, err := s1.Open(sealed); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if got, err := s2.Open(sealed); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("rotated ring Open = %q, %v", got, err)
	}

	if s, _ := s2.Seal(msg); !strings.HasPrefix(s, "new.") {
		t.Errorf("s2 seals with %q", s)
	}
	if e, _ := s1.Seal(nil); e == "" {
		t.Error("empty plaintext")
	} else if got, err := s1.Open(e); err != nil || len(got) != 0 {
		t.Errorf("empty round trip: %q, %v", got, err)
	}

	raw, _ := base64.RawURLEncoding.DecodeString(sealed[4:])
	flip := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 1
		return "old." + base64.RawURLEncoding.EncodeToString(b)
	}
	// The same ciphertext under another kid of the same secret fails: the kid is bound.
	alias, _ := NewSealer("token", []Key{{ID: "alias", Secret: secretA}})
	bad := []struct {
		name   string
		sealer *Sealer
		in     string
	}{
		{"removed key", s3, sealed},
		{"wrong purpose", other, sealed},
		{"kid not bound", alias, "alias." + sealed[4:]},
		{"unknown kid", s1, "nope." + sealed[4:]},
		{"no kid", s1, sealed[4:]},
		{"empty", s1, ""},
		{"tampered nonce", s1, flip(0)},
		{"tampered ciphertext", s1, flip(14)},
		{"tampered tag", s1, flip(len(raw) - 1)},
		{"truncated", s1, sealed[:len(sealed)-4]},
		{"too short", s1, "old.AAAA"},
		{"bad base64", s1, "old.!!!!" + sealed[8:]},
		{"padding", s1, sealed + "="},
		{"newline", s1, sealed[:10] + "\n" + sealed[10:]},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sealer.Open(tt.in)
			if !errors.Is(err, ErrInvalid) || got != nil {
				t.Fatalf("Open = %q, %v; want ErrInvalid", got, err)
			}
		})
	}
	for _, tt := range []struct {
		name    string
		purpose string
		keys    []Key
	}{
		{"no keys", "p", nil},
		{"empty secret", "p", []Key{{ID: "a"}}},
		{"duplicate ids", "p", []Key{old, {ID: "old", Secret: secretB}}},
		{"empty purpose", "", []Key{old}},
	} {
		if s, err := NewSealer(tt.purpose, tt.keys); err == nil || s != nil {
			t.Errorf("%s: NewSealer = %v, %v; want error", tt.name, s, err)
		}
	}
}

func FuzzOpen(f *testing.F) {
	s, _ := NewSealer("token", []Key{{ID: "k", Secret: secretA}})
	good, _ := s.Seal([]byte("hf_oauth_secret"))
	for _, seed := range []string{good, "", ".", "k.", "k.AAAA", good[:len(good)-2], good + "A", "x." + good[2:], strings.Repeat("k.", 100)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := s.Open(in)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Open err = %v; want ErrInvalid", err)
			}
			return
		}
		if string(got) != "hf_oauth_secret" {
			t.Fatalf("Open(%q) = %q", in, got)
		}
	})
}
