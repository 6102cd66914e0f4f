package hfauth

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// This file is what adapters build on: the authenticate step, the routes
// as decisions and as http.Handlers, and their net/http forms (Middleware,
// Info, HubClient, Guard.Middleware).

// Decision is what a route or a guard decided about a request, in net/http
// terms, for an adapter to render (Decision.Respond renders it for
// net/http). Cookies and other headers are already on the ResponseWriter.
// The zero Decision lets a guarded request go on; otherwise it is a
// redirect to Location, or an error answer.
type Decision struct {
	// Status is the HTTP status; 0 means: go on (guards) or already
	// answered (routes).
	Status int
	// Location is the redirect's target, or "" for an error answer.
	Location string
	// Message is the error answer's text for the user.
	Message string
	// Err is the error for the app's error handler (it matches one of the
	// package's sentinels), or nil; it is never shown to the user.
	Err error
	// Challenge is a WWW-Authenticate header value to set on a 401, or "".
	Challenge string
}

// decision exports r.
func (r reply) decision() Decision {
	return Decision{Status: r.status, Location: r.location, Message: r.msg, Err: r.err, Challenge: r.challenge}
}

// Respond renders d on w the net/http way: a redirect, or an error answer
// whose body is d.Message as plain text (the status text when empty).
// The zero Decision writes nothing.
func (d Decision) Respond(w http.ResponseWriter, r *http.Request) {
	switch {
	case d.Location != "":
		http.Redirect(w, r, d.Location, d.Status)
		return
	case d.Status == 0:
		return
	}
	if d.Challenge != "" {
		w.Header().Set("WWW-Authenticate", d.Challenge)
	}
	msg := d.Message
	if msg == "" {
		msg = http.StatusText(d.Status)
	}
	http.Error(w, msg, d.Status)
}

// Login runs the login route (LoginPath) on r: it starts a sign-in and
// returns the redirect to the provider (or, in mock mode, back to the
// target), or the failure to answer.
func (o *OAuth) Login(w http.ResponseWriter, r *http.Request) Decision {
	return o.login(w, r).decision()
}

// Callback runs the callback route (CallbackPath) on r: it completes the
// sign-in the provider sends back and returns the redirect to its target,
// or the failure to answer.
func (o *OAuth) Callback(w http.ResponseWriter, r *http.Request) Decision {
	return o.callback(w, r).decision()
}

// Logout runs the logout route (LogoutPath) on r: it ends the session and
// returns the redirect to its target.
func (o *OAuth) Logout(w http.ResponseWriter, r *http.Request) Decision {
	return o.logout(w, r).decision()
}

// Handoff runs the handoff route (HandoffPath, a POST) on r: on a custom
// domain of Config.SpaceHost, it turns the sealed handoff of a sign-in
// that started there into a session cookie and returns the redirect to its
// target, or the failure to answer. It may answer r itself (a form posted
// again from the custom domain), with a zero Status.
func (o *OAuth) Handoff(w http.ResponseWriter, r *http.Request) Decision {
	return o.handoffRoute(w, r).decision()
}

// errMounted is Mount's refusal of a second mount.
var errMounted = errors.New("echohf: this OAuth's routes are already registered (by Attach, AttachGroup, Handler or Mount); an OAuth registers them once, " +
	"so that its links stay right: for another Echo, router or group, build another OAuth from the same Config")

// Mount has an adapter register o's routes, once. register gets the
// configured prefix (Config.Prefix, normalized: "" or "/a/b"), registers
// the routes at prefix+LoginPath, CallbackPath and LogoutPath (GET, with
// the decisions Login, Callback and Logout) and prefix+HandoffPath (POST,
// with Handoff), and returns the login route's full
// public path, which holds any group or mount path the router adds. The
// links that LoginURL, LogoutURL, MockLoginURL and the guards build use
// that path's prefix from then on. In mock mode Mount logs the sign-in
// link. Call it before serving.
//
// An OAuth mounts its routes once: a second Mount returns an error and
// does not call register, since it would move every link; to serve the
// routes elsewhere, build another OAuth from the same Config (the two are
// replicas).
func (o *OAuth) Mount(register func(prefix string) (loginPath string)) error {
	if o.attached.Swap(true) {
		return errMounted
	}
	loginPath := register(o.cfg.Prefix)
	prefix, ok := strings.CutSuffix(loginPath, LoginPath)
	if !ok {
		return errors.New("echohf: the login route's path " + loginPath + " does not end with " + LoginPath)
	}
	// Routes are registered before serving starts, so this write happens
	// before any request reads o.prefix.
	o.prefix = prefix
	if o.cfg.mode == ModeMock { // now the link has the full path
		o.cfg.Logger.Warn("echohf: MOCK MODE: to sign in, open sign_in on this server: it holds a key for this process only",
			"sign_in", o.MockLoginURL(""), "loopback_only", !o.cfg.InsecureMockAllowRemote)
	}
	return nil
}

// Handler returns an http.Handler that serves o's login, callback and
// logout routes (GET and HEAD) at Config.Prefix + LoginPath, CallbackPath
// and LogoutPath, the handoff route (POST) at HandoffPath, and 404 on any
// other path or method. Mount it on a router at
// those paths; with a ServeMux: mux.Handle(prefix+"/oauth/huggingface/",
// o.Handler()). It records the mount (see Mount) and panics when o's
// routes are already mounted.
func (o *OAuth) Handler() http.Handler {
	routes := map[string]func(http.ResponseWriter, *http.Request) reply{}
	err := o.Mount(func(prefix string) string {
		routes[prefix+LoginPath] = o.login
		routes[prefix+CallbackPath] = o.callback
		routes[prefix+LogoutPath] = o.logout
		routes[prefix+HandoffPath] = o.handoffRoute
		return prefix + LoginPath
	})
	if err != nil {
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, ok := routes[r.URL.Path]
		handoff := strings.HasSuffix(r.URL.Path, HandoffPath)
		if !ok || handoff && r.Method != http.MethodPost || !handoff && r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.NotFound(w, r)
			return
		}
		route(w, r).decision().Respond(w, r)
	})
}

// Authenticate is the per-request step an adapter runs before the app's
// handlers: it reads the session cookie (or, with Config.AcceptBearer, a
// bearer token) and returns what it found, without allocating beyond what
// reading the session needs. The package documentation says when a request
// is logged out and when a due session calls the provider; a renewed
// session's cookie is re-minted on w. The cookies of an invalid or expired
// session are expired on w so the browser drops them, except when they are
// signed with a key o does not know, which another replica may already
// have (a rolling secret rotation): those stay. Config.Leeway allows for
// clock skew on the times of the cookie and of the id_token, not on the end
// of the access token's life.
func (o *OAuth) Authenticate(w http.ResponseWriter, r *http.Request) Seen {
	if !o.plainWarned.Load() { // SpaceHost set and not yet warned
		o.warnPlainHTTP(r)
	}
	if o.cfg.AcceptBearer && hasBearer(r) { // the bearer token alone decides
		info, outcome := o.bearerLogin(r)
		return Seen{Info: info, OAuth: o, Bearer: outcome}
	}
	if crossSiteUnsafe(r) { // another site's form or fetch: never the user's act
		return Seen{OAuth: o}
	}
	return Seen{Info: o.authenticate(w, r), OAuth: o}
}

// Skip is what an adapter records, in place of Authenticate, for a request
// its Skipper skips: the guards refuse it with ErrNoAuth rather than send
// it round a login loop, and the links still use o's paths.
func (o *OAuth) Skip(r *http.Request) Seen {
	if !o.plainWarned.Load() {
		o.warnPlainHTTP(r)
	}
	return Seen{OAuth: o, Skipped: true}
}

// seenKey is the context key of what Middleware found.
type seenKey struct{}

// Middleware is the net/http adapter: it runs Authenticate (or Skip, for
// the requests Config.Skipper skips) on every request and hands next the
// request with what it found, for Info, HubClient and Guard.Middleware.
func (o *OAuth) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s Seen
		if o.cfg.Skipper != nil && o.cfg.Skipper(r) {
			s = o.Skip(r)
		} else {
			s = o.Authenticate(w, r)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), seenKey{}, s)))
	})
}

// SeenOf returns what Middleware found on r; the zero Seen when Middleware
// did not run.
func SeenOf(r *http.Request) Seen {
	s, _ := r.Context().Value(seenKey{}).(Seen)
	return s
}

// Info returns the login that Middleware found on r, or nil when r is
// logged out (or Middleware did not run). It is the counterpart of
// parse_huggingface_oauth. The value is shared: do not modify it.
func Info(r *http.Request) *OAuthInfo {
	return SeenOf(r).Info
}

// HubClient returns a client for the Hub on behalf of the user that
// Middleware found on r; see Seen.HubClient. Use it while handling r.
func HubClient(w http.ResponseWriter, r *http.Request) *http.Client {
	return SeenOf(r).HubClient(w, r, nil)
}

// Middleware returns the net/http form of g: it runs Decide on every
// request, after OAuth.Middleware, with the request's path as its route,
// and renders a refusal with Decision.Respond.
func (g *Guard) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d := g.Decide(SeenOf(r), r, r.URL.Path); d.Status != 0 {
			d.Respond(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
