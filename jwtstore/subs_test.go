package jwtstore

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// subsRequest saves claims in the Sub views ids of s and returns a Cookie header carrying
// all their cookies, in the order of ids.
func subsHeader(t *testing.T, s *Store[testClaims], claims map[string]testClaims, ids ...string) string {
	t.Helper()
	var parts []string
	for _, id := range ids {
		v, err := s.Sub(id)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, cookieHeader(save(t, v, nil, claims[id], t0.Add(time.Hour))))
	}
	return strings.Join(parts, "; ")
}

// Subs answers from one parse what each Sub view's Load would answer, for the ids it keeps.
func TestReadSubs(t *testing.T) {
	s := newTestStore(t, nil)
	claims := map[string]testClaims{"a": {User: "a"}, "big": {User: "big", Pad: pad(10000)}, "c-_9": {User: "c"}, "d": {User: "d"}}
	valid := subsHeader(t, s, claims, "a", "big", "c-_9", "d")
	if !strings.Contains(valid, "session_big.2=") {
		t.Fatalf("the big view is not in 3 chunks: %.200s", valid)
	}
	aTok := strings.TrimPrefix(strings.Split(valid, "; ")[0], "session_a=")
	bigChunk0 := strings.Split(valid, "; ")[1]
	// Other names in the request, which are nobody's view: not kept.
	noise := "session=x; session_=x; session_bad id=x; session_é=x; session_" + strings.Repeat("a", 65) + "=x; " +
		"session_a.32=x; session_a.01=x; session_a.x=x; sessionx_a=x; other=1"
	for _, tt := range []struct {
		name    string
		header  string
		max     int
		ids     []string
		invalid []string // ids whose Load is ErrInvalid
	}{
		{"four views", valid, 10, []string{"a", "big", "c-_9", "d"}, nil},
		{"noise skipped", noise + "; " + valid + "; " + noise, 10, []string{"a", "big", "c-_9", "d"}, nil},
		{"max 2", valid, 2, []string{"a", "big"}, nil},
		{"max 0", valid, 0, nil, nil},
		{"duplicates", valid + "; session_a=" + aTok + "; " + bigChunk0, 10, []string{"a", "big", "c-_9", "d"}, []string{"a", "big"}},
		{"duplicate before the stop", "session_a=" + aTok + "; " + valid, 2, []string{"a", "big"}, []string{"a"}},
		{"several lines", strings.ReplaceAll(valid, "; ", "\n"), 10, []string{"a", "big", "c-_9", "d"}, nil},
		{"moved value", "session_d=" + aTok, 10, []string{"d"}, []string{"d"}},
		{"missing chunk", strings.Replace(valid, "session_big.1=", "session_other.1=", 1), 10, []string{"a", "big", "other", "c-_9", "d"}, []string{"big", "other"}},
		{"single and chunks", valid + "; session_big=" + aTok, 10, []string{"a", "big", "c-_9", "d"}, []string{"big"}},
		{"many ids", names("session_f", 0, 3000) + "; " + valid, 10, []string{"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"}, []string{"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := requestWith(strings.Split(tt.header, "\n")...)
			v := s.ReadSubs(r, tt.max)
			if got := v.IDs(); !slices.Equal(got, tt.ids) {
				t.Fatalf("IDs() = %q; want %q", got, tt.ids)
			}
			for _, id := range append(slices.Clone(tt.ids), "a", "big", "d", "none") {
				got, err := v.Load(id)
				if !slices.Contains(tt.ids, id) {
					if !errors.Is(err, ErrNoSession) || errors.Is(err, ErrInvalid) {
						t.Errorf("Load(%q) of an id not kept: %v; want ErrNoSession", id, err)
					}
					continue
				}
				view, _ := s.Sub(id)
				want, wantErr := view.Load(r)
				if got != want || fmt.Sprint(err) != fmt.Sprint(wantErr) {
					t.Errorf("Load(%q) = %.20v, %v; Sub(%q).Load = %.20v, %v", id, got, err, id, want, wantErr)
				}
				if slices.Contains(tt.invalid, id) != errors.Is(err, ErrInvalid) {
					t.Errorf("Load(%q) err = %v; want invalid %v", id, err, slices.Contains(tt.invalid, id))
				}
				if err == nil && got != claims[id] {
					t.Errorf("Load(%q) = %.20v; want %.20v", id, got, claims[id])
				}
			}
		})
	}
	// Reading stops at the first cookie of an id beyond the bound: what follows is unseen.
	t.Run("duplicates after the stop", func(t *testing.T) {
		v := s.ReadSubs(requestWith(valid+"; session_a="+aTok+"; "+bigChunk0), 2)
		for _, id := range []string{"a", "big"} {
			if got, err := v.Load(id); err != nil || got != claims[id] {
				t.Errorf("Load(%q) = %.20v, %v; want the claims: the duplicate comes after the stop", id, got, err)
			}
		}
	})
	t.Run("nil request", func(t *testing.T) {
		v := s.ReadSubs(nil, 10)
		if _, err := v.Load("a"); len(v.IDs()) != 0 || !errors.Is(err, ErrNoSession) {
			t.Fatalf("IDs %q, Load err %v", v.IDs(), err)
		}
	})
}

// Expire writes one line per cookie of the view that the request carries, within its limit.
func TestSubsExpire(t *testing.T) {
	s := newTestStore(t, nil)
	claims := map[string]testClaims{"a": {User: "a"}, "big": {User: "big", Pad: pad(10000)}}
	r := requestWith(subsHeader(t, s, claims, "a", "big") + "; session_big.9=x; session_big.32=x; session_c.4=x")
	v := s.ReadSubs(r, 10)
	for _, tt := range []struct {
		id    string
		limit int
		want  []string
	}{
		{"a", 99, []string{"session_a"}},
		{"big", 99, []string{"session_big.0", "session_big.1", "session_big.2", "session_big.9"}},
		{"big", 2, []string{"session_big.0", "session_big.1"}},
		{"big", 0, nil},
		{"c", 99, []string{"session_c.4"}},
		{"none", 99, nil},
	} {
		t.Run(fmt.Sprintf("%s limit %d", tt.id, tt.limit), func(t *testing.T) {
			rec := httptest.NewRecorder()
			n := v.Expire(rec, tt.id, tt.limit)
			if tt.limit > MaxChunks { // all written: a second call adds nothing
				if again := v.Expire(rec, tt.id, tt.limit); again != 0 {
					t.Errorf("second Expire added %d lines; want 0", again)
				}
			}
			var got []string
			for _, c := range rec.Result().Cookies() {
				if c.MaxAge >= 0 || c.Value != "" || !c.HttpOnly || !c.Secure || c.Path != "/" {
					t.Errorf("line for %s does not expire it: %+v", c.Name, c)
				}
				got = append(got, c.Name)
			}
			if n != len(got) || !slices.Equal(got, tt.want) {
				t.Fatalf("Expire = %d, expired %q; want %q", n, got, tt.want)
			}
		})
	}
}

// Reading views from a request with thousands of forged view cookies does no more work
// than from one with a few: what ReadSubs keeps, and so what Load verifies, is bounded.
func TestReadSubsBounded(t *testing.T) {
	s := newTestStore(t, nil)
	forged := func(n int) *http.Request {
		pad := strings.Repeat(" ", 300)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = "session_" + strconv.Itoa(1e6+i) + "=" + pad + "x" + pad
		}
		return requestWith(strings.Join(parts, "; "))
	}
	work := func(r *http.Request) float64 {
		return testing.AllocsPerRun(10, func() {
			v := s.ReadSubs(r, 8)
			for _, id := range v.IDs() {
				if _, err := v.Load(id); !errors.Is(err, ErrInvalid) {
					t.Fatalf("Load(%q) err = %v; want ErrInvalid", id, err)
				}
			}
		})
	}
	// A little slack: under the race detector, sync.Pool drops some of what it is given.
	few, many := work(forged(30)), work(forged(3000))
	if many > few+8 {
		t.Errorf("ReadSubs and Load with 3000 forged views: %.0f allocations; with 30: %.0f; want no more", many, few)
	}
}
