package jwtstore

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestChunks(t *testing.T) {
	s := newTestStore(t, nil)
	// pad compresses by about a quarter: 10000 bytes still take 3 compressed chunks.
	want := testClaims{User: "big", Pad: pad(10000)}
	rec := save(t, s, nil, want, t0.Add(time.Hour))
	cs := rec.Result().Cookies()
	lines := rec.Result().Header.Values("Set-Cookie")
	if len(cs) != 3 {
		t.Fatalf("got %d cookies; want 3", len(cs))
	}
	if h := headerOf(tokenOf(rec)); h != s.ring.signer.zipHeader {
		t.Errorf("chunked token header %q; want the zip header", h)
	}
	for i, c := range cs {
		if c.Name != "session."+strconv.Itoa(i) || len(lines[i]) > CookieLimit {
			t.Errorf("chunk %d: name %q, %d bytes", i, c.Name, len(lines[i]))
		}
	}
	if !strings.HasPrefix(cs[0].Value, "3~eyJ") {
		t.Errorf("chunk 0 starts %q", cs[0].Value[:8])
	}
	hdr := cookieHeader(rec)
	if got, err := s.Load(requestWith(hdr)); err != nil || got != want {
		t.Fatalf("Load chunked: %v", err)
	}
	// Order and separate header lines do not matter.
	if got, err := s.Load(requestWith("session.2="+cs[2].Value, "session.1="+cs[1].Value+"; session.0="+cs[0].Value)); err != nil || got != want {
		t.Fatalf("Load reordered: %v", err)
	}
	other := cookieHeader(save(t, s, nil, testClaims{User: "bigg", Pad: pad(10000)}, t0.Add(time.Hour)))
	oc := strings.Split(other, "; ")
	hc := strings.Split(hdr, "; ")
	bad := []struct {
		name string
		hdr  string
	}{
		{"missing chunk 1", hc[0] + "; " + hc[2]},
		{"missing last chunk", hc[0] + "; " + hc[1]},
		{"missing chunk 0", hc[1] + "; " + hc[2]},
		{"extra chunk", hdr + "; session.3=AAAA"},
		{"duplicated chunk", hdr + "; " + hc[1]},
		{"duplicated chunk, other value", hdr + "; " + oc[1]},
		{"chunks from two saves", hc[0] + "; " + oc[1] + "; " + hc[2]},
		{"chunk 0 from another save", oc[0] + "; " + hc[1] + "; " + hc[2]},
		{"count too small", "session.0=1~" + strings.TrimPrefix(hc[0], "session.0=3~") + "; " + hc[1] + "; " + hc[2]},
		{"count too large", "session.0=4~" + strings.TrimPrefix(hc[0], "session.0=3~") + "; " + hc[1] + "; " + hc[2]},
		{"count zero-padded", "session.0=03~" + strings.TrimPrefix(hc[0], "session.0=3~") + "; " + hc[1] + "; " + hc[2]},
		{"count not a number", "session.0=x~" + strings.TrimPrefix(hc[0], "session.0=3~") + "; " + hc[1] + "; " + hc[2]},
		{"no count", "session.0=" + strings.TrimPrefix(hc[0], "session.0=3~") + "; " + hc[1] + "; " + hc[2]},
		{"single and chunks", hdr + "; session=" + strings.TrimPrefix(hc[1], "session.1=")},
		{"huge chunks", "session.0=9~" + strings.Repeat("A", 5000) + "; session.1=" + strings.Repeat("A", 5000) + "; session.2=x; session.3=x; session.4=x; session.5=x; session.6=x; session.7=" + strings.Repeat("A", 30000) + "; session.8=x"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Load(requestWith(tt.hdr)); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Load err = %v; want ErrInvalid", err)
			}
		})
	}
}

// findExact searches for claims whose token, as one cookie, is exactly size bytes: the
// uncompressed token when zip is false, else the compressed one. Since a base64 segment
// never has a length of 4k+1, it tries cookie names of four lengths and returns the store.
func findExact(t *testing.T, size int, zip bool) (*Store[testClaims], testClaims) {
	t.Helper()
	for _, name := range []string{"session", "session1", "session12", "session123"} {
		s := newTestStore(t, func(o *Options) { o.Name = name })
		length := func(c testClaims) int {
			tok := mintUncompressed(t, s, c, nil)
			if zip {
				z, err := s.compact(tok)
				if err != nil || z == tok {
					t.Fatalf("compact: %v, compressed %v", err, z != tok)
				}
				tok = z
			}
			return len(s.cookie(s.name, tok, t0.Add(time.Hour), 3600).String())
		}
		n := 2000
		for step := 256; step > 0; step /= 2 { // the largest n whose user "a" length is below size
			if length(testClaims{User: "a", Pad: pad(n + step)}) < size {
				n += step
				step *= 2
			}
		}
		for ; n < 8000; n++ {
			l := 0
			for _, u := range []string{"a", "ab", "abc"} {
				c := testClaims{User: u, Pad: pad(n)}
				if l = length(c); l == size {
					return s, c
				}
			}
			if l > size+16 {
				break
			}
		}
	}
	t.Fatalf("no claims found with a %d-byte cookie (zip %v)", size, zip)
	return nil, testClaims{}
}

func TestChunkBoundaries(t *testing.T) {
	for _, tt := range []struct {
		name    string
		size    int  // length of the single cookie carrying the token
		zip     bool // size measured on the compressed token
		cookies int
		wantZip bool // Save writes the compressed token
	}{
		// A token that fits in one cookie is never compressed.
		{"fits", CookieLimit, false, 1, false},
		// One byte over: compressed, and then it fits again.
		{"over, compressed fits", CookieLimit + 1, false, 1, true},
		// Chunking of compressed tokens starts at the same limit.
		{"compressed fits", CookieLimit, true, 1, true},
		{"compressed over", CookieLimit + 1, true, 2, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, c := findExact(t, tt.size, tt.zip)
			rec := save(t, s, nil, c, t0.Add(time.Hour))
			lines := rec.Result().Header.Values("Set-Cookie")
			if len(lines) != tt.cookies {
				t.Errorf("%d-byte cookie: %d Set-Cookie lines; want %d", tt.size, len(lines), tt.cookies)
			}
			if tt.cookies == 1 && tt.wantZip == tt.zip && len(lines[0]) != tt.size {
				t.Errorf("single line is %d bytes; want %d", len(lines[0]), tt.size)
			}
			for _, l := range lines {
				if len(l) > CookieLimit {
					t.Errorf("line of %d bytes", len(l))
				}
			}
			want := s.ring.signer.header
			if tt.wantZip {
				want = s.ring.signer.zipHeader
			}
			if h := headerOf(tokenOf(rec)); h != want {
				t.Errorf("header %q; want %q", h, want)
			}
			if got, err := s.Load(requestWith(cookieHeader(rec))); err != nil || got != c {
				t.Errorf("%d-byte cookie: Load err %v", tt.size, err)
			}
		})
	}
}

func TestStaleCookies(t *testing.T) {
	s := newTestStore(t, nil)
	big := save(t, s, nil, testClaims{User: "a", Pad: pad(10000)}, t0.Add(time.Hour))
	r := requestWith(cookieHeader(big) + "; unrelated=1")
	expired := func(rec *httptest.ResponseRecorder) (live, dead []string) {
		for _, c := range rec.Result().Cookies() {
			if c.MaxAge < 0 {
				dead = append(dead, c.Name)
				if c.Path != "/" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
					t.Errorf("expired cookie lost attributes: %+v", c)
				}
			} else {
				live = append(live, c.Name)
			}
		}
		return live, dead
	}
	// 3 chunks -> 1 cookie: the three chunks are expired.
	small := save(t, s, r, testClaims{User: "a"}, t0.Add(time.Hour))
	live, dead := expired(small)
	if fmt.Sprint(live) != "[session]" || fmt.Sprint(dead) != "[session.0 session.1 session.2]" {
		t.Errorf("3->1: live %v, expired %v", live, dead)
	}
	for _, l := range small.Result().Header.Values("Set-Cookie") {
		if strings.HasPrefix(l, "session.") && !strings.Contains(l, "Max-Age=0") {
			t.Errorf("stale line %q lacks Max-Age=0", l)
		}
	}
	// 1 cookie -> 2 chunks: the single cookie is expired.
	mid := save(t, s, requestWith(cookieHeader(small)), testClaims{User: "a", Pad: pad(6000)}, t0.Add(time.Hour))
	live, dead = expired(mid)
	if fmt.Sprint(live) != "[session.0 session.1]" || fmt.Sprint(dead) != "[session]" {
		t.Errorf("1->2: live %v, expired %v", live, dead)
	}
	// 3 chunks -> 2 chunks: chunk 2 is expired.
	mid2 := save(t, s, r, testClaims{User: "a", Pad: pad(6000)}, t0.Add(time.Hour))
	live, dead = expired(mid2)
	if fmt.Sprint(live) != "[session.0 session.1]" || fmt.Sprint(dead) != "[session.2]" {
		t.Errorf("3->2: live %v, expired %v", live, dead)
	}
	// Clear expires the base name and every chunk present.
	clr := httptest.NewRecorder()
	s.Clear(clr, r)
	live, dead = expired(clr)
	if len(live) != 0 || fmt.Sprint(dead) != "[session session.0 session.1 session.2]" {
		t.Errorf("Clear: live %v, expired %v", live, dead)
	}
	clr = httptest.NewRecorder()
	s.Clear(clr, requestWith("other=1"))
	if _, dead = expired(clr); fmt.Sprint(dead) != "[session]" {
		t.Errorf("Clear without cookies: expired %v", dead)
	}
}

func TestTooLarge(t *testing.T) {
	for _, tt := range []struct {
		name    string
		maxSize int
		pad     int
	}{
		{"single over MaxSize", 1000, 2000},
		{"chunks over default MaxSize", 0, 40000},
		{"chunks over MaxSize", 5000, 6000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t, func(o *Options) { o.MaxSize = tt.maxSize })
			rec := httptest.NewRecorder()
			err := s.Save(rec, requestWith("session.5=x"), testClaims{Pad: pad(tt.pad)}, t0.Add(time.Hour))
			if !errors.Is(err, ErrTooLarge) || errors.Is(err, ErrNoSession) {
				t.Fatalf("Save err = %v; want ErrTooLarge", err)
			}
			if h := rec.Result().Header.Values("Set-Cookie"); len(h) != 0 {
				t.Fatalf("Save wrote %q", h)
			}
		})
	}
	// Just under the default fits.
	s := newTestStore(t, nil)
	rec := save(t, s, nil, testClaims{Pad: pad(20000)}, t0.Add(time.Hour))
	if got, err := s.Load(requestWith(cookieHeader(rec))); err != nil || len(got.Pad) != 20000 {
		t.Fatalf("20 KB session: %v", err)
	}
}

// The line that expires a cookie is what net/http writes for it, for every name of a store.
func TestExpireLine(t *testing.T) {
	for _, tt := range []struct {
		name string
		mut  func(*Options)
	}{
		{"defaults", nil},
		{"insecure", func(o *Options) { o.Insecure = true }},
		{"none, partitioned, host prefix", func(o *Options) {
			o.SameSite, o.Partitioned, o.HostPrefix = http.SameSiteNoneMode, true, true
		}},
		{"domain and path", func(o *Options) { o.Domain, o.Path, o.SameSite = "example.com", "/app", http.SameSiteStrictMode }},
		{"no SameSite", func(o *Options) { o.SameSite = http.SameSiteDefaultMode }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t, tt.mut)
			v, _ := s.Sub("view-1")
			for _, st := range []*Store[testClaims]{s, v} {
				for _, name := range []string{st.Name(), st.Name() + ".0", st.Name() + ".31"} {
					h := http.Header{}
					st.expire(h, name)
					want := st.cookie(name, "", time.Unix(0, 0), -1).String()
					if got := h.Get("Set-Cookie"); got != want {
						t.Errorf("expire(%q) = %q; want %q", name, got, want)
					}
					c, err := http.ParseSetCookie(h.Get("Set-Cookie"))
					if err != nil || c.Name != name || c.MaxAge >= 0 || c.Value != "" {
						t.Errorf("expire(%q) line parses as %+v, %v; want an expired cookie of that name", name, c, err)
					}
				}
			}
		})
	}
}
