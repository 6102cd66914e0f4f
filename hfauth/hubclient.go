package hfauth

// This file holds HubClient, the http.Client that calls the Hub with the
// user's token, and its transport.

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Errors of the requests HubClient's client refuses or gets refused. Both
// match ErrLoginRequired.
var (
	errHubLoggedOut = fmt.Errorf("%w: no signed-in user to call the Hub for", ErrLoginRequired)
	errHubRefused   = fmt.Errorf("%w: the Hub refused the session's access token (401); the session is cleared", ErrLoginRequired)
	errHubNoAuth    = fmt.Errorf("%w: HubClient cannot tell who is signed in", ErrNoAuth)
)

// hubResourceErrors are the X-Error-Code values with which the Hub
// answers 401 about a repository rather than about the token.
var hubResourceErrors = []string{"RepoNotFound", "GatedRepo", "RevisionNotFound", "EntryNotFound"}

// hubClearMu serializes the session clears of HubClient clients, which
// the goroutines of one handler may make at once on one response.
var hubClearMu sync.Mutex

// HubClient returns an *http.Client that calls the Hugging Face Hub API
// on behalf of the user signed in on the request s was found on: requests
// to the Hub (the scheme, host and port of Config.HFEndpoint, see
// OAuth.HubEndpoint) get "Authorization: Bearer" and the session's access
// token. The token never goes anywhere else: not to other hosts, not after
// a redirect off the Hub, and not to the Hub at the end of redirects that
// left it. Hosts are compared as net/http dials them: a host that is not
// plain ASCII (such as "huggİngface.co", dialed as xn--huggingface-8lg.co)
// is never the Hub. A request that carries its own Authorization header is
// sent as it is.
//
// A Hub request fails, with no network call, with an error matching
// ErrLoginRequired when the request is logged out, or ErrNoAuth when no
// authenticate step saw it (or its Skipper skipped it). When the Hub
// answers 401 to the session's token (a token revoked or expired at the
// Hub), the client closes that answer, expires the session cookie on w, as
// the authenticate step does for an invalid session (a request signed in
// by a bearer token has no cookie to expire: the next authenticate step
// asks the Hub about that token again), and returns an error matching
// ErrLoginRequired; a 401 about a repository (the Hub's RepoNotFound,
// GatedRepo, ... codes) comes back as an answer. The handler decides what
// to show, typically a link to LoginURL. s.Info still holds the login for
// the rest of the request.
//
// w and r are the request's; sent, which may be nil, reports whether w can
// no longer take headers (the response went out, or the framework reused w
// for another request): the cookie is then left alone. Use the client while
// handling r.
//
// In mock mode, the made-up token that mock login gives a session (it
// starts with "hf_oauth_mock_") is not sent, since the Hub would refuse it:
// Hub requests go without a token, as an anonymous caller's. Set
// MockCarryHFToken to give mock sessions HFToken instead, which is sent.
// Every other token is sent, in mock mode too: the token of a session
// minted by echohftest (echohftest.AccessToken, default "hf_oauth_test_"
// and the user name) reaches the test's fake Hub.
//
// The client makes its requests with the transport, redirect policy and
// timeout of Config.HTTPClient (Config.Timeout when it has none), but not
// its cookie jar, which would mix users' cookies; set a longer Timeout on
// the returned client for large downloads.
func (s Seen) HubClient(w http.ResponseWriter, r *http.Request, sent func() bool) *http.Client {
	s = s.norm()
	info := s.Info
	o := s.Owner()
	t := &hubTransport{
		hub:  originOf(o.HubEndpoint()),
		w:    w,
		sent: sent,
		req:  r,
		o:    o,
	}
	switch {
	case info != nil:
		t.bearer = info.FromBearer()
		if o.cfg.mode != ModeMock || !strings.HasPrefix(info.AccessToken, mockTokenPrefix) {
			t.token = info.AccessToken
		}
	default:
		t.err = errHubNoAuth
		if s.OAuth != nil && !s.Skipped { // the authenticate step saw r: logged out
			t.err = errHubLoggedOut
		}
	}
	base := o.cfg.HTTPClient
	t.base = base.Transport
	if t.base == nil {
		t.base = http.DefaultTransport
	}
	timeout := base.Timeout
	if timeout <= 0 {
		timeout = o.cfg.Timeout
	}
	return &http.Client{Transport: t, CheckRedirect: base.CheckRedirect, Timeout: timeout}
}

// HubEndpoint returns the base URL of the Hub that HubClient sends the
// user's token to: Config.HFEndpoint without a trailing slash, or
// https://huggingface.co.
func (o *OAuth) HubEndpoint() string {
	return o.cfg.HFEndpoint
}

// originOf returns the scheme, host and port of rawURL in one canonical
// form ("https://huggingface.co:443"), or "" when it is not an absolute
// http(s) URL with a plain host (see plainHost).
func originOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return origin(u)
}

// origin is originOf for a parsed URL. Two URLs with the same origin are
// dialed by net/http at the same host:port, up to the case of ASCII
// letters, which DNS ignores: net/http dials an ASCII host as it is
// spelled (and a URL's scheme must be "http" or "https" exactly).
func origin(u *url.URL) string {
	host, port := u.Hostname(), u.Port()
	if !plainHost(host) || u.Scheme != "https" && u.Scheme != "http" {
		return ""
	}
	switch {
	case port != "":
	case u.Scheme == "https":
		port = "443"
	default:
		port = "80"
	}
	return u.Scheme + "://" + net.JoinHostPort(asciiLower(host), port)
}

// plainHost reports whether host, a URL's Hostname, is a name or IP
// literal that net/http dials as it is spelled: ASCII letters, digits,
// '-', '.', '_' and the ':' of an IPv6 literal. Anything else has no
// origin, so never gets the Hub's token. That refuses non-ASCII names,
// which net/http dials in their IDNA form ("huggİngface.co" becomes
// xn--huggingface-8lg.co, although strings.ToLower makes it
// "huggingface.co"), and IPv6 zones, whose interface names are case
// sensitive. A trailing dot is kept: "huggingface.co." is a spelling of
// its own, which is not the Hub's unless HFEndpoint spells it so.
func plainHost(host string) bool {
	if host == "" {
		return false
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; !idChar(c) && c != '.' && c != ':' {
			return false
		}
	}
	return true
}

// asciiLower lowercases the ASCII letters of s, and only those (unlike
// strings.ToLower, which maps "İ" to "i" and "K", the Kelvin sign, to "k").
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// hubTransport is HubClient's transport (see HubClient).
type hubTransport struct {
	base  http.RoundTripper
	hub   string // the Hub's origin; "" matches nothing
	token string // "" sends Hub requests without a token
	err   error  // when set, Hub requests fail with it

	o      *OAuth
	bearer bool                // signed in by a bearer token: no session to clear
	w      http.ResponseWriter // the request's response, to clear the session on
	sent   func() bool         // reports that w can no longer take headers; nil: never
	req    *http.Request       // the request, for the chunks to expire
}

// RoundTrip sends r, with the session's token when r goes to the Hub.
func (t *hubTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !t.onHub(r) || r.Header.Get("Authorization") != "" {
		return t.base.RoundTrip(r)
	}
	if t.err != nil {
		if r.Body != nil {
			r.Body.Close() // a RoundTripper closes the body, even on errors
		}
		return nil, t.err
	}
	if t.token == "" {
		return t.base.RoundTrip(r)
	}
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+t.token)
	res, err := t.base.RoundTrip(r2)
	if err != nil {
		return nil, err
	}
	res.Request = r // the caller's request, without the token
	if res.StatusCode != http.StatusUnauthorized || hubResourceError(res) {
		return res, nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxDocSize))
	res.Body.Close()
	t.clear()
	return nil, errHubRefused
}

// onHub reports whether r goes to the Hub, and so did every request of the
// redirects that led to it.
func (t *hubTransport) onHub(r *http.Request) bool {
	if t.hub == "" {
		return false
	}
	for {
		if r.URL == nil || origin(r.URL) != t.hub {
			return false
		}
		if r.Response == nil {
			return true
		}
		if r = r.Response.Request; r == nil { // a redirect from an unknown request
			return false
		}
	}
}

// hubResourceError reports whether a 401 from the Hub is about a
// repository rather than the token.
func hubResourceError(res *http.Response) bool {
	code := res.Header.Get("X-Error-Code")
	for _, e := range hubResourceErrors {
		if code == e {
			return true
		}
	}
	return false
}

// clear expires the session cookie on the request's response, unless
// that response can no longer take headers (see HubClient's sent).
func (t *hubTransport) clear() {
	hubClearMu.Lock()
	defer hubClearMu.Unlock()
	if t.bearer {
		t.o.bearers.forget(t.token) // no session to clear; the next request asks the Hub again
		return
	}
	if t.o.sessions == nil || t.sent != nil && t.sent() {
		return
	}
	t.o.sessions.Clear(t.w, t.req)
	t.o.cfg.Logger.Info("echohf: the Hub refused a session's access token; the session cookie is cleared", "path", t.req.URL.Path)
}

var _ http.RoundTripper = (*hubTransport)(nil)
