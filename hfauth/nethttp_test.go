package hfauth

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/echohf/echohf/mock"
)

// Helpers for the test apps, which run on net/http: o.Middleware, the
// routes from o.Handler, and the guards' net/http middleware.

// okHandler answers 200 "ok".
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })

// text answers status and body as plain text.
func text(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body) //nolint:gosec // G705: a plain-text answer of a test app, never HTML
}

// mountRoutes serves o's routes on mux, under o's prefix.
func mountRoutes(mux *http.ServeMux, o *OAuth) {
	mux.Handle(o.cfg.Prefix+"/oauth/huggingface/", o.Handler())
}

// requireLogin is RequireLoginGuard as net/http middleware.
func requireLogin(h http.Handler) http.Handler { return RequireLoginGuard(nil).Middleware(h) }

// requireOrg is RequireOrgGuard(cfg) as net/http middleware; it panics on
// a bad cfg, as the tests' configurations are fixed.
func requireOrg(cfg RequireOrgConfig, h http.Handler) http.Handler {
	g, err := RequireOrgGuard(cfg)
	if err != nil {
		panic(err)
	}
	return g.Middleware(h)
}

// mustDefault is Default, panicking with its error, as echohf's package
// Attach and Auth do.
func mustDefault() *OAuth {
	o, err := Default()
	if err != nil {
		panic(err)
	}
	return o
}

// discardLogger drops every line.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// guardedApp serves routes behind every guard variant (the net/http form
// of echohf's test app of the same name, without the Skipper variants,
// which are Echo's).
func guardedApp(t *testing.T, cfg Config) *app {
	orgGuard := func(cfg RequireOrgConfig) http.Handler { return requireOrg(cfg, okHandler) }
	return serveApp(t, cfg, serveOpts{routes: func(mux *http.ServeMux, o *OAuth) {
		mountRoutes(mux, o)
		mux.Handle("GET /g/login", requireLogin(okHandler))
		mux.Handle("GET /g/org", orgGuard(RequireOrgConfig{Orgs: []string{"other", "acme"}}))
		mux.Handle("GET /g/org-sub", orgGuard(RequireOrgConfig{Orgs: []string{mock.NewOrg("acme").Sub}}))
		mux.Handle("GET /g/contrib", orgGuard(RequireOrgConfig{Orgs: []string{"acme"}, MinRole: RoleContributor}))
		mux.Handle("GET /g/write", orgGuard(RequireOrgConfig{Orgs: []string{"acme"}, MinRole: RoleWrite}))
		mux.Handle("GET /g/admin", orgGuard(RequireOrgConfig{Orgs: []string{"acme"}, MinRole: RoleAdmin}))
		mux.Handle("GET /g/secure", orgGuard(RequireOrgConfig{Orgs: []string{"secure"}}))
		mux.Handle("GET /g/secure-strict", orgGuard(RequireOrgConfig{Orgs: []string{"secure"}, RefuseRestricted: true}))
		mux.Handle("GET /g/clean-strict", orgGuard(RequireOrgConfig{Orgs: []string{"acme"}, RefuseRestricted: true}))
	}})
}

// org is a mock organization in which the user has role and restrictions.
func org(name, role string, restrictions ...string) mock.Org {
	o := mock.NewOrg(name)
	o.RoleInOrg = role
	o.SecurityRestrictions = restrictions
	return o
}

// hubAPI is a fake Hugging Face Hub for HubClient. /api/whoami-v2 accepts
// any bearer token but the revoked ones, and answers 401 as the Hub does
// otherwise; /api/public answers anyone; /api/models/gone answers 401 with
// the Hub's RepoNotFound code; /redirect sends to its to parameter. It
// records the Authorization header of every request. (echohf's tests have
// the same fake.)
type hubAPI struct {
	*httptest.Server
	mu      sync.Mutex
	auths   []string
	revoked map[string]bool
}

func newHubAPI(t *testing.T) *hubAPI {
	t.Helper()
	h := &hubAPI{revoked: map[string]bool{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		h.mu.Lock()
		h.auths = append(h.auths, auth)
		token, bearer := strings.CutPrefix(auth, "Bearer ")
		refused := !bearer || token == "" || h.revoked[token]
		h.mu.Unlock()
		switch r.URL.Path {
		case "/api/whoami-v2":
			if refused {
				w.Header().Set("X-Error-Message", "Invalid credentials in Authorization header")
				http.Error(w, `{"error":"Invalid credentials in Authorization header"}`, http.StatusUnauthorized)
				return
			}
			_, _ = io.WriteString(w, `{"type":"user","name":"alice"}`)
		case "/api/public":
			_, _ = io.WriteString(w, "public")
		case "/api/models/gone":
			w.Header().Set("X-Error-Code", "RepoNotFound")
			http.Error(w, `{"error":"Repository not found"}`, http.StatusUnauthorized)
		case "/redirect":
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound) //nolint:gosec // G710: the fake Hub redirects where the test says
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(h.Close)
	return h
}

// seen returns the Authorization headers received so far, and forgets them.
func (h *hubAPI) seen() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.auths
	h.auths = nil
	return s
}

// hubRoutes registers the OAuth routes and GET /hub, which fetches the URL
// in its u parameter (a path is taken on the Hub) with HubClient and
// answers the Hub's status and body, or 401 "login required", 500 "no
// auth", 502 and the error for the errors HubClient gives.
func hubRoutes(mux *http.ServeMux, o *OAuth) {
	mountRoutes(mux, o)
	mux.HandleFunc("GET /hub", func(w http.ResponseWriter, r *http.Request) {
		u := r.URL.Query().Get("u")
		if strings.HasPrefix(u, "/") {
			u = SeenOf(r).Owner().HubEndpoint() + u
		}
		res, err := HubClient(w, r).Get(u) //nolint:gosec // G704: the tests ask for these URLs, to check where HubClient sends the token
		switch {
		case errors.Is(err, ErrLoginRequired):
			text(w, http.StatusUnauthorized, "login required")
			return
		case errors.Is(err, ErrNoAuth):
			text(w, http.StatusInternalServerError, "no auth")
			return
		case err != nil:
			text(w, http.StatusBadGateway, err.Error())
			return
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		text(w, res.StatusCode, string(body))
	})
}
