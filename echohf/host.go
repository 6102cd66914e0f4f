package echohf

import (
	"errors"
	"net/http"
	"net/netip"
	"strings"
)

// maxHostLen bounds the host name of a Host header that a callback URL is
// built from (a DNS name is at most 253 characters, 255 with its dots).
const maxHostLen = 255

// errBadHost reports a login whose callback URL would come from a Host
// header that is not a valid host[:port].
var errBadHost = errors.New("echohf: the Host header is not a valid host[:port]")

// redirectURL is the callback URL given to the provider. It reports false
// when the URL would come from the request's Host and that is not a valid
// host[:port] (see validHost).
func (o *OAuth) redirectURL(r *http.Request) (string, bool) {
	switch {
	case o.cfg.RedirectURL != "":
		return o.cfg.RedirectURL, true
	case o.cfg.SpaceHost != "":
		return "https://" + o.cfg.SpaceHost + o.prefix + CallbackPath, true
	}
	// Local development only: neither a redirect URL nor a Space host is
	// configured, so the request's own host is the best guess.
	if !validHost(r.Host) {
		return "", false
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + o.prefix + CallbackPath, true
}

// validHost reports whether host is a host[:port] fit for a callback URL:
// a DNS name (labels of letters, digits, '-' and '_', at most 63 each, no
// '-' at either end, an optional final dot) of at most maxHostLen
// characters, or an IPv6 literal in brackets, then optionally ':' and a
// port of 0 to 65535.
func validHost(host string) bool {
	name, port := host, ""
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return false
		}
		name, port = host[:end+1], host[end+1:]
		ip, err := netip.ParseAddr(name[1:end])
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return false
		}
	} else {
		if i := strings.IndexByte(host, ':'); i >= 0 {
			name, port = host[:i], host[i:]
		}
		if !validHostName(name) {
			return false
		}
	}
	if port == "" {
		return true
	}
	digits, ok := strings.CutPrefix(port, ":")
	if !ok || len(digits) == 0 || len(digits) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
		n = n*10 + int(digits[i]-'0')
	}
	return n <= 65535
}

// validHostName reports whether name is a DNS name as validHost takes it.
func validHostName(name string) bool {
	if len(name) == 0 || len(name) > maxHostLen {
		return false
	}
	for label := range strings.SplitSeq(strings.TrimSuffix(name, "."), ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !idChar(c) { // letters, digits, '-' and '_'
				return false
			}
		}
	}
	return true
}
