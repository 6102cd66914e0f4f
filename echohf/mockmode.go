package echohf

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// mockAllowed reports whether mock login may answer r, unless
// InsecureMockAllowRemote widens it: only a request from a loopback address,
// addressed to a loopback host name (a DNS-rebinding page gets its own name
// in Host), and carrying no header a proxy adds. A proxy on the same host
// that adds none passes this check: mockGate's key is what stops it.
func (o *OAuth) mockAllowed(r *http.Request) bool {
	if o.cfg.InsecureMockAllowRemote {
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil || !isLoopback(host) || !isLoopback(r.Host) {
		return false
	}
	for name := range r.Header {
		if forwardingHeader(name) {
			return false
		}
	}
	return true
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
