package hfauth

// This file holds the OAuth state parameter: its form, parsing and random
// ids.

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// maxRetries is how many times a callback that lost its login cookie sends
// the browser back to login before breaking out of the Space's iframe.
const maxRetries = 2

// maxBreakouts bounds the retries after the break-out, so a browser that
// refuses every cookie gets an error page instead of a redirect loop.
const maxBreakouts = 2

// randomString returns n random bytes, base64url-encoded.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// The OAuth state is "<id>.<retries>.<target>[.<orgIds>[.c]]": id is 128
// random bits (and names the login cookie); retries, target, the org ids
// asked for on the login URL and "c" for prompt=consent (then the org ids
// may be empty) let a callback whose login cookie was lost send the browser
// back to the same login without that cookie, as the reference does with
// its redirect URI. The login cookie keeps only the state's hash.
const stateIDLen = 22 // base64url of 16 bytes

// maxStateTarget bounds the target carried in the state: a longer one is
// cut to its path, or to "/", so that no login, however crafted, makes an
// authorize URL or a session (which keeps the state) grow without bound.
const maxStateTarget = 1024

// maxLoginOrgIDs bounds the org ids of one authorize URL, configured and
// asked for together.
const maxLoginOrgIDs = 16

// loginState is what the OAuth state carries from login to callback.
type loginState struct {
	id      string   // names the login cookie
	retries int      // callbacks so far that lost their login cookie
	target  string   // sanitized path to come back to
	orgIDs  []string // asked for on the login URL (not the configured ones)
	consent bool     // prompt=consent was asked for
}

// stateTarget fits target into maxStateTarget.
func stateTarget(target string) string {
	if len(target) <= maxStateTarget {
		return target
	}
	if path, _, _ := strings.Cut(target, "?"); len(path) <= maxStateTarget {
		return path
	}
	return "/"
}

// newState starts a login: a fresh id, and the target cut to fit.
func newState(retries int, target string, orgIDs []string) loginState {
	return loginState{id: randomString(16), retries: retries, target: stateTarget(target), orgIDs: orgIDs}
}

// String encodes s as the OAuth state parameter.
func (s loginState) String() string {
	state := s.id + "." + strconv.Itoa(s.retries) + "." + base64.RawURLEncoding.EncodeToString([]byte(s.target))
	if len(s.orgIDs) > 0 || s.consent {
		state += "." + strings.Join(s.orgIDs, ",")
	}
	if s.consent {
		state += ".c"
	}
	return state
}

// stateHash is what a login cookie keeps of its state.
func stateHash(state string) []byte {
	h := sha256.Sum256([]byte(state))
	return h[:]
}

// parseState decodes a state from the callback's query. It trusts nothing:
// the target is sanitized again and every org id checked.
func parseState(state string) (loginState, bool) {
	parts := strings.SplitN(state, ".", 6)
	if len(parts) < 3 || len(parts) > 5 || len(parts) == 5 && parts[4] != "c" {
		return loginState{}, false
	}
	id, n, t := parts[0], parts[1], parts[2]
	if len(id) != stateIDLen || len(t) > base64.RawURLEncoding.EncodedLen(maxStateTarget) {
		return loginState{}, false
	}
	for i := 0; i < len(id); i++ {
		if !idChar(id[i]) {
			return loginState{}, false
		}
	}
	retries, err := strconv.Atoi(n)
	if err != nil || retries < 0 || retries > maxRetries+maxBreakouts+1 {
		return loginState{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil {
		return loginState{}, false
	}
	s := loginState{id: id, retries: retries, target: SanitizeTarget(string(raw)), consent: len(parts) == 5}
	if len(parts) >= 4 && (parts[3] != "" || !s.consent) {
		// Split into at most one piece more than a state may hold: a
		// state of a million commas costs no more than its own bytes.
		s.orgIDs = strings.SplitN(parts[3], ",", maxLoginOrgIDs+1)
		if len(s.orgIDs) > maxLoginOrgIDs {
			return loginState{}, false
		}
		for _, org := range s.orgIDs {
			if !validOrgID(org) {
				return loginState{}, false
			}
		}
	}
	return s, true
}
