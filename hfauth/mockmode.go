package hfauth

// This file holds mock mode's loopback rule and its callback, which signs
// the mocked user in.

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// mockRefusal says why mock login may not answer r, or returns "" when it
// may: a request from a loopback address, addressed to a loopback host name
// (a DNS-rebinding page gets its own name in Host), carrying no header a
// proxy adds, or any request at all with InsecureMockAllowRemote. A proxy on
// the same host that adds no header passes this check: mockGate's key is
// what stops it. The reason names the address the request came from (the
// visitor's own, no secret) and never echoes the Host header.
func (o *OAuth) mockRefusal(r *http.Request) string {
	if o.cfg.InsecureMockAllowRemote {
		return ""
	}
	from := remoteIP(r.RemoteAddr)
	if !isLoopback(from) {
		return "from " + from
	}
	if !isLoopback(r.Host) {
		return "from " + from + " to a host name that is not loopback (Host header)"
	}
	for name := range r.Header {
		if forwardingHeader(name) {
			if len(name) > maxShownHeader {
				name = name[:maxShownHeader] + "…"
			}
			return "from " + from + " through a proxy (" + name + " header)"
		}
	}
	return ""
}

// maxShownHeader bounds the header name a refusal shows.
const maxShownHeader = 40

// remoteIP is the address of a RemoteAddr ("ip:port", or a bare ip), as
// netip spells it, or "an unreadable address".
func remoteIP(remote string) string {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap().WithZone("").String()
	}
	if ip, err := netip.ParseAddr(strings.Trim(remote, "[]")); err == nil {
		return ip.Unmap().WithZone("").String()
	}
	return "an unreadable address"
}

// isLoopback reports whether host (a Host header or a RemoteAddr, with or
// without a port) names this machine.
func isLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// forwardingHeader reports whether the header named name is one a proxy
// adds: X-Forwarded-*, X-Real-IP, CF-Connecting-IP, True-Client-IP,
// Forwarded, Via and the like.
func forwardingHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "forwarded", "via", "x-real-ip", "cf-connecting-ip", "true-client-ip",
		"x-client-ip", "x-cluster-client-ip", "fastly-client-ip", "x-original-forwarded-for":
		return true
	}
	return strings.HasPrefix(n, "x-forwarded")
}

// mockTokenPrefix starts the made-up access tokens of mock sessions
// (without MockCarryHFToken), which HubClient never sends to the Hub.
const mockTokenPrefix = "hf_oauth_mock_" //nolint:gosec // G101: the prefix of made-up tokens, not a credential

// mockCallback mints a session for the mocked user, as the reference's
// mock mode does, with no provider involved.
func (o *OAuth) mockCallback(w http.ResponseWriter, r *http.Request) reply {
	if rep, done := o.mockGate(w, r, CallbackPath); done {
		return rep
	}
	user := o.mockUser(r.Context())
	token := mockTokenPrefix + randomString(16)
	if o.cfg.MockCarryHFToken && o.cfg.HFToken != "" {
		token = o.cfg.HFToken
	}
	info := &OAuthInfo{
		AccessToken:          token,
		AccessTokenExpiresAt: o.cfg.Now().Add(defaultTokenLifetime),
		UserInfo:             user,
		Scope:                "openid profile",
	}
	if err := o.saveSession(w, r, info, ""); err != nil {
		return o.fail(CallbackPath, http.StatusInternalServerError, "Mock sign-in failed: the session could not be stored.", err)
	}
	return redirect(SanitizeTarget(r.URL.Query().Get(paramTarget)))
}
