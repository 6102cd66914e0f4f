package echohf

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// HubClient returns an *http.Client that calls the Hugging Face Hub API on
// behalf of the user signed in on c, with the session's access token (see
// hfauth.Seen.HubClient for what it sends where, and its errors: requests
// fail with ErrLoginRequired when c is logged out, ErrNoAuth when Auth did
// not see c). When the Hub refuses the token, the session cookie is
// expired on c's response, unless that response was sent or reused for
// another request. Use it while handling c.
func HubClient(c echo.Context) *http.Client {
	res := c.Response()
	w := res.Writer
	sent := func() bool { return res.Writer != w || res.Committed }
	return seenBy(c).HubClient(res, c.Request(), sent)
}

// HubEndpoint returns the base URL of the Hub that HubClient(c) sends the
// user's token to: Config.HFEndpoint of the OAuth whose Auth handled c,
// without a trailing slash, or https://huggingface.co.
func HubEndpoint(c echo.Context) string {
	return seenBy(c).Owner().HubEndpoint()
}
