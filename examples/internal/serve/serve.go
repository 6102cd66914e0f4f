// Package serve runs the example apps' HTTP server the way a Space runs
// it: on HOST:PORT (default all interfaces, port 7860), printing where to
// go and, in mock mode, the sign-in link, and shutting down gracefully on
// SIGINT or SIGTERM.
//
// It is internal to the echohf module: an app of your own copies this file
// into a package of its module, or does without it in a few lines (Echo's
// Start, unlike Run, stops without waiting for requests in flight):
//
//	if link := oauth.MockLoginURL(""); link != "" {
//		fmt.Println("sign in (mock mode): http://localhost:7860" + link)
//	}
//	log.Fatal(e.Start(":7860"))
package serve

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Run serves h on Addr(os.Getenv) until the process gets SIGINT or SIGTERM,
// printing to standard output as Until does. signIn is the mock-mode
// sign-in path (echohf's OAuth.MockLoginURL), "" in real mode.
func Run(h http.Handler, signIn string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Until(ctx, h, Addr(os.Getenv), signIn, os.Stdout)
}

// Addr is HOST:PORT from the environment: all interfaces and port 7860
// (a Space's app_port) by default. PORT=0 picks a free port.
func Addr(getenv func(string) string) string {
	port := getenv("PORT")
	if port == "" {
		port = "7860"
	}
	return net.JoinHostPort(getenv("HOST"), port)
}

// Until serves h on addr until ctx is done, then shuts down gracefully:
// requests in flight get their answers. Once listening it writes
// "listening on http://host:port" to out, so that a person (or a test that
// asked for port 0) knows where to go, and, when signIn (a path) is set,
// "sign in (mock mode): http://host:port" + signIn, the link that signs the
// person at the console in.
func Until(ctx context.Context, h http.Handler, addr, signIn string, out io.Writer) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	base := browsable(ln.Addr())
	msg := "listening on " + base + "\n"
	if signIn != "" {
		msg += "sign in (mock mode): " + base + signIn + "\n"
	}
	// A closed stdout must not stop the server: the lines are a courtesy.
	_, _ = io.WriteString(out, msg)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// browsable is the URL of a listening address, with localhost for the
// unspecified address (mock login answers only loopback visitors).
func browsable(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
