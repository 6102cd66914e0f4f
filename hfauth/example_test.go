package hfauth_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"

	"github.com/echohf/echohf/hfauth"
)

// The core on plain net/http: Handler serves the login, callback and
// logout routes, Middleware reads the session on every request, and Info
// hands a handler the typed login. This instance runs in mock mode, where
// the sign-in link (MockLoginURL) logs the browser in as a mocked user.
func ExampleOAuth_Middleware() {
	o, err := hfauth.New(hfauth.Config{Mode: hfauth.ModeMock, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer o.Close()
	mux := http.NewServeMux()
	mux.Handle("/oauth/huggingface/", o.Handler())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if info := hfauth.Info(r); info != nil {
			_, _ = fmt.Fprintf(w, "Hello, %s!", info.UserInfo.PreferredUsername) //nolint:gosec // G705: plain text, never read as HTML
			return
		}
		_, _ = fmt.Fprint(w, "Not logged in!")
	})
	srv := httptest.NewServer(o.Middleware(mux))
	defer srv.Close()

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	for _, path := range []string{"/", o.MockLoginURL("/"), o.LogoutURL("/")} {
		res, err := browser.Get(srv.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Println(res.StatusCode, strings.TrimSpace(string(body)))
	}
	// Output:
	// 200 Not logged in!
	// 200 Hello, mockuser!
	// 200 Not logged in!
}
