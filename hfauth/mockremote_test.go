package hfauth

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// nonLoopbackAddr returns an address of this machine that is not loopback
// and can be listened on, or an invalid Addr when there is none.
func nonLoopbackAddr(t testing.TB) netip.Addr {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return netip.Addr{}
	}
	for _, a := range addrs {
		p, err := netip.ParsePrefix(a.String())
		if err != nil || !p.Addr().Is4() || !p.Addr().IsGlobalUnicast() && !p.Addr().IsPrivate() {
			continue
		}
		ln, err := net.Listen("tcp", netip.AddrPortFrom(p.Addr(), 0).String())
		if err != nil {
			continue
		}
		ln.Close()
		return p.Addr()
	}
	return netip.Addr{}
}

// dockerLike serves a mock-mode app as `docker run -p` does: the browser
// talks to a loopback port (so Host is 127.0.0.1:port) and the app sees the
// connection come from another address. When this machine has a
// non-loopback address, the app listens on it and a TCP forwarder on
// loopback connects to it from that address, as docker-proxy does from the
// bridge's gateway; otherwise a wrapper gives each request the RemoteAddr
// 172.17.0.1:5555. It returns the URL the browser uses, the app and the
// address the app sees.
func dockerLike(t *testing.T, cfg Config) (base string, a *app, seen string) {
	t.Helper()
	ip := nonLoopbackAddr(t)
	if !ip.IsValid() {
		t.Log("no non-loopback address: the requests' RemoteAddr is set by a wrapper")
		a = newApp(t, cfg)
		front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.RemoteAddr = "172.17.0.1:5555"
			a.h.ServeHTTP(w, r)
		}))
		t.Cleanup(front.Close)
		return front.URL, a, "172.17.0.1"
	}
	ln, err := net.Listen("tcp", netip.AddrPortFrom(ip, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	a = serveApp(t, cfg, serveOpts{ln: ln})
	fwd, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fwd.Close() })
	dialer := net.Dialer{LocalAddr: &net.TCPAddr{IP: ip.AsSlice()}}
	go func() {
		for {
			c, err := fwd.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = c.Close() }()
				up, err := dialer.Dial("tcp", ln.Addr().String())
				if err != nil {
					return
				}
				defer func() { _ = up.Close() }()
				go func() {
					_, _ = io.Copy(up, c)
					_ = up.(*net.TCPConn).CloseWrite()
				}()
				_, _ = io.Copy(c, up)
			}()
		}
	}()
	return "http://" + fwd.Addr().String(), a, ip.String()
}

// TestMockRemoteRefused: without InsecureMockAllowRemote, the printed link
// opened through a Docker-like port mapping is refused with a 403 that
// names the address the app saw and the ways out, on the page and in the
// log, and never shows the key.
func TestMockRemoteRefused(t *testing.T) {
	t.Parallel()
	base, a, seen := dockerLike(t, Config{Mode: ModeMock})
	key := mockKeyOf(t, a)
	b := newBrowser(t)
	status, body := b.get(t, base+a.oauth.MockLoginURL("/page"))
	if status != http.StatusForbidden {
		t.Fatalf("printed link through the mapping = %d %q; want 403", status, body)
	}
	for _, want := range []string{seen, "printed", "this machine", EnvMockAllowRemote, "real mode"} {
		if !strings.Contains(body, want) {
			t.Errorf("refusal %q does not say %q", body, want)
		}
	}
	if strings.Contains(body, key) {
		t.Errorf("the refusal shows the key: %q", body)
	}
	if b.whoami(t, base).LoggedIn {
		t.Error("logged in through the mapping without the switch")
	}
	var refusal string
	for _, line := range strings.Split(a.logs.String(), "\n") {
		if strings.Contains(line, "login failed") {
			refusal = line
		}
	}
	if !strings.Contains(refusal, seen) || !strings.Contains(refusal, EnvMockAllowRemote) || strings.Contains(refusal, key) {
		t.Errorf("refusal log line %q; want it to name %s and %s, without the key", refusal, seen, EnvMockAllowRemote)
	}
	if n := strings.Count(a.logs.String(), key); n != 1 {
		t.Errorf("the key is %d times in the logs; want once, in the startup line:\n%s", n, a.logs)
	}
}

// TestMockRemoteAllowed: with InsecureMockAllowRemote, startup says so in a
// WARN line, and the printed link signs in through a Docker-like port
// mapping; the key (or its cookie) is still required: a request without
// it, with a wrong one or through a proxy without it is refused.
func TestMockRemoteAllowed(t *testing.T) {
	t.Parallel()
	base, a, _ := dockerLike(t, Config{Mode: ModeMock, InsecureMockAllowRemote: true})
	key := mockKeyOf(t, a)
	var warned bool
	for _, line := range strings.Split(a.logs.String(), "\n") {
		warned = warned || strings.Contains(line, "level=WARN") && strings.Contains(line, EnvMockAllowRemote) && strings.Contains(line, "any address")
	}
	if !warned {
		t.Errorf("no WARN line about remote mock sign-in at startup:\n%s", a.logs)
	}

	for _, tt := range []struct {
		name string
		path string
		hdr  []string
	}{
		{"login without the key", LoginPath + "?_target_url=/page", nil},
		{"callback without the key", CallbackPath + "?_target_url=/page", nil},
		{"wrong key", LoginPath + "?" + paramMockKey + "=AAAAAAAAAAAAAAAAAAAAAAwrongkey", nil},
		{"wrong cookie", CallbackPath, []string{"Cookie", a.oauth.mockCookieName() + "=AAAAAAAAAAAAAAAAAAAAAAwrongkey"}},
		{"forwarded without the key", CallbackPath, []string{"X-Forwarded-For", "203.0.113.9"}},
		{"forwarded with a wrong key", LoginPath + "?" + paramMockKey + "=AAAAAAAAAAAAAAAAAAAAAAwrongkey", []string{"Forwarded", "for=203.0.113.9"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := fetch(t, plainClient(t), base+tt.path, tt.hdr...)
			if f.StatusCode != http.StatusForbidden || !strings.Contains(f.body, "printed") || f.setCookie(a.oauth.sessions.Name()) != "" {
				t.Errorf("%s = %d %q; want 403 pointing to the printed link, and no session", tt.path, f.StatusCode, f.body)
			}
			if strings.Contains(f.body, key) || strings.Contains(f.body, "wrongkey") {
				t.Errorf("the refusal echoes a key: %q", f.body)
			}
		})
	}

	b := newBrowser(t)
	if status, body := b.get(t, base+a.oauth.MockLoginURL("/page")); status != http.StatusOK || body != "page" {
		t.Fatalf("printed link through the mapping = %d %q; want 200 page", status, body)
	}
	if !b.whoami(t, base).LoggedIn {
		t.Fatal("not logged in after the printed link")
	}
	b.get(t, base+LogoutPath)
	if status, body := b.get(t, base+LoginPath+"?_target_url=/page"); status != http.StatusOK || body != "page" || !b.whoami(t, base).LoggedIn {
		t.Errorf("later login with the cookie = %d %q; want 200 page, logged in", status, body)
	}
	if n := strings.Count(a.logs.String(), key); n != 1 {
		t.Errorf("the key is %d times in the logs; want once, in the startup line:\n%s", n, a.logs)
	}
}

// TestRemoteIP: the address a refusal names is the IP alone, without the
// port or a zone, whatever form RemoteAddr takes.
func TestRemoteIP(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"172.17.0.1:5555", "172.17.0.1"},
		{"[::1]:80", "::1"},
		{"[::ffff:10.0.0.2]:80", "10.0.0.2"},
		{"[fe80::1%eth0]:80", "fe80::1"},
		{"203.0.113.5", "203.0.113.5"},
		{"[2001:db8::1]", "2001:db8::1"},
		{"", "an unreadable address"},
		{"<script>:1", "an unreadable address"},
		{"evil.example:80", "an unreadable address"},
	} {
		if got := remoteIP(tt.in); got != tt.want {
			t.Errorf("remoteIP(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
