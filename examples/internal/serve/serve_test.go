package serve

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAddr(t *testing.T) {
	tests := []struct {
		host, port, want string
	}{
		{"", "", ":7860"},
		{"", "8080", ":8080"},
		{"127.0.0.1", "0", "127.0.0.1:0"},
		{"::1", "7860", "[::1]:7860"},
	}
	for _, tt := range tests {
		env := map[string]string{"HOST": tt.host, "PORT": tt.port}
		if got := Addr(func(k string) string { return env[k] }); got != tt.want {
			t.Errorf("Addr(HOST=%q, PORT=%q) = %q; want %q", tt.host, tt.port, got, tt.want)
		}
	}
}

func TestBrowsable(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"[::]:7860", "http://localhost:7860"},
		{"0.0.0.0:7860", "http://localhost:7860"},
		{"127.0.0.1:41234", "http://127.0.0.1:41234"},
		{"[::1]:80", "http://[::1]:80"},
	}
	for _, tt := range tests {
		a, err := net.ResolveTCPAddr("tcp", tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := browsable(a); got != tt.want {
			t.Errorf("browsable(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// addrWriter hands Until's "listening on" line to the test.
type addrWriter chan string

func (w addrWriter) Write(p []byte) (int, error) {
	w <- string(p)
	return len(p), nil
}

// TestUntilWaitsForInFlight cancels Until's context while a request is
// still in its handler, then lets the handler finish: the client must get
// the whole 200 response and Until must return nil. A server stopped with
// Close instead of Shutdown cuts that request off.
func TestUntilWaitsForInFlight(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	defer unblock() // a failed test must not leave the handler blocked
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "finished")
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(addrWriter, 1)
	served := make(chan error, 1)
	go func() { served <- Until(ctx, h, "127.0.0.1:0", "", out) }()
	var base string
	select {
	case line := <-out:
		base = strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	case err := <-served:
		t.Fatalf("Until returned before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Until did not print its address")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("Until printed %q: %v", base, err)
	}

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		c := &http.Client{Timeout: 10 * time.Second}
		resp, err := c.Get(base + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{resp.StatusCode, string(b), err}
	}()
	select {
	case <-entered:
	case r := <-got:
		t.Fatalf("the request ended before reaching the handler: %+v", r)
	case <-time.After(10 * time.Second):
		t.Fatal("the request never reached the handler")
	}

	// Stop the server, and wait until it no longer accepts connections:
	// the shutdown has begun while the request is still in the handler.
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		dctx, dcancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := (&net.Dialer{}).DialContext(dctx, "tcp", u.Host)
		dcancel()
		if err != nil {
			break
		}
		_ = conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections 5 s after its context was canceled")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Give a server that drops open connections on stopping the time to do
	// so before the handler answers.
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-served:
		t.Fatalf("Until returned (%v) while a request was still in its handler", err)
	default:
	}
	unblock()

	select {
	case r := <-got:
		if r.err != nil || r.status != http.StatusOK || r.body != "finished" {
			t.Errorf("in-flight request across the shutdown = %d %q, error %v; want 200 \"finished\"", r.status, r.body, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the in-flight request got no answer")
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Until after a graceful shutdown = %v; want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Until did not return after the last request finished")
	}
}

// TestUntilPrints checks the lines Until prints once listening: the
// address, and the sign-in link only when there is one (mock mode).
func TestUntilPrints(t *testing.T) {
	tests := []struct {
		name, signIn string
		want         []string
	}{
		{"real mode", "", []string{"listening on http://127.0.0.1:PORT"}},
		{"mock mode", "/oauth/huggingface/login?mock_key=k", []string{
			"listening on http://127.0.0.1:PORT",
			"sign in (mock mode): http://127.0.0.1:PORT/oauth/huggingface/login?mock_key=k",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			out := make(addrWriter, 1)
			served := make(chan error, 1)
			go func() { served <- Until(ctx, http.NotFoundHandler(), "127.0.0.1:0", tt.signIn, out) }()
			var got string
			select {
			case got = <-out:
			case err := <-served:
				t.Fatalf("Until returned before listening: %v", err)
			case <-time.After(10 * time.Second):
				t.Fatal("Until printed nothing")
			}
			cancel()
			if err := <-served; err != nil {
				t.Errorf("Until = %v; want nil", err)
			}
			port := regexp.MustCompile(`:(\d+)\n`).FindStringSubmatch(got)
			if port == nil {
				t.Fatalf("Until printed %q; want a port", got)
			}
			want := strings.ReplaceAll(strings.Join(tt.want, "\n")+"\n", "PORT", port[1])
			if got != want {
				t.Errorf("Until printed %q; want %q", got, want)
			}
		})
	}
}
