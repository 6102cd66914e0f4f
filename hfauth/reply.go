package hfauth

// This file holds reply, a route's or guard's decision in net/http terms,
// and the failure pages.

import (
	"errors"
	"fmt"
	"net/http"
)

// reply is what a route or a guard decided about a request, in net/http
// terms: the Echo layer (echo.go) sends it. Cookies and other headers are
// already on the ResponseWriter. The zero reply lets a guarded request go
// on; otherwise it is a redirect to location, or an error answer with its
// status, the message for the user and the internal error (which may be
// nil) for the app's error handler.
type reply struct {
	status    int
	location  string
	msg       string
	err       error
	challenge string // a WWW-Authenticate header for a 401, or ""
}

// redirect is a 302 to u.
func redirect(u string) reply { return reply{status: http.StatusFound, location: u} }

// Messages the login routes give in more than one place.
const (
	msgBadState      = "Sign-in failed: the callback has no valid state. Please sign in again."
	msgUnavailable   = "Sign-in is unavailable: the Hugging Face OpenID provider could not be reached. Please try again in a moment."
	msgProviderError = "Sign-in is unavailable: the Hugging Face OpenID provider answered with an error. Please try again in a moment."
	msgMockKey       = "Mock login needs the sign-in link printed in the server's log: this app runs in mock mode, with no provider. Open that link once in this browser."
)

// msgMockNotLocal is the refusal of a mock login that is not local; why
// (from mockRefusal) names the address it came from. It says the ways out,
// and never shows the key.
func msgMockNotLocal(why string) string {
	return "Mock login refused a request " + why + ": this app runs in mock mode, with no provider, and signs in only browsers on this machine. " +
		"Open the sign-in link printed in the server's log in a browser on this machine; " +
		"or, to sign in from elsewhere (docker run -p, a VM, a proxy), start the app with " + EnvMockAllowRemote + "=1 (Config.InsecureMockAllowRemote) and open that link; " +
		"or run the app in real mode."
}

// unavailable is the page's message when the provider cannot be used to
// sign in (discovery failed): whether it gave no answer or answered with
// an error, never its host or what it said (the log has those).
func unavailable(err error) string {
	if unanswered(err) {
		return msgUnavailable
	}
	return msgProviderError
}

// fail answers a login failure on route (LoginPath or CallbackPath): a
// clear message for the user, a log line for the operator. Neither carries
// a secret: err is built by this package from status codes and fixed
// strings. For a provider failure the log line names the provider's host
// and what went wrong, while the page stays generic. The answer's internal
// error matches ErrLoginFailed (and err), for apps' error handlers.
func (o *OAuth) fail(route string, status int, msg string, err error) reply {
	attrs := []any{"status", status, "path", o.prefix + route}
	internal := ErrLoginFailed
	if err != nil {
		attrs = append(attrs, "error", err.Error())
		if pe := (*providerError)(nil); errors.As(err, &pe) && pe.Host != "" {
			attrs = append(attrs, "provider", pe.Host)
		}
		if !errors.Is(err, ErrLoginFailed) {
			internal = fmt.Errorf("%w: %w", ErrLoginFailed, err)
		} else {
			internal = err
		}
	}
	o.cfg.Logger.Warn("echohf: login failed: "+msg, attrs...)
	return reply{status: status, msg: msg, err: internal}
}
