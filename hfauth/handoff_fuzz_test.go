package hfauth

// This file holds the fuzz target of the handoff parser (handoff.go).

import (
	"io"
	"log/slog"
	"testing"
	"time"
)

// FuzzOpenHandoff: openHandoff never panics, accepts no blob it did not
// seal, and whatever sealed plaintext it accepts is a whole handoff that
// is still live and lives at most handoffTTL.
func FuzzOpenHandoff(f *testing.F) {
	o, err := New(Config{Mode: ModeMock, SessionSecret: "fuzz-session-secret-0123456789abcdef", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	defer o.Close()
	now := time.Unix(1_800_000_000, 0)
	// Fixed fields: the fuzzing workers are other processes, each sealing
	// its own copy (the nonce differs, the contents do not).
	valid := handoff{ID: "fuzz-handoff-id-000000", Host: "custom.example", Bind: bindHash("b"), Expires: now.Add(handoffTTL).UnixNano(),
		Target: "/page", Session: &session{Token: "sealed", Expires: now.Add(time.Hour).Unix()}}
	sealed, err := o.sealHandoff(valid)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed, []byte(`{"id":"AAAAAAAAAAAAAAAAAAAAAA","h":"a.example","b":"","x":1}`))
	f.Add(sealed[:len(sealed)-2], []byte(`{}`))
	f.Add("", []byte(`null`))
	f.Add("k.", []byte(`{"s":null}`))
	f.Add(sealed+"A", []byte(`{"id":"AAAAAAAAAAAAAAAAAAAAAA","h":"a..b","b":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","x":9e18,"s":{"t":"x"}}`))
	f.Fuzz(func(t *testing.T, blob string, plain []byte) {
		if h, err := o.openHandoff(blob, now); err == nil && (h.ID != valid.ID || h.Host != valid.Host || h.Target != valid.Target) {
			t.Fatalf("openHandoff accepted a blob it did not seal: %q gave %+v", blob, h)
		}
		own, err := o.handoffSealer.Seal(plain)
		if err != nil {
			t.Fatal(err)
		}
		h, err := o.openHandoff(own, now)
		if err != nil {
			return
		}
		if len(h.ID) != stateIDLen || h.Session == nil || len(h.Bind) != 32 || !validHost(h.Host) {
			t.Fatalf("accepted an incomplete handoff %s: %+v", plain, h)
		}
		if left := time.Duration(h.Expires - now.UnixNano()); left <= 0 || left > handoffTTL {
			t.Fatalf("accepted a handoff with %v left", left)
		}
	})
}
