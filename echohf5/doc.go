// Package echohf5 adds "Sign in with Hugging Face" to Echo v5 apps, with no
// server-side session store: the Go counterpart of huggingface_hub's
// attach_huggingface_oauth and parse_huggingface_oauth.
//
// The whole setup is three lines:
//
//	e := echo.New()
//	echohf5.Attach(e)     // GET /oauth/huggingface/{login,callback,logout}
//	e.Use(echohf5.Auth()) // reads the session cookie on every request
//	e.GET("/", func(c *echo.Context) error {
//		if info := echohf5.Info(c); info != nil {
//			return c.String(200, "Hello, "+info.UserInfo.PreferredUsername+"!")
//		}
//		return c.String(200, "Not logged in!")
//	})
//
// echohf5 is the Echo v5 adapter of package [github.com/echohf/echohf/hfauth],
// which holds the behavior and documents its rules: the sign-in flow, mock
// mode, sessions and their renewal, bearer tokens, the guards and the Hub
// client. It has the exported names of package echohf, the Echo v4
// adapter, with Echo v5's types (*echo.Context, middleware.Skipper of v5),
// so moving an app from Echo v4 to v5 changes the import path and what
// Echo itself changed. The types, constants and errors it shares with
// hfauth are the same ones, so errors.Is matches whichever package
// produced an error. It does not import Echo v4.
//
// Attach and AttachGroup register the routes; Auth runs the authenticate
// step on every request and keeps its result in the echo.Context, where
// Info, LoginURL, LogoutURL and HubClient read it; the guards RequireLogin
// and RequireOrg are middleware that run after Auth
// (e.Use(echohf5.Auth(), echohf5.RequireLogin())). The routes and guards
// answer a refusal with an *echo.HTTPError that wraps one of the package's
// errors (see HTTPError.Wrap), for the app's error handler.
//
// Attach and Auth configure themselves from the environment (see Default),
// and panic on a bad one. Use New with a Config to configure in code, to
// get errors instead of panics, or to run several instances (replicas) in
// one process.
//
// In mock mode Attach logs the sign-in path. Echo v5 makes its http.Server
// only when it starts, so to have the full link, with the address, logged
// when serving starts, hand the server to OAuth.LogLinkOnStart:
//
//	sc := echo.StartConfig{Address: ":7860", BeforeServeFunc: func(s *http.Server) error {
//		o.LogLinkOnStart(s, "http")
//		return nil
//	}}
package echohf5
