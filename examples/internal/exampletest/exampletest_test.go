package exampletest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/echohf/echohf/echohf"
)

// TestEnv checks that Env drops every variable echohf reads (and one it
// might read later) and those the examples read, keeps the others, listens
// on a free loopback port and lets kv win.
func TestEnv(t *testing.T) {
	read := []string{
		echohf.EnvSpaceID, echohf.EnvSpaceHost, echohf.EnvClientID, echohf.EnvClientSecret,
		echohf.EnvScopes, echohf.EnvProviderURL, echohf.EnvMode, echohf.EnvDisallowMock,
		echohf.EnvRedirectURL, echohf.EnvSessionSecret, echohf.EnvOldSessionSecrets,
		echohf.EnvHFToken, echohf.EnvHFEndpoint,
		"ECHOHF_ADDED_LATER", "HOST", "PORT", "ORG_NAME", "INSTANCE_ID",
	}
	for _, name := range read {
		t.Setenv(name, "from-the-developer")
	}
	t.Setenv("EXAMPLETEST_KEPT", "kept")
	env := Env("ORG_NAME=acme")
	for _, e := range env {
		if strings.HasSuffix(e, "=from-the-developer") {
			t.Errorf("Env kept %s", e)
		}
	}
	for _, want := range []string{"EXAMPLETEST_KEPT=kept", "HOST=127.0.0.1", "PORT=0", "ORG_NAME=acme"} {
		if !slices.Contains(env, want) {
			t.Errorf("Env lacks %s", want)
		}
	}
}

// TestClientKeepsItsConnections: closing an httptest.Server closes the idle
// connections of http.DefaultTransport, which can break a request another
// parallel test is making on one. NewClient's client has its own transport,
// so another server's Close leaves its connections alone.
func TestClientKeepsItsConnections(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := NewClient(t)
	c.Get(t, srv.URL)
	httptest.NewServer(http.NotFoundHandler()).Close() // as another test ending
	c.Get(t, srv.URL)
	if n := conns.Load(); n != 1 {
		t.Errorf("two requests in a row opened %d connections; want 1 (another server's Close dropped the client's idle connection)", n)
	}
}
