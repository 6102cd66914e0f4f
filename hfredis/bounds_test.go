package hfredis

// This file tests the bound on what a feed reads from a record that a
// writer other than echohf filled.

import (
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/echohf/echohf/hfauth"
)

// TestRecordReadBounded (miniredis): a record holding far more entries
// than Publish ever leaves there (anyone who can write to Redis can add
// them) is read at most maxRecord entries at a time, those that end
// last, so that a replica's catch-up holds a bounded number of them in
// memory at once.
func TestRecordReadBounded(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	until := time.Now().Add(time.Hour).Unix()
	const extra = 1000
	for i := range maxRecord + extra {
		r := hfauth.Revocation{Until: until + int64(i)}
		r.Key[0], r.Key[1], r.Key[2] = byte(i), byte(i>>8), byte(i>>16)
		text, _ := r.MarshalText()
		if _, err := mr.ZAdd("t:revoked", float64(r.Until), string(text)); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := ParseURL(fmt.Sprintf("redis://%s/0?prefix=t:", mr.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger, cfg.Timeout = slog.New(slog.DiscardHandler), 2*time.Second
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	var applied, oldest atomic.Int64
	oldest.Store(1 << 62)
	f.Start(func(r hfauth.Revocation) {
		applied.Add(1)
		for o := oldest.Load(); r.Until < o && !oldest.CompareAndSwap(o, r.Until); o = oldest.Load() {
		}
	}, func(bool) {})
	waitFor(t, 10*time.Second, "in sync", func() bool { return f.catchUp.Load() > 0 })
	if n := applied.Load(); n != maxRecord {
		t.Errorf("the catch-up applied %d entries; want the %d that end last", n, maxRecord)
	}
	if o := oldest.Load(); o != until+extra {
		t.Errorf("the earliest end applied is %d; want %d (those that end last kept)", o, until+extra)
	}
}
