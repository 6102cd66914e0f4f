package hfauth

// This file holds the request host checks and the callback URL built from
// them.

import (
	"errors"
	"net/http"
	"net/netip"
	"strings"
)

// warnPlainHTTP logs, once, that r came over plain http for the configured
// SpaceHost: echohf then builds an https callback URL and Secure (__Host-)
// cookies, which a browser on plain http neither reaches nor sends back,
// so sign-in cannot work (SPACE_HOST=localhost:7860 on a laptop, say). It
// is a log line only, so the proxy headers that say the request reached
// the proxy over https are trusted to silence it. Auth calls it until it
// has warned (o.plainWarned), so a deployment served over https pays a
// pointer check, a host comparison and a header lookup per request.
func (o *OAuth) warnPlainHTTP(r *http.Request) {
	if r.TLS != nil || !strings.EqualFold(r.Host, o.cfg.SpaceHost) || forwardedHTTPS(r.Header) {
		return
	}
	if o.plainWarned.Swap(true) {
		return
	}
	callback := o.cfg.RedirectURL
	if callback == "" {
		callback = "https://" + o.cfg.SpaceHost + o.prefix + CallbackPath
	}
	o.cfg.Logger.Warn("echohf: a request for "+EnvSpaceHost+" came over plain http (no TLS, no X-Forwarded-Proto: https), but with "+EnvSpaceHost+
		" set echohf sends the provider an https callback URL and sets Secure cookies, which a browser on plain http does not send back, so sign-in will fail;"+
		" unset "+EnvSpaceHost+" for local development, or serve the app over https", "space_host", o.cfg.SpaceHost, "callback", callback)
}

// forwardedHTTPS reports whether a proxy says the request reached it over
// https: the first X-Forwarded-Proto value, or a proto=https in Forwarded.
func forwardedHTTPS(h http.Header) bool {
	if v := h.Get("X-Forwarded-Proto"); v != "" {
		first, _, _ := strings.Cut(v, ",")
		return strings.EqualFold(strings.TrimSpace(first), "https")
	}
	return strings.Contains(strings.ToLower(h.Get("Forwarded")), "proto=https")
}

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
