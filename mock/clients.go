package mock

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
)

// AddClient registers c, replacing any client with the same ID. It panics if c.ID is empty
// or a redirect URI does not parse.
func (p *Provider) AddClient(c Client) {
	if err := p.addClient(c); err != nil {
		panic(err)
	}
}

func (p *Provider) addClient(c Client) error {
	if c.ID == "" {
		return errors.New("mock: client with an empty ID")
	}
	for _, r := range c.RedirectURIs {
		if u, err := url.Parse(strings.TrimSuffix(r, "*")); err != nil || !u.IsAbs() || u.Fragment != "" {
			return fmt.Errorf("mock: client %q: redirect URI %q is not absolute", c.ID, r)
		}
	}
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	p.mu.Lock()
	p.clients[c.ID] = c
	p.mu.Unlock()
	return nil
}

func (p *Provider) client(id string) (Client, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.clients[id]
	return c, ok
}

// redirectAllowed reports whether the requested redirect URI matches one registered for c.
func redirectAllowed(c Client, requested string) bool {
	req, ok := normalizeRedirect(requested)
	if !ok {
		return false
	}
	for _, r := range c.RedirectURIs {
		wild := strings.HasSuffix(r, "*")
		reg, ok := normalizeRedirect(strings.TrimSuffix(r, "*"))
		if !ok {
			continue
		}
		if reg == req || (wild && strings.HasPrefix(req, reg)) {
			return true
		}
	}
	return false
}

// normalizeRedirect drops the port of loopback http URIs; ok is false for URIs that can
// never be redirect URIs (relative, with a fragment, unparsable).
func normalizeRedirect(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" || strings.Contains(s, "#") {
		return "", false
	}
	if u.Scheme == "http" && isLoopback(u.Hostname()) {
		h := u.Hostname()
		if strings.Contains(h, ":") {
			h = "[" + h + "]"
		}
		u.Host = h
	}
	return u.String(), true
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
