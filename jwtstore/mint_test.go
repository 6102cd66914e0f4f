package jwtstore

import (
	"errors"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMintSize: a minted token's Size is the bytes of the Set-Cookie values Write
// sets, and Room what MaxSize leaves, for one cookie, chunks, and tokens too large
// for MaxSize or for MaxChunks cookies, which Write refuses without writing.
func TestMintSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		maxSize int
		pad     int
		cookies int // 0: too large
	}{
		{"one cookie", 0, 100, 1},
		{"chunks", 0, 10000, 3},
		{"chunks under the default MaxSize", 0, 20000, 6},
		{"over MaxSize", 5000, 6000, 0},
		{"over MaxChunks", 0, 200000, 0},
		{"single over MaxSize", 1000, 2000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestStore(t, func(o *Options) { o.MaxSize = tt.maxSize })
			m, err := s.Mint(testClaims{Pad: pad(tt.pad)}, t0.Add(time.Hour), t0)
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			err = m.Write(rec, requestWith("session.7=x"))
			lines := rec.Result().Header.Values("Set-Cookie")
			if m.Room() < 0 {
				if !errors.Is(err, ErrTooLarge) || len(lines) != 0 || tt.cookies != 0 {
					t.Fatalf("Room %d: Write = %v, wrote %d lines; want ErrTooLarge and nothing", m.Room(), err, len(lines))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			size, live := 0, 0
			for _, l := range lines {
				if !strings.Contains(l, "Max-Age=0") {
					size += len(l)
					live++
				}
			}
			if live != tt.cookies {
				t.Errorf("Write set %d cookies; want %d", live, tt.cookies)
			}
			if size != m.Size() || m.Room() != s.o.MaxSize-size {
				t.Errorf("Size %d, Room %d; Write set %d bytes under MaxSize %d", m.Size(), m.Room(), size, s.o.MaxSize)
			}
			if got, err := s.Load(requestWith(cookieHeader(rec))); err != nil || got.Pad != pad(tt.pad) {
				t.Fatalf("Load after Write: %v", err)
			}
		})
	}
}

// TestSaveAt: SaveAt mints at the time it is given, whatever Options.Now says: iat,
// the MaxAge clamp and the cookies' Max-Age count from it, and two writes of one
// Minted set the same cookies.
func TestSaveAt(t *testing.T) {
	t.Parallel()
	s := newTestStore(t, func(o *Options) { o.MaxAge = time.Hour })
	at := t0.Add(-10 * time.Minute)
	rec := httptest.NewRecorder()
	if err := s.SaveAt(rec, nil, testClaims{User: "ada"}, time.Time{}, at); err != nil {
		t.Fatal(err)
	}
	c := rec.Result().Cookies()[0]
	if want := at.Add(time.Hour); c.MaxAge != 3600 || !c.Expires.Equal(want) {
		t.Errorf("Max-Age %d, Expires %v; want 3600 and %v", c.MaxAge, c.Expires, want)
	}
	payload, err := base64Decode(strings.Split(c.Value, ".")[1])
	if err != nil || !strings.Contains(payload, `"iat":`+strconv.FormatInt(at.Unix(), 10)) {
		t.Errorf("payload %s; want iat %d", payload, at.Unix())
	}
	m, err := s.Mint(testClaims{Pad: pad(10000)}, t0.Add(time.Hour), t0)
	if err != nil {
		t.Fatal(err)
	}
	var written [][]string
	for range 2 {
		rec := httptest.NewRecorder()
		if err := m.Write(rec, nil); err != nil {
			t.Fatal(err)
		}
		written = append(written, rec.Result().Header.Values("Set-Cookie"))
	}
	if len(written[0]) != 3 || !slices.Equal(written[0], written[1]) {
		t.Errorf("two writes of one Minted set %d and %d lines, equal %v", len(written[0]), len(written[1]), slices.Equal(written[0], written[1]))
	}
}
