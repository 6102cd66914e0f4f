package echohf5

import (
	"net/http"
	"reflect"

	"github.com/labstack/echo/v5"
)

// HubClient returns an *http.Client that calls the Hugging Face Hub API on
// behalf of the user signed in on c, with the session's access token (see
// hfauth.Seen.HubClient for what it sends where, and its errors: requests
// fail with ErrLoginRequired when c is logged out, ErrNoAuth when Auth did
// not see c). When the Hub refuses the token, the session cookie is
// expired on c's response, unless that response was sent, or reused for
// another request (Echo v5 pools its contexts and responses). When a
// middleware replaced c's response with a writer that does not unwrap to
// Echo's (see echo.UnwrapResponse), HubClient cannot tell whether it was
// sent, and leaves the cookie alone. Use it while handling c.
func HubClient(c *echo.Context) *http.Client {
	w := c.Response()
	return seenBy(c).HubClient(w, c.Request(), sentFunc(w))
}

// sentFunc reports, for HubClient, whether w can no longer take headers:
// Echo's Response under w was committed, or was reset for another request
// (its writer changed); always true when w does not unwrap to it.
func sentFunc(w http.ResponseWriter) func() bool {
	res, err := echo.UnwrapResponse(w)
	if err != nil {
		return func() bool { return true }
	}
	inner := res.ResponseWriter
	if inner == nil || !reflect.TypeOf(inner).Comparable() { // != would panic: watch Committed alone
		return func() bool { return res.Committed }
	}
	return func() bool { return res.ResponseWriter != inner || res.Committed }
}

// HubEndpoint returns the base URL of the Hub that HubClient(c) sends the
// user's token to: Config.HFEndpoint of the OAuth whose Auth handled c,
// without a trailing slash, or https://huggingface.co.
func HubEndpoint(c *echo.Context) string {
	return seenBy(c).Owner().HubEndpoint()
}
