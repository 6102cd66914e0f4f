package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRun: the server prints the two apps' URLs once they greet the
// signed-in user, the cookie it writes signs in to the auth app only (a
// request without it is logged out there), and it stops when its context
// ends.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cookieFile := filepath.Join(t.TempDir(), "cookie")
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, cookieFile, w)
		_ = w.Close()
		done <- err
	}()
	urls := map[string]string{}
	sc := bufio.NewScanner(r)
	for len(urls) < 5 && sc.Scan() {
		name, u, _ := strings.Cut(sc.Text(), " ")
		urls[name] = u
	}
	if urls["bare"] == "" || urls["auth"] == "" || urls["authcold"] == "" {
		t.Fatalf("the server printed %v; want a bare and an auth URL (%v)", urls, sc.Err())
	}
	go func() { _, _ = io.Copy(io.Discard, r) }()
	b, err := os.ReadFile(cookieFile)
	if err != nil {
		t.Fatal(err)
	}
	cookie := string(b)
	c := &http.Client{Timeout: 10 * time.Second}
	for _, tt := range []struct{ app, cookie, want string }{
		{"bare", "", greetUser},
		{"auth", cookie, greetUser},
		{"auth", "", "Not logged in!"},
		{"authcold", cookie, greetUser},
	} {
		body, err := get(ctx, c, urls[tt.app], tt.cookie)
		if err != nil || !strings.Contains(body, tt.want) {
			t.Errorf("GET %s (cookie %v) = %q, %v; want %q", tt.app, tt.cookie != "", body, err, tt.want)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
}
