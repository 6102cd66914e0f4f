package jwtstore

import "strings"

// eachCookie calls fn for every name=value pair of the Cookie header lines, parsed with the
// leniency of net/http's readCookies (several lines, optional spaces, empty parts, quoted
// values) but without allocating. Values are passed with surrounding quotes removed and are
// not otherwise validated. fn returns false to stop.
func eachCookie(lines []string, fn func(name, val string) bool) {
	for _, line := range lines {
		line = trimSpace(line)
		for len(line) > 0 {
			var part string
			if i := strings.IndexByte(line, ';'); i >= 0 {
				part, line = line[:i], line[i+1:]
			} else {
				part, line = line, ""
			}
			part = trimSpace(part)
			if part == "" {
				continue
			}
			name, val := part, ""
			if i := strings.IndexByte(part, '='); i >= 0 {
				name, val = part[:i], part[i+1:]
			}
			name, val = trimSpace(name), trimSpace(val)
			if len(val) > 1 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			if !fn(name, val) {
				return
			}
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimSpace(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// isToken reports whether s is an RFC 7230 token, the syntax of a cookie name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x7f || c <= ' ' || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// validAttr reports whether s is safe as a cookie attribute value.
func validAttr(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == ';' {
			return false
		}
	}
	return true
}

func validPurpose(p string) bool {
	if len(p) == 0 || len(p) > 128 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; !b64url[c] && c != '.' && c != ':' && c != '/' {
			return false
		}
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
