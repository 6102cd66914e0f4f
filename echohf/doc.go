// Package echohf adds "Sign in with Hugging Face" to Echo v4 apps, with no
// server-side session store: the Go counterpart of huggingface_hub's
// attach_huggingface_oauth and parse_huggingface_oauth.
//
// The whole setup is three lines:
//
//	e := echo.New()
//	echohf.Attach(e)     // GET /oauth/huggingface/{login,callback,logout}
//	e.Use(echohf.Auth()) // reads the session cookie on every request
//	e.GET("/", func(c echo.Context) error {
//		if info := echohf.Info(c); info != nil {
//			return c.String(200, "Hello, "+info.UserInfo.PreferredUsername+"!")
//		}
//		return c.String(200, "Not logged in!")
//	})
//
// echohf is the Echo v4 adapter of package [github.com/echohf/echohf/hfauth],
// which holds the behavior and documents its rules: the sign-in flow, mock
// mode, sessions and their renewal, bearer tokens, the guards and the Hub
// client. echohf adds what is Echo's: Attach and AttachGroup register the
// routes, Auth runs the authenticate step on every request and keeps its
// result in the echo.Context, Info, LoginURL and HubClient read it back,
// and the guards RequireLogin and RequireOrg are Echo middleware that run
// after Auth (e.Use(echohf.Auth(), echohf.RequireLogin())). The types,
// constants and errors it shares with hfauth are the same ones, so
// errors.Is matches across the two.
//
// Attach and Auth configure themselves from the environment (see Default),
// and panic on a bad one. Use New with a Config to configure in code, to
// get errors instead of panics, or to run several instances (replicas) in
// one process.
package echohf
