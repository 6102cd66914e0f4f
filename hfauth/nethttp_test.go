package hfauth

import (
	"io"
	"log/slog"
	"net/http"
)

// Helpers for the test apps, which run on net/http: o.Middleware, the
// routes from o.Handler, and the guards' net/http middleware.

// okHandler answers 200 "ok".
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })

// text answers status and body as plain text.
func text(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
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
