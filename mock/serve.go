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

// route is one endpoint of the provider: its path under the issuer, its
// name for Requests, the methods it takes and what serves it.
type route struct {
	path, endpoint string
	methods        []string
	serve          func(p *Provider, w http.ResponseWriter, r *http.Request)
}

// numEndpoints is the number of routes, which Provider counts requests of.
const numEndpoints = 8

// routes are the provider's endpoints; a route's index is its counter's.
var routes = [numEndpoints]route{
	{PathDiscovery, EndpointDiscovery, []string{http.MethodGet, http.MethodHead},
		func(p *Provider, w http.ResponseWriter, _ *http.Request) { p.discovery(w, p.currentFaults()) }},
	{PathAuthorize, EndpointAuthorize, []string{http.MethodGet}, (*Provider).authorize},
	{PathToken, EndpointToken, []string{http.MethodPost}, (*Provider).token},
	{PathUserinfo, EndpointUserinfo, []string{http.MethodGet, http.MethodPost}, (*Provider).userinfo},
	{PathJWKS, EndpointJWKS, []string{http.MethodGet, http.MethodHead}, (*Provider).jwks},
	{PathRevoke, EndpointRevoke, []string{http.MethodPost}, (*Provider).revoke},
	{PathWhoami, EndpointWhoami, []string{http.MethodGet}, (*Provider).whoami},
	{PathModels, EndpointModels, []string{http.MethodGet}, (*Provider).listModels},
}

// ServeHTTP serves the provider's endpoints under the issuer's path.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, p.prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	for i := range routes {
		if rt := &routes[i]; rt.path == path {
			p.counters[i].Add(1)
			if allow(w, r, rt.methods...) {
				rt.serve(p, w, r)
			}
			return
		}
	}
	http.NotFound(w, r)
}

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

// endpointIndex is the index in routes of the endpoint named name, or -1.
func endpointIndex(name string) int {
	for i := range routes {
		if routes[i].endpoint == name {
			return i
		}
	}
	return -1
}
