package echohf_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/echohf"
)

// HubClient calls the Hub as the signed-in user. Here a fake Hub stands in
// for huggingface.co (Config.HFEndpoint), and mock mode signs in the owner
// of HFToken, whose token the session carries (MockCarryHFToken). Once the
// Hub refuses the token, the handler sends the user to sign in again, and
// the session is gone.
func ExampleHubClient() {
	var revoked atomic.Bool
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if revoked.Load() || r.Header.Get("Authorization") != "Bearer hf_alices_token" {
			http.Error(w, `{"error":"Invalid credentials in Authorization header"}`, http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"type":"user","name":"alice"}`)
	}))
	defer hub.Close()

	oauth, _ := echohf.New(echohf.Config{
		Mode: echohf.ModeMock, HFEndpoint: hub.URL, HFToken: "hf_alices_token", MockCarryHFToken: true,
		Logger: slog.New(slog.DiscardHandler),
	})
	defer oauth.Close()
	e := echo.New()
	oauth.Attach(e)
	e.Use(oauth.Auth())
	e.GET("/", greet)
	e.GET("/hub-name", func(c echo.Context) error {
		res, err := echohf.HubClient(c).Get(echohf.HubEndpoint(c) + "/api/whoami-v2")
		if errors.Is(err, echohf.ErrLoginRequired) {
			return c.Redirect(http.StatusFound, echohf.LoginURL(c, "/hub-name"))
		}
		if err != nil {
			return echo.NewHTTPError(http.StatusBadGateway, "The Hub cannot be reached.").WithInternal(err)
		}
		defer res.Body.Close()
		var who struct{ Name string }
		if err := json.NewDecoder(res.Body).Decode(&who); err != nil {
			return echo.NewHTTPError(http.StatusBadGateway, "The Hub sent an unexpected answer.").WithInternal(err)
		}
		return c.String(http.StatusOK, "The Hub knows you as "+who.Name)
	})
	srv := httptest.NewServer(e)
	defer srv.Close()

	client := browser()
	get(client, srv.URL+oauth.MockLoginURL("/hub-name")) // mock mode: the link New logs
	revoked.Store(true)
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := client.Get(srv.URL + "/hub-name")
	if err != nil {
		fmt.Println(err)
		return
	}
	res.Body.Close()
	fmt.Println(res.StatusCode, res.Header.Get("Location"))
	get(client, srv.URL+"/") // the session cookie is gone
	// Output:
	// 200 The Hub knows you as alice
	// 302 /oauth/huggingface/login?_target_url=%2Fhub-name
	// 200 {"msg":"Not logged in!"}
}
