package mock

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"
)

// Test client registered by [NewServer].
const (
	TestClientID     = "test-client"
	TestClientSecret = "test-secret"
)

// LoopbackRedirectURIs returns redirect URIs that accept any callback on a loopback host, on
// any port and path (see [Client]). Each call returns a new slice.
func LoopbackRedirectURIs() []string {
	return []string{"http://127.0.0.1/*", "http://localhost/*", "http://[::1]/*"}
}

// Server is a Provider running on a loopback port.
type Server struct {
	*Provider
	// URL is the base URL of the server, e.g. http://127.0.0.1:41234; it is the issuer.
	URL string

	srv  *http.Server
	done chan struct{}
}

// Start runs a provider on a free loopback port. [Server.Close] stops it.
func Start(cfg Config) (*Server, error) {
	return StartAt("127.0.0.1:0", cfg)
}

// StartAt runs a provider on addr, which must be a loopback address such as
// "127.0.0.1:5556" or "localhost:0". [Server.Close] stops it.
func StartAt(addr string, cfg Config) (*Server, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("mock: address %q: %w", addr, err)
	}
	if host == "localhost" || host == "" {
		host = "127.0.0.1"
	}
	if !isLoopback(host) {
		return nil, fmt.Errorf("mock: address %q is not a loopback address", addr)
	}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("mock: %w", err)
	}
	url := "http://" + ln.Addr().String()
	p, err := New(url, cfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s := &Server{
		Provider: p,
		URL:      url,
		srv:      &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second},
		done:     make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln) // returns http.ErrServerClosed after Close
	}()
	return s, nil
}

// Close stops the server, closing its listener and all connections, and waits for the
// serving goroutine to end.
func (s *Server) Close() {
	_ = s.srv.Close()
	<-s.done
}

// NewServer starts a provider for a test and stops it when the test ends. Besides the clients
// of cfg it registers [TestClientID] with [TestClientSecret], which accepts any loopback
// redirect URI ([LoopbackRedirectURIs]).
func NewServer(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s, err := Start(cfg)
	if err != nil {
		tb.Fatalf("mock.NewServer: %v", err)
	}
	tb.Cleanup(s.Close)
	if _, ok := s.client(TestClientID); !ok {
		s.AddClient(Client{ID: TestClientID, Secret: TestClientSecret, RedirectURIs: LoopbackRedirectURIs()})
	}
	return s
}
