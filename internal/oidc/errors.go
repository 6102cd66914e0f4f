package oidc

// This file holds Error, the error of every exchange with the provider (and
// the Hub), and the sentinels it matches.

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Kinds of failure; every error of this package matches one of them with
// errors.Is.
var (
	// ErrProvider reports that the provider could not be reached, timed
	// out, or answered with an error or an unusable document. Error's
	// Unanswered tells the first two from the others.
	ErrProvider = errors.New("echohf: provider unavailable")
	// ErrVerify reports an id_token that fails a check.
	ErrVerify = errors.New("echohf: verification failed")
	// ErrUnknownKey reports an id_token signed with a key id the provider's
	// JWKS does not hold. It matches ErrVerify.
	ErrUnknownKey = fmt.Errorf("%w: unknown key id", ErrVerify)
	// ErrTokenRefused reports a token request answered with a 4xx: a bad
	// grant, but also a rate limit or a client the provider does not
	// accept.
	ErrTokenRefused = errors.New("echohf: token request refused")
	// ErrGrant reports a code or refresh token refused as invalid_grant
	// (RFC 6749 section 5.2): the grant itself is expired, used or revoked.
	// It matches ErrTokenRefused.
	ErrGrant = fmt.Errorf("%w: invalid grant", ErrTokenRefused)
	// ErrClient reports a token request refused as invalid_client or
	// unauthorized_client: the provider does not accept this client's id
	// and secret, or does not let it use the grant. Only the operator can
	// fix that. It matches ErrTokenRefused.
	ErrClient = fmt.Errorf("%w: client refused", ErrTokenRefused)
)

// Error is a failed exchange with the provider, told the way the operator's
// log needs it: the step ("discovery", "token endpoint", "userinfo",
// "jwks", "revocation", "whoami"), the host and what went wrong ("answered
// 404", "timed out", ...). It never holds a URL's path or query, a token or
// a body. It matches its Kind.
type Error struct {
	Step string
	Host string
	What string
	Kind error // ErrProvider, ErrVerify, or for the token endpoint's refusals ErrTokenRefused, ErrGrant or ErrClient
	// Status is the HTTP status of an answer that was not 200, else 0.
	Status int
	// Unanswered says the provider gave no answer: it timed out, refused
	// the connection, or its host name did not resolve. Otherwise it
	// answered, with an error status or an unusable document.
	Unanswered bool
}

func (e *Error) Error() string {
	if e.Host == "" {
		return e.Step + ": " + e.What
	}
	return e.Step + ": " + e.Host + " " + e.What
}

// Unwrap returns the error's Kind.
func (e *Error) Unwrap() error { return e.Kind }

// Unanswered reports whether err is an *Error in which the provider gave no
// answer.
func Unanswered(err error) bool {
	pe := (*Error)(nil)
	return errors.As(err, &pe) && pe.Unanswered
}

// HostOf returns the host (and port) of rawURL, or "" when it does not parse.
func HostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Host
}

// Printable keeps a provider's text (an OAuth error code, an issuer) short
// and printable for logs: at most 64 bytes, control and non-ASCII
// characters as '?'.
func Printable(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}
