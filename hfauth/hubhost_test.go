package hfauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/echohf/echohf/mock"
)

// The Hub's name, and a Unicode spelling of it that strings.ToLower maps
// onto it ("İ", U+0130, lowercases to "i") while net/http dials its IDNA
// form, another domain.
const (
	hubName      = "huggingface.co"
	lookalike    = "hugg\u0130ngface.co"
	lookalikeIDN = "xn--huggingface-8lg.co"
)

// dialRecorder stands in for DNS: it records every address a transport
// asks to dial and connects the names in routes to the test servers.
// Loopback addresses are dialed as they are; any other name fails.
type dialRecorder struct {
	mu     sync.Mutex
	routes map[string]string // dialed host:port -> real host:port
	dialed []string
}

func (d *dialRecorder) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.dialed = append(d.dialed, addr)
	to, ok := d.routes[addr]
	d.mu.Unlock()
	if !ok {
		if host, _, _ := net.SplitHostPort(addr); host != "127.0.0.1" {
			return nil, fmt.Errorf("test dialer: no route to %s", addr)
		}
		to = addr
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, to)
}

// took reports whether addr was dialed, and forgets the dials so far.
func (d *dialRecorder) took(addr string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	ok := slices.Contains(d.dialed, addr)
	d.dialed = nil
	return ok
}

// authRecorder records the Authorization header of every request that
// leaves for a host other than the loopback address, as the transport
// below it gets it.
type authRecorder struct {
	base  http.RoundTripper
	mu    sync.Mutex
	auths map[string][]string // URL host -> Authorization headers
}

func (a *authRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Hostname() != "127.0.0.1" {
		a.mu.Lock()
		a.auths[r.URL.Host] = append(a.auths[r.URL.Host], r.Header.Get("Authorization"))
		a.mu.Unlock()
	}
	return a.base.RoundTrip(r)
}

// hostApp serves a real-mode app with GET /hub (see hubRoutes) whose
// HTTPClient dials through d and records Authorization headers in rec.
func hostApp(t *testing.T, endpoint string, d *dialRecorder) (*app, *authRecorder) {
	t.Helper()
	tr := &http.Transport{DialContext: d.dial, DisableKeepAlives: true} // every request dials
	t.Cleanup(tr.CloseIdleConnections)
	rec := &authRecorder{base: tr, auths: map[string][]string{}}
	cfg := realConfig(mock.NewServer(t, mock.Config{}))
	cfg.HFEndpoint = endpoint
	cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: rec}
	return serveApp(t, cfg, serveOpts{routes: hubRoutes}), rec
}

// TestHubClientLookalikeHost: a host that is the Hub's name only once
// Unicode-lowercased is dialed as another domain, so it never gets the
// token, whether the handler asks for it or the Hub redirects to it.
func TestHubClientLookalikeHost(t *testing.T) {
	t.Parallel()
	hub, other := newHubAPI(t), newHubAPI(t)
	d := &dialRecorder{routes: map[string]string{
		hubName + ":80":      hub.Listener.Addr().String(),
		hubName + ".:80":     hub.Listener.Addr().String(),
		lookalikeIDN + ":80": other.Listener.Addr().String(),
		"evil.example:80":    other.Listener.Addr().String(),
		"HUGGINGFACE.CO:80":  hub.Listener.Addr().String(),
	}}
	a, _ := hostApp(t, "http://"+hubName, d)
	b := newBrowser(t)
	token := b.mustLogin(t, a).Token
	hub.seen()
	for _, tt := range []struct {
		name, u string
		dial    string   // the address the transport must dial
		hub     []string // Authorization seen by the Hub
		other   []string // seen by the other domain
	}{
		{"the Hub", "http://" + hubName + "/api/public", hubName + ":80", []string{"Bearer " + token}, nil},
		{"the Hub in capitals", "http://HUGGINGFACE.CO/api/public", "HUGGINGFACE.CO:80", []string{"Bearer " + token}, nil},
		{"lookalike", "http://" + lookalike + "/api/public", lookalikeIDN + ":80", nil, []string{""}},
		{"lookalike percent-encoded", "http://hugg%C4%B0ngface.co/api/public", lookalikeIDN + ":80", nil, []string{""}},
		{"redirect to the lookalike", "/redirect?to=" + url.QueryEscape("http://"+lookalike+"/api/public"), lookalikeIDN + ":80", []string{"Bearer " + token}, []string{""}},
		// A trailing dot is the same DNS name, but not the spelling of
		// HFEndpoint: the request goes, without the token.
		{"trailing dot", "http://" + hubName + "./api/public", hubName + ".:80", []string{""}, nil},
		// Userinfo: net/http sends it as Basic auth, a request's own
		// Authorization, which goes as it is to whichever host is dialed.
		{"userinfo naming the Hub", "http://" + hubName + "@evil.example/api/public", "evil.example:80", nil, []string{"Basic aHVnZ2luZ2ZhY2UuY286"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if status, body := b.get(t, a.URL+"/hub?u="+url.QueryEscape(tt.u)); status != http.StatusOK || body != "public" {
				t.Errorf("GET /hub = %d %q; want 200 public", status, body)
			}
			if !d.took(tt.dial) {
				t.Errorf("the transport did not dial %s", tt.dial)
			}
			if got := hub.seen(); strings.Join(got, "|") != strings.Join(tt.hub, "|") {
				t.Errorf("the Hub saw Authorization %q; want %q", got, tt.hub)
			}
			if got := other.seen(); strings.Join(got, "|") != strings.Join(tt.other, "|") {
				t.Errorf("the other domain saw Authorization %q; want %q", got, tt.other)
			}
		})
	}
}

// TestHubClientLookalikeHTTPS: with the default HFEndpoint, a request to
// https://huggİngface.co is dialed to its IDNA name (a certificate for
// that name would complete it) and must not carry the token.
func TestHubClientLookalikeHTTPS(t *testing.T) {
	t.Parallel()
	d := &dialRecorder{}
	a, rec := hostApp(t, "", d)
	b := newBrowser(t)
	token := b.mustLogin(t, a).Token
	for _, tt := range []struct {
		host, dial string
		auth       string // the Authorization the transport was given
	}{
		{hubName, hubName + ":443", "Bearer " + token},
		{lookalike, lookalikeIDN + ":443", ""},
	} {
		if status, _ := b.get(t, a.URL+"/hub?u="+url.QueryEscape("https://"+tt.host+"/api/whoami-v2")); status != http.StatusBadGateway {
			t.Errorf("GET %s = %d; want 502 (the test dialer reaches no outside host)", tt.host, status)
		}
		if !d.took(tt.dial) {
			t.Errorf("%s: the transport did not dial %s", tt.host, tt.dial)
		}
		rec.mu.Lock()
		got := rec.auths[tt.host]
		rec.mu.Unlock()
		if len(got) != 1 || got[0] != tt.auth {
			t.Errorf("%s: the transport got Authorization %q; want [%q]", tt.host, got, tt.auth)
		}
	}
}

// TestHubEndpointMustBeASCII: an HFEndpoint whose host is not plain ASCII
// (so not spelled as the transport dials it) is a configuration error.
func TestHubEndpointMustBeASCII(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		endpoint string
		ok       bool
	}{
		{"https://huggingface.co", true},
		{"http://127.0.0.1:8080", true},
		{"http://[::1]:8080", true},
		{"https://" + lookalikeIDN, true},
		{"https://" + lookalike, false},
		{"http://[fe80::1%25eth0]:8080", false},
	} {
		cfg := Config{Mode: ModeMock, HFEndpoint: tt.endpoint, Logger: slog.New(slog.DiscardHandler)}
		o, err := New(cfg)
		if err == nil {
			o.Close()
		}
		if (err == nil) != tt.ok || err != nil && !errors.Is(err, ErrConfig) {
			t.Errorf("New with HFEndpoint %q: %v; want ok=%v", tt.endpoint, err, tt.ok)
		}
	}
}

// errNoDial fails every dial of FuzzHubOrigin's transport.
var errNoDial = errors.New("fuzz: no dialing")

// FuzzHubOrigin: whenever HubClient's transport takes a request for the
// Hub, and so would add the token, a real http.Transport dials the Hub's
// host:port for it (up to the case of ASCII letters, which DNS ignores).
// The request's URL is parsed from a string, or has its Host set as is,
// as a handler may build it.
func FuzzHubOrigin(f *testing.F) {
	endpoints := []string{"https://huggingface.co", "http://127.0.0.1:8080", "http://[::1]:8080", "https://huggingface.co."}
	for _, s := range []struct {
		u, host string
	}{
		{"https://huggingface.co/api/whoami-v2", ""},
		{"https://HUGGINGFACE.CO:443/api", ""},
		{"https://" + lookalike + "/api", ""},
		{"https://hugg%C4%B0ngface.co/api", ""},
		{"https://huggingface.co/api", lookalike},
		{"https://huggingface.co/api", "huggingface.co%2e"},
		{"https://huggingface.co/api", "huggingface.co:"},
		{"https://huggingface.co/api", "huggingface.co:443:443"},
		{"https://huggingface.co./api", ""},
		{"https://x@huggingface.co@evil.example/", ""},
		{"http://127.0.0.1:8080/x", ""},
		{"http://127.0.0.1:8080/x", "127.0.0.1:08080"},
		{"http://[::1]:8080/x", ""},
		{"http://[::1%25lo]:8080/x", ""},
		{"http://[::1]:8080/x", "[::1]:8080]"},
		{"https://\uff48uggingface.co/", ""}, // fullwidth h: IDNA maps it to the Hub
	} {
		for i := range endpoints {
			f.Add(uint8(i), s.u, s.host)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, rawURL, host string) {
		endpoint := endpoints[int(which)%len(endpoints)]
		u, err := url.Parse(rawURL)
		if err != nil {
			return
		}
		if host != "" {
			u.Host = host
		}
		ht := &hubTransport{hub: originOf(endpoint)}
		r := &http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}}
		if !ht.onHub(r) {
			return
		}
		var mu sync.Mutex
		var dialed []string
		tr := &http.Transport{DisableKeepAlives: true, DialContext: func(_ context.Context, _, addr string) (net.Conn, error) {
			mu.Lock()
			dialed = append(dialed, addr)
			mu.Unlock()
			return nil, errNoDial
		}}
		if res, err := tr.RoundTrip(r.Clone(context.Background())); err == nil {
			res.Body.Close()
			t.Fatalf("%q: the transport answered without dialing", u)
		}
		hub, _ := url.Parse(endpoint)
		port := hub.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[hub.Scheme]
		}
		want := foldASCII(net.JoinHostPort(hub.Hostname(), port))
		mu.Lock()
		defer mu.Unlock()
		for _, addr := range dialed { // none when the transport refused the request first
			if foldASCII(addr) != want {
				t.Fatalf("%q (host %q) counts as the Hub %s, but the transport dials %q", u, u.Host, endpoint, addr)
			}
		}
	})
}

// foldASCII lowercases the ASCII letters of s, as DNS compares names.
func foldASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

func TestHubOrigin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		endpoint, u string
		want        bool
	}{
		{"https://huggingface.co", "https://huggingface.co/api/whoami-v2", true},
		{"https://huggingface.co", "https://HuggingFace.co:443/api/models", true},
		{"https://huggingface.co:443", "https://huggingface.co/api", true},
		{"https://huggingface.co/", "https://huggingface.co", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/x", true},
		{"https://huggingface.co", "http://huggingface.co/api/whoami-v2", false},
		{"https://huggingface.co", "https://huggingface.co:8443/api", false},
		{"https://huggingface.co", "https://cdn-lfs.huggingface.co/file", false},
		{"https://huggingface.co", "https://huggingface.co.evil.example/api", false},
		{"https://huggingface.co", "https://evil.example/huggingface.co", false},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8081/x", false},
		{"http://127.0.0.1:8080", "http://localhost:8080/x", false},
		// Hosts net/http dials under another spelling, or that are not
		// plain names: see plainHost.
		{"https://huggingface.co", "https://hugg\u0130ngface.co/api", false},   // dialed as xn--huggingface-8lg.co
		{"https://huggingface.co", "https://hugg%C4%B0ngface.co/api", false},   // the same, percent-encoded
		{"https://hugg\u0130ngface.co", "https://hugg\u0130ngface.co/", false}, // New refuses such an HFEndpoint
		{"https://hub.kit", "https://HUB.KIT/api", true},
		{"https://hub.kit", "https://hub.\u212Ait/api", false}, // the Kelvin sign lowercases to "k" too
		{"https://huggingface.co", "https://huggingface.co./api", false},
		{"https://huggingface.co.", "https://huggingface.co./api", true},
		{"https://huggingface.co", "https://user:pw@huggingface.co/api", true},
		{"https://huggingface.co", "https://huggingface.co@evil.example/api", false},
		{"https://huggingface.co", "https://huggingface.co:0443/api", false}, // the same port, spelled otherwise: no token
		{"http://[::1]:8080", "http://[::1]:8080/x", true},
		{"http://[::1]:8080", "http://[0:0::1]:8080/x", false},
		{"http://[::1]:8080", "http://[::1%25lo]:8080/x", false},
		{"http://[fe80::1%25eth0]:8080", "http://[fe80::1%25eth0]:8080/x", false},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.u)
		if err != nil {
			t.Fatal(err)
		}
		if got := originOf(tt.endpoint) != "" && originOf(tt.endpoint) == originOf(u.String()); got != tt.want {
			t.Errorf("endpoint %q, request %q: Hub = %v; want %v", tt.endpoint, tt.u, got, tt.want)
		}
	}
	if o := origin(&url.URL{Scheme: "HTTPS", Host: "huggingface.co"}); o != "" { // net/http refuses the scheme
		t.Errorf("origin of scheme HTTPS = %q; want none", o)
	}
	if originOf("not a url") != "" || originOf("/path") != "" {
		t.Errorf("an endpoint that is not an absolute URL has an origin")
	}
}
