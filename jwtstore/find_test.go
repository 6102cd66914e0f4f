package jwtstore

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestCookieParsing(t *testing.T) {
	s := newTestStore(t, nil)
	rec := save(t, s, nil, testClaims{User: "a"}, t0.Add(time.Hour))
	tok := rec.Result().Cookies()[0].Value
	for _, h := range [][]string{
		{"session=" + tok},
		{"  session=" + tok + "  "},
		{"a=1;session=" + tok + ";b=2"},
		{"a=1 ;  session = " + tok + " ; ; b"},
		{`session="` + tok + `"`},
		{"a=1", "session=" + tok},
		{"session=" + tok, "other=2"},
		{"session.x=1; session_y=2; sessionz=3; session=" + tok},
	} {
		if got, err := s.Load(requestWith(h...)); err != nil || got.User != "a" {
			t.Errorf("Load(%q) = %+v, %v", h, got, err)
		}
	}
	for _, h := range [][]string{
		{"session=" + tok, "session=" + tok},
		{`session="` + tok},
		{"session=" + tok + "; session.0=2~x"},
	} {
		if _, err := s.Load(requestWith(h...)); !errors.Is(err, ErrInvalid) {
			t.Errorf("Load(%q) err = %v; want ErrInvalid", h, err)
		}
	}
}

// TestLoadSizeLimits checks that Load refuses validly signed tokens beyond its size
// limits: a single cookie longer than CookieLimit (Save would have chunked it), and a
// token longer than MaxSize in one cookie or in chunks. Each token loads where no limit
// applies, so only the limit refuses it.
func TestLoadSizeLimits(t *testing.T) {
	s := newTestStore(t, nil)
	small := newTestStore(t, func(o *Options) { o.MaxSize = 2000 }) // same key and purpose
	signed := func(padding int) string {
		return signRaw(s, s.ring.signer.header+"."+b64(string(claimsJSON("x", pad(padding), t0.Add(time.Hour)))))
	}
	tok5k, tok3k := signed(3600), signed(2400)
	if n := len(tok5k); n <= CookieLimit || n > 6000 {
		t.Fatalf("the 5 KB token has %d bytes", n)
	}
	// Over small's MaxSize, under CookieLimit, and long enough for chunkHeader to chunk.
	if n := len(tok3k); n <= 3000 || n > CookieLimit-len("session=") {
		t.Fatalf("the 3 KB token has %d bytes", n)
	}
	for _, tt := range []struct {
		name   string
		s      *Store[testClaims]
		header string
		want   error
	}{
		{"5 KB single cookie", s, "session=" + tok5k, ErrInvalid},
		{"5 KB in chunks", s, chunkHeader("session", tok5k), nil},
		{"3 KB single cookie, MaxSize 2000", small, "session=" + tok3k, ErrInvalid},
		{"3 KB in chunks, MaxSize 2000", small, chunkHeader("session", tok3k), ErrInvalid},
		{"3 KB single cookie, default MaxSize", s, "session=" + tok3k, nil},
		{"3 KB in chunks, default MaxSize", s, chunkHeader("session", tok3k), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.s.Load(requestWith(tt.header))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Load err = %v; want %v", err, tt.want)
			}
			if want := tt.want == nil; (got.User == "x") != want {
				t.Fatalf("Load claims = %.40v; want loaded %v", got, want)
			}
		})
	}
}

// Chunk indexes from MaxChunks up are not a store's: Load skips them instead of calling the
// session invalid, and no request makes Save or Clear answer more than one expiring line per
// name a store writes.
func TestChunkIndexOutOfRange(t *testing.T) {
	s := newTestStore(t, nil)
	single := cookieHeader(save(t, s, nil, testClaims{User: "a"}, t0.Add(time.Hour)))
	chunked := cookieHeader(save(t, s, nil, testClaims{User: "big", Pad: pad(10000)}, t0.Add(time.Hour)))
	for _, tt := range []struct {
		name, header string
		want         error // nil, ErrNoSession (and not ErrInvalid) or ErrInvalid
		user         string
	}{
		{"single and chunk 32", single + "; session.32=AAAA", nil, "a"},
		{"chunks and chunk 40", chunked + "; session.40=AAAA", nil, "big"},
		{"chunks and 36000 forged", chunked + "; " + names("session.", 100000, 36000), nil, "big"},
		{"only forged", names("session.", MaxChunks, 1000), ErrNoSession, ""},
		{"zero-padded index", single + "; session.01=x", nil, "a"},
		{"chunk 31 is ours", single + "; session.31=x", ErrInvalid, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Load(requestWith(tt.header))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) || got.User != tt.user {
				t.Fatalf("Load = user %q, %v; want user %q, %v", got.User, err, tt.user, tt.want)
			}
			if errors.Is(err, ErrInvalid) != errors.Is(tt.want, ErrInvalid) {
				t.Fatalf("Load err = %v; want %v", err, tt.want)
			}
		})
	}
	every := requestWith(names("session.", 0, 36000) + "; session=x")
	for _, tt := range []struct {
		name string
		run  func(w http.ResponseWriter)
		want int
	}{
		{"Clear", func(w http.ResponseWriter) { s.Clear(w, every) }, 1 + MaxChunks},
		{"Clear twice", func(w http.ResponseWriter) { s.Clear(w, every); s.Clear(w, every) }, 1 + MaxChunks},
		{"Save single", func(w http.ResponseWriter) { _ = s.Save(w, every, testClaims{User: "a"}, t0.Add(time.Hour)) }, 1 + MaxChunks},
		{"Save chunked", func(w http.ResponseWriter) {
			_ = s.Save(w, every, testClaims{User: "big", Pad: pad(10000)}, t0.Add(time.Hour))
		}, 1 + MaxChunks},
		{"Clear, only forged", func(w http.ResponseWriter) { s.Clear(w, requestWith(names("session.", MaxChunks, 36000))) }, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tt.run(rec)
			lines := rec.Result().Header.Values("Set-Cookie")
			if len(lines) != tt.want {
				t.Fatalf("%d Set-Cookie lines; want %d", len(lines), tt.want)
			}
			seen := map[string]bool{}
			for _, c := range rec.Result().Cookies() {
				if seen[c.Name] {
					t.Errorf("cookie %s set twice", c.Name)
				}
				seen[c.Name] = true
				if idx, ok := s.match(c.Name); !ok {
					t.Errorf("cookie %s (index %d) is not the store's", c.Name, idx)
				}
			}
		})
	}
}
