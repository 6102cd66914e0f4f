package hfauth

// This file holds the handoff of a new session to a custom domain: the
// login on a custom domain that goes on at the Space's own host, the sealed
// one-time handoff the callback hands the browser, and the handoff route
// that turns it into a session cookie on the custom domain. How it works
// and what it guarantees: docs/custom-domains.md.

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// HandoffPath is the handoff route's path, relative to Config.Prefix: a
// POST only, on a custom domain (see Config.SpaceHost).
const HandoffPath = "/oauth/huggingface/handoff"

// handoffTTL is how long a handoff may take from the callback that makes
// it to the handoff route that uses it.
const handoffTTL = 30 * time.Second

// purposeHandoff is the sealing purpose of handoffs.
const purposeHandoff = "echohf/handoff/v1"

// Parameters of the handoff: on the login link the custom domain sends to
// the Space's host, and the fields of the handoff form.
const (
	paramHandoffHost = "_handoff_host" // the custom domain the sign-in comes back to
	paramHandoffBind = "_handoff_bind" // base64url SHA-256 of the browser's bind cookie
	fieldHandoff     = "handoff"       // the sealed handoff
	fieldRelayed     = "relayed"       // set once the handoff page relayed the form same-origin
)

// bindCookie names the cookie that binds a handoff to the browser that
// started the login on the custom domain ("__Host-" is added when Secure).
const bindCookie = "hf_handoff"

// maxHandoffBody bounds the handoff form: a session with the longest org
// list that fits the session cookies, sealed and base64url-encoded, is well
// under it.
const maxHandoffBody = 1 << 20

// errHandoff reports a handoff refused; the wrapping error says why, for
// the log (never the handoff itself).
var errHandoff = errors.New("echohf: handoff refused")

// handoff is what the sealed handoff carries from the callback on the
// Space's host to the handoff route on the custom domain.
type handoff struct {
	ID      string   `json:"id"` // random; used once per replica
	Host    string   `json:"h"`  // the custom domain it may be used on
	Bind    []byte   `json:"b"`  // SHA-256 of the bind cookie's value
	Expires int64    `json:"x"`  // Unix nanoseconds; at most handoffTTL after it was made
	Target  string   `json:"t"`  // sanitized path to come back to
	Session *session `json:"s"`  // the new session, tokens sealed as in the cookie
}

// customHost reports whether host is one of the custom domains of
// Config.SpaceHost.
func (o *OAuth) customHost(host string) bool {
	for _, h := range o.cfg.customHosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

// bindCookieName is the bind cookie's name as browsers store it.
func (o *OAuth) bindCookieName() string {
	if o.cfg.secure {
		return "__Host-" + bindCookie
	}
	return bindCookie
}

// setBindCookie sets (maxAge > 0) or expires (maxAge < 0) the bind cookie,
// with the session cookie's flags.
func (o *OAuth) setBindCookie(w http.ResponseWriter, value string, maxAge int) {
	c := &http.Cookie{Name: o.bindCookieName(), Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	if o.cfg.secure {
		c.Secure, c.SameSite, c.Partitioned = true, http.SameSiteNoneMode, o.cfg.PartitionedCookie
	}
	http.SetCookie(w, c)
}

// bindHash is the SHA-256 of a bind cookie's value.
func bindHash(value string) []byte {
	h := sha256.Sum256([]byte(value))
	return h[:]
}

// customLogin starts a sign-in on a custom domain: a fresh bind cookie
// there, then the same login at the Space's own host, where the callback
// URL is, with the custom domain and the bind cookie's hash added.
func (o *OAuth) customLogin(w http.ResponseWriter, r *http.Request) reply {
	callbackURL, _ := o.redirectURL(r) // SpaceHost is set: never from the Host header
	u, err := url.Parse(callbackURL)
	if err != nil {
		return o.fail(LoginPath, http.StatusInternalServerError, "Sign-in could not start.", err)
	}
	bind := randomString(16)
	o.setBindCookie(w, bind, int(loginTTL/time.Second))
	q := r.URL.Query()
	q.Set(paramHandoffHost, r.Host)
	q.Set(paramHandoffBind, base64.RawURLEncoding.EncodeToString(bindHash(bind)))
	return redirect(u.Scheme + "://" + u.Host + o.prefix + LoginPath + "?" + q.Encode())
}

// handoffAsked reads the handoff parameters of a login at the Space's host:
// the custom domain and the bind hash, or ok false when either is set but
// not valid (a host that is not listed, say).
func (o *OAuth) handoffAsked(q url.Values) (host string, bind []byte, ok bool) {
	host, b := q.Get(paramHandoffHost), q.Get(paramHandoffBind)
	if host == "" && b == "" {
		return "", nil, true
	}
	bind, err := base64.RawURLEncoding.Strict().DecodeString(b)
	if !o.customHost(host) || err != nil || len(bind) != sha256.Size {
		return "", nil, false
	}
	return host, bind, true
}

// handOff ends a callback whose login started on a custom domain: the new
// session, sealed with the target into a one-time handoff bound to that
// domain and to the browser's bind cookie, goes there in a form the page
// submits at once (a POST: never in a URL, a log or the history).
func (o *OAuth) handOff(w http.ResponseWriter, r *http.Request, pend pending, target string, info *OAuthInfo, refresh string) reply {
	if !o.customHost(pend.Handoff) {
		return o.fail(CallbackPath, http.StatusBadRequest, msgHandoff, fmt.Errorf("%w: %s is not a custom domain", errHandoff, pend.Handoff))
	}
	now := o.cfg.Now()
	s, err := o.newSession(info, refresh, now, now)
	if err != nil {
		return o.fail(CallbackPath, http.StatusInternalServerError, "Sign-in failed: the session could not be stored.", err)
	}
	h := handoff{ID: randomString(16), Host: pend.Handoff, Bind: pend.Bind, Expires: now.Add(handoffTTL).UnixNano(), Target: target, Session: s}
	sealed, err := o.sealHandoff(h)
	if err != nil {
		return o.fail(CallbackPath, http.StatusInternalServerError, "Sign-in failed: the session could not be stored.", err)
	}
	scheme := "https"
	if u, err := url.Parse(pend.Redirect); err == nil && u.Scheme == "http" {
		scheme = "http" // the callback's own scheme (local tests without TLS)
	}
	origin := scheme + "://" + h.Host
	writeHandoffPage(w, origin+o.prefix+HandoffPath, origin, sealed, false)
	return reply{}
}

// sealHandoff seals h.
func (o *OAuth) sealHandoff(h handoff) (string, error) {
	b, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	return o.handoffSealer.Seal(b)
}

// msgHandoff is the page of a refused handoff.
const msgHandoff = "Sign-in failed: the sign-in could not be carried over to this domain (it expired, was already used, or belongs to another browser or domain). Please sign in again."

// openHandoff opens a sealed handoff and checks it at now: sealed by o's
// keys, whole, and not expired. It never panics, whatever blob holds.
func (o *OAuth) openHandoff(blob string, now time.Time) (handoff, error) {
	var h handoff
	if blob == "" || len(blob) > maxHandoffBody {
		return h, fmt.Errorf("%w: no handoff", errHandoff)
	}
	b, err := o.handoffSealer.Open(blob)
	if err != nil {
		return h, fmt.Errorf("%w: does not open (tampered, or sealed with another key)", errHandoff)
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return handoff{}, fmt.Errorf("%w: malformed", errHandoff)
	}
	switch {
	case len(h.ID) != stateIDLen || h.Session == nil || h.Session.Token == "" || len(h.Bind) != sha256.Size || !validHost(h.Host):
		return handoff{}, fmt.Errorf("%w: malformed", errHandoff)
	case now.UnixNano() >= h.Expires:
		return handoff{}, fmt.Errorf("%w: expired", errHandoff)
	case time.Duration(h.Expires-now.UnixNano()) > handoffTTL:
		return handoff{}, fmt.Errorf("%w: lives longer than %v", errHandoff, handoffTTL)
	}
	return h, nil
}

// handoffRoute is the handoff route, on a custom domain: it checks the
// handoff (see openHandoff) against the request's host and the browser's
// bind cookie, uses it up on this replica, sets the session cookie and
// sends the browser on to the target with a 303, so the POST leaves no
// entry in the history.
//
// A handoff comes by a cross-site form POST from the Space's host. Where
// the bind cookie is SameSite=Lax (cookies that are not Secure) the
// browser does not send it with that POST: the route then answers a page
// that posts the form again from the custom domain itself, once.
func (o *OAuth) handoffRoute(w http.ResponseWriter, r *http.Request) reply {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return reply{status: http.StatusMethodNotAllowed, msg: "The handoff route takes a POST only.", err: ErrLoginFailed}
	}
	if !o.customHost(r.Host) {
		return o.fail(HandoffPath, http.StatusBadRequest, msgHandoff, fmt.Errorf("%w: the request's host is not a custom domain", errHandoff))
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxHandoffBody)
	if err := r.ParseForm(); err != nil {
		return o.fail(HandoffPath, http.StatusBadRequest, msgHandoff, fmt.Errorf("%w: unreadable form", errHandoff))
	}
	now := o.cfg.Now()
	blob := r.PostFormValue(fieldHandoff)
	h, err := o.openHandoff(blob, now)
	if err != nil {
		return o.fail(HandoffPath, http.StatusBadRequest, msgHandoff, err)
	}
	if !strings.EqualFold(h.Host, r.Host) {
		return o.fail(HandoffPath, http.StatusBadRequest, msgHandoff, fmt.Errorf("%w: made for another domain", errHandoff))
	}
	c, err := r.Cookie(o.bindCookieName())
	if err != nil {
		if r.PostFormValue(fieldRelayed) == "" {
			writeHandoffPage(w, o.prefix+HandoffPath, "'self'", blob, true)
			return reply{}
		}
		return o.fail(HandoffPath, http.StatusBadRequest, msgHandoff, fmt.Errorf("%w: no bind cookie (another browser's handoff)", errHandoff))
	}
	if subtle.ConstantTimeCompare(bindHash(c.Value), h.Bind) != 1 {
		return o.fail(HandoffPath, http.StatusBadRequest, msgHandoff, fmt.Errorf("%w: bind cookie does not match (another browser's handoff)", errHandoff))
	}
	if !o.usedHandoffs.claim(bindHash(h.ID), now, time.Duration(h.Expires-now.UnixNano())) {
		return o.fail(HandoffPath, http.StatusBadRequest, msgHandoff, fmt.Errorf("%w: already used", errHandoff))
	}
	o.setBindCookie(w, "", -1)
	if err := o.store(w, r, h.Session, now); err != nil {
		return o.fail(HandoffPath, http.StatusInternalServerError, "Sign-in failed: the session could not be stored.", err)
	}
	return reply{status: http.StatusSeeOther, location: SanitizeTarget(h.Target)}
}

// writeHandoffPage answers the page that posts the handoff sealed to
// action at once: nothing cached, no Referer sent, and a policy that runs
// only its own script (by nonce) and submits forms only to formAction (a
// CSP source). relayed adds the field of a form posted again by the custom
// domain itself. Without JavaScript, a button submits it.
func writeHandoffPage(w http.ResponseWriter, action, formAction, sealed string, relayed bool) {
	nonce := randomString(16)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; form-action "+formAction+"; base-uri 'none'; frame-ancestors 'none'")
	extra := ""
	if relayed {
		extra = `<input type="hidden" name="` + fieldRelayed + `" value="1">`
	}
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Signing in…</title></head>`+
		`<body><form id="handoff" method="post" action="%s"><input type="hidden" name="%s" value="%s">%s`+
		`<noscript><button type="submit">Continue signing in</button></noscript></form>`+
		`<script nonce="%s">document.getElementById("handoff").submit()</script></body></html>`,
		html.EscapeString(action), fieldHandoff, html.EscapeString(sealed), extra, nonce)
}
