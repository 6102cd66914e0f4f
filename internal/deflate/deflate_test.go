package deflate

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"errors"
	"runtime"
	"strings"
	"testing"
)

func mustCompress(t testing.TB, b []byte) []byte {
	t.Helper()
	z, err := Compress(b)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	random := make([]byte, 10000)
	_, _ = rand.Read(random)
	for _, tt := range []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"short", []byte("ada")},
		{"repetitive 200 KB", []byte(strings.Repeat("research-lab-", 16000))},
		{"random 10 KB", random},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			z := mustCompress(t, tt.in)
			// Twice on one Reader: the second inflate reuses its reader and buffer.
			r := NewReader()
			defer r.Release()
			for i := 0; i < 2; i++ {
				out, err := r.Inflate(z, len(tt.in))
				if err != nil || !bytes.Equal(out, tt.in) {
					t.Fatalf("Inflate %d = %d bytes, %v; want the %d input bytes", i, len(out), err, len(tt.in))
				}
			}
		})
	}
}

// TestCompressOwnsOutput checks that Compress's result is not the pooled buffer, which
// the next call overwrites.
func TestCompressOwnsOutput(t *testing.T) {
	a := mustCompress(t, []byte(strings.Repeat("a", 1000)))
	keep := bytes.Clone(a)
	_ = mustCompress(t, []byte(strings.Repeat("b", 1000)))
	if !bytes.Equal(a, keep) {
		t.Fatal("a later Compress changed an earlier result")
	}
}

func TestInflateRefuses(t *testing.T) {
	t.Parallel()
	const limit = 1000
	ok := mustCompress(t, []byte(strings.Repeat("x", limit)))
	over := mustCompress(t, []byte(strings.Repeat("x", limit+1)))
	for _, tt := range []struct {
		name string
		in   []byte
		want error // nil: any error
	}{
		{"one byte over the limit", over, ErrTooLarge},
		{"bomb", mustCompress(t, make([]byte, 8<<20)), ErrTooLarge},
		{"trailing zero byte", append(bytes.Clone(ok), 0), ErrTrailing},
		{"second stream appended", append(bytes.Clone(ok), ok...), ErrTrailing},
		{"truncated", ok[:len(ok)-2], nil},
		{"empty input", nil, nil},
		{"not DEFLATE", []byte{0xff, 0xff, 0xff, 0xff}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := NewReader()
			defer r.Release()
			out, err := r.Inflate(tt.in, limit)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || out != nil {
				t.Fatalf("Inflate = %d bytes, %v; want nil, %v", len(out), err, tt.want)
			}
			// The Reader still works after a failure.
			if out, err := r.Inflate(ok, limit); err != nil || len(out) != limit {
				t.Fatalf("Inflate after a failure = %d bytes, %v", len(out), err)
			}
		})
	}
}

// TestInflateStopsAtLimit checks that a bomb costs about the limit in memory, not its
// inflated size.
func TestInflateStopsAtLimit(t *testing.T) {
	const limit = 1 << 20
	bomb := mustCompress(t, make([]byte, 16<<20))
	r := NewReader()
	_, _ = r.Inflate(bomb, limit) // warm the reader
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := r.Inflate(bomb, limit)
	runtime.ReadMemStats(&after)
	r.Release()
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Inflate err = %v; want ErrTooLarge", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 4*limit {
		t.Fatalf("inflating a 16 MiB bomb allocated %d bytes; want at most %d", n, 4*limit)
	}
}

// TestReleaseDropsLargeBuffers checks that the pool keeps no output buffer over
// maxPooledOut.
func TestReleaseDropsLargeBuffers(t *testing.T) {
	for _, tt := range []struct {
		size int
		kept bool
	}{{1000, true}, {maxPooledOut * 2, false}} {
		r := new(Reader)
		if _, err := r.Inflate(mustCompress(t, make([]byte, tt.size)), tt.size); err != nil {
			t.Fatal(err)
		}
		r.Release()
		if kept := r.out != nil; kept != tt.kept {
			t.Errorf("Release after %d bytes: buffer kept %v; want %v", tt.size, kept, tt.kept)
		}
	}
}

// FuzzInflate feeds arbitrary bytes to Inflate: it never panics, never returns more than
// the limit, and what it accepts is exactly what flate reads from the same stream.
func FuzzInflate(f *testing.F) {
	f.Add(mustCompress(f, []byte("hello, hello, hello")), 64)
	f.Add(mustCompress(f, make([]byte, 5000)), 4096)
	f.Add([]byte{1, 0, 0, 0xff, 0xff}, 10)
	f.Fuzz(func(t *testing.T, b []byte, limit int) {
		if limit < 0 || limit > 1<<20 {
			return
		}
		r := NewReader()
		defer r.Release()
		out, err := r.Inflate(b, limit)
		if err != nil {
			return
		}
		if len(out) > limit {
			t.Fatalf("Inflate returned %d bytes over the limit %d", len(out), limit)
		}
		var want bytes.Buffer
		if _, err := want.ReadFrom(flate.NewReader(bytes.NewReader(b))); err != nil || !bytes.Equal(out, want.Bytes()) {
			t.Fatalf("Inflate accepted what flate reads differently (%v)", err)
		}
	})
}
