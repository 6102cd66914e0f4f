// Command sessionmem measures the memory of hfauth's verified-session cache
// at scale (docs/performance.md, "Sizing SessionCacheSize"): it mints -n
// distinct Space-like sessions (three organizations, avatars on the Hub's
// CDN, each user and token different), sends each cookie once through the
// authenticate step of an OAuth whose SessionCacheSize is -n, so that the
// cache ends up holding every session, and prints the heap in use (after a
// garbage collection) before and after, the bytes per cached session, and
// the cost of a request whose cookie the cache holds and of one it does
// not. Cookies are minted and dropped one at a time, so the heap growth is
// the cache's alone.
//
//	go run ./scripts/sessionmem -n 100000
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/echohf/echohf/hfauth"
)

func main() {
	n := flag.Int("n", 100000, "distinct active sessions")
	flag.Parse()
	if err := run(*n); err != nil {
		log.Fatal(err)
	}
}

func run(n int) error {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	cfg := hfauth.Config{Mode: hfauth.ModeMock, SessionSecret: hex.EncodeToString(key), SessionCacheSize: n,
		Logger: slog.New(slog.DiscardHandler)}
	o, err := hfauth.New(cfg)
	if err != nil {
		return err
	}
	defer o.Close()
	h := o.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hfauth.Info(r) == nil {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	before := heapInuse()
	var cookieBytes int
	var coldTime time.Duration
	var last string
	for i := range n {
		cookie, err := mint(o, i)
		if err != nil {
			return err
		}
		cookieBytes += len(cookie)
		start := time.Now()
		if err := get(h, cookie); err != nil {
			return fmt.Errorf("session %d: %w", i, err)
		}
		coldTime += time.Since(start)
		last = cookie
	}
	after := heapInuse()
	// A request of a session the cache holds.
	const hits = 100000
	start := time.Now()
	for range hits {
		if err := get(h, last); err != nil {
			return err
		}
	}
	hot := time.Since(start) / hits
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("sessions:                %d (cache size %d)\n", n, n)
	fmt.Printf("cookie header:           %d bytes on average\n", cookieBytes/n)
	fmt.Printf("HeapInuse before:        %.1f MB\n", mb(before))
	fmt.Printf("HeapInuse with all held: %.1f MB\n", mb(after))
	fmt.Printf("per cached session:      %.0f bytes\n", (float64(after)-float64(before))/float64(n))
	fmt.Printf("process Sys:             %.1f MB\n", mb(ms.Sys))
	fmt.Printf("request, cache miss:     %v (first sight: verify, decode, cache; mean of %d)\n", coldTime/time.Duration(n), n)
	fmt.Printf("request, cache hit:      %v (mean of %d)\n", hot, hits)
	fmt.Printf("GOMAXPROCS %d, load average %s\n", runtime.GOMAXPROCS(0), loadavg())
	return nil
}

// mint saves the i-th distinct session and returns its Cookie header.
func mint(o *hfauth.OAuth, i int) (string, error) {
	cdn := "https://cdn-avatars.huggingface.co/v1/production/uploads/"
	id := func(k int) string { return fmt.Sprintf("%024x", i*4+k) }
	role := func(r string) *string { return &r }
	org := func(k int, handle, name, r string) hfauth.OAuthOrgInfo {
		return hfauth.OAuthOrgInfo{Sub: id(k), Name: name, PreferredUsername: handle, RoleInOrg: role(r),
			Picture: cdn + fmt.Sprintf("%d-%s.png", 1583857146757+k, id(k))}
	}
	handle := fmt.Sprintf("user-%d", i)
	info := &hfauth.OAuthInfo{
		AccessToken:          fmt.Sprintf("hf_oauth_%034d", i),
		AccessTokenExpiresAt: time.Now().Add(8 * time.Hour),
		Scope:                "openid profile",
		UserInfo: hfauth.OAuthUserInfo{
			Sub: id(0), Name: "User " + handle, PreferredUsername: handle,
			Picture: cdn + "1690212345678-" + id(0) + ".jpeg", Profile: "https://huggingface.co/" + handle,
			Orgs: []hfauth.OAuthOrgInfo{
				org(1, "acme-research", "ACME Research", "admin"),
				org(2, "open-models", "Open Models", "write"),
				org(3, "reading-club", "Reading Club", "read"),
			},
		},
	}
	rec := httptest.NewRecorder()
	if err := o.SaveSession(rec, nil, info); err != nil {
		return "", err
	}
	var parts []string
	for _, c := range rec.Result().Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; "), nil
}

// get sends one request with cookie through h and wants it signed in.
func get(h http.Handler, cookie string) error {
	r := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/", nil)
	r.Header.Set("Cookie", cookie)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		return fmt.Errorf("logged out (%d)", w.Code)
	}
	return nil
}

func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
