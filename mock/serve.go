package mock

import (
	"net/http"
	"slices"
	"strings"
)

// Paths served, relative to the issuer.
const (
	PathDiscovery = "/.well-known/openid-configuration"
	PathAuthorize = "/oauth/authorize"
	PathToken     = "/oauth/token" //nolint:gosec // a URL path, not a credential
	PathUserinfo  = "/oauth/userinfo"
	PathJWKS      = "/oauth/jwks"
	PathRevoke    = "/oauth/revoke"
	// The Hub API paths, PathWhoami and PathModels, are in hub.go.
)

// Endpoint names for [Provider.Requests].
const (
	EndpointDiscovery = "discovery"
	EndpointAuthorize = "authorize"
	EndpointToken     = "token"
	EndpointUserinfo  = "userinfo"
	EndpointJWKS      = "jwks"
	EndpointRevoke    = "revoke"
	EndpointWhoami    = "whoami"
	EndpointModels    = "models"
)

// ServeHTTP serves the provider's endpoints under the issuer's path.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, p.prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch path {
	case PathDiscovery:
		p.count(EndpointDiscovery)
		if allow(w, r, http.MethodGet, http.MethodHead) {
			p.discovery(w, p.currentFaults())
		}
	case PathAuthorize:
		p.count(EndpointAuthorize)
		if allow(w, r, http.MethodGet) {
			p.authorize(w, r)
		}
	case PathToken:
		p.count(EndpointToken)
		if allow(w, r, http.MethodPost) {
			p.token(w, r)
		}
	case PathUserinfo:
		p.count(EndpointUserinfo)
		if allow(w, r, http.MethodGet, http.MethodPost) {
			p.userinfo(w, r)
		}
	case PathJWKS:
		p.count(EndpointJWKS)
		if allow(w, r, http.MethodGet, http.MethodHead) {
			p.jwks(w, r)
		}
	case PathRevoke:
		p.count(EndpointRevoke)
		if allow(w, r, http.MethodPost) {
			p.revoke(w, r)
		}
	case PathWhoami:
		p.count(EndpointWhoami)
		if allow(w, r, http.MethodGet) {
			p.whoami(w, r)
		}
	case PathModels:
		p.count(EndpointModels)
		if allow(w, r, http.MethodGet) {
			p.listModels(w, r)
		}
	default:
		http.NotFound(w, r)
	}
}

func (p *Provider) count(endpoint string) { p.counters[endpointIndex(endpoint)].Add(1) }

// allow answers 405 with an Allow header unless r's method is one of methods.
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	if slices.Contains(methods, r.Method) {
		return true
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeJSON(w, http.StatusMethodNotAllowed, invalidRequest("method "+r.Method+" not allowed"))
	return false
}

// Requests returns how many requests the endpoint (EndpointDiscovery, EndpointAuthorize, …)
// has received since the provider was created, faulted and rejected ones included.
func (p *Provider) Requests(endpoint string) int {
	if i := endpointIndex(endpoint); i >= 0 {
		return int(p.counters[i].Load())
	}
	return 0
}

var endpointNames = [...]string{EndpointDiscovery, EndpointAuthorize, EndpointToken, EndpointUserinfo, EndpointJWKS, EndpointRevoke, EndpointWhoami, EndpointModels}

func endpointIndex(name string) int {
	for i, n := range endpointNames {
		if n == name {
			return i
		}
	}
	return -1
}
