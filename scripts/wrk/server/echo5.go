package main

import (
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/echohf/echohf/echohf5"
)

// echo5Apps returns the bare and auth apps on Echo v5, as echohf5's
// BenchmarkBareEcho and BenchmarkAuthMiddleware: the bare one with the user
// fixed in the handler, the auth one behind echohf5's Auth in mock mode with
// the session secret secret. release releases the auth app's OAuth.
func echo5Apps(secret string) (bare, auth http.Handler, release func(), err error) {
	o, err := echohf5.New(echohf5.Config{Mode: echohf5.ModeMock, SessionSecret: secret, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, nil, nil, err
	}
	b := echo.New()
	b.GET("/", bareGreet5)
	a := echo.New()
	o.Attach(a)
	a.Use(o.Auth())
	a.GET("/", greet5)
	return b, a, o.Close, nil
}

// greet5 is greet on Echo v5.
func greet5(c *echo.Context) error {
	info := echohf5.Info(c)
	if info == nil {
		return c.JSON(http.StatusOK, map[string]string{"msg": "Not logged in!"})
	}
	return c.JSON(http.StatusOK, map[string]string{"msg": "Hello, " + info.UserInfo.PreferredUsername + "!"})
}

// bareGreet5 is bareGreet on Echo v5: the user fixed, put in the context
// and read back.
func bareGreet5(c *echo.Context) error {
	c.Set("user", fixedUser)
	info, _ := c.Get("user").(*echohf5.OAuthInfo)
	return c.JSON(http.StatusOK, map[string]string{"msg": "Hello, " + info.UserInfo.PreferredUsername + "!"})
}
