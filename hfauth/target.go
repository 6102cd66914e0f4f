package hfauth

// This file holds SanitizeTarget, the rule for redirect targets.

import (
	"net/url"
	"strings"
)

// maxTargetLen bounds a redirect target; longer ones fall back to "/".
const maxTargetLen = 2048

// SanitizeTarget returns target if it is a path on this site, and "/"
// otherwise. Login, callback and logout pass every redirect target through it,
// so a crafted _target_url can never send a user to another origin.
//
// Accepted targets start with a single "/" and have no scheme, host, user
// info, backslash or control character, in their raw form or in any of their
// percent-decoded forms (so "//evil.example", "////evil.example",
// "/\evil.example", "\\evil.example", "https://evil.example",
// "/%2F%2Fevil.example" and "/%5Cevil.example" are all replaced by "/").
func SanitizeTarget(target string) string {
	if target == "" || len(target) > maxTargetLen {
		return "/"
	}
	s := target
	for range 4 { // the raw form and up to three levels of percent-encoding
		if !samePath(s) {
			return "/"
		}
		d, err := url.PathUnescape(s)
		if err != nil || d == s {
			break
		}
		s = d
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return target
}

// samePath reports whether s, read as a URL reference, can only be a path
// on the current origin.
func samePath(s string) bool {
	if len(s) == 0 || s[0] != '/' {
		return false
	}
	if len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	// A browser may strip tabs and newlines before resolving, and treats
	// "/\" like "//": both are covered above. Reject Unicode line and
	// paragraph separators too, which some parsers treat as whitespace.
	return !strings.ContainsAny(s, "\u2028\u2029\u0085")
}
