package echohf5

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v5"
)

// TestHandoffRouteMounted: Attach and AttachGroup mount the handoff route
// (a POST) beside the others: it answers, here refusing a host that is not
// a custom domain with a 400, where an unmounted route would be a 404 or
// 405. An app-wide RequireLogin leaves it alone, as the other own routes,
// even for a cross-site POST (Auth leaves those logged out).
func TestHandoffRouteMounted(t *testing.T) {
	t.Parallel()
	for _, group := range []bool{false, true} {
		o, err := New(Config{Mode: ModeMock, Prefix: "/p", SessionSecret: "handoff-route-secret-0123456789abcdef", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(o.Close)
		e := echo.New()
		e.Use(o.Auth(), RequireLogin())
		path := "/p" + HandoffPath
		if group {
			o.AttachGroup(e.Group("/g"))
			path = "/g" + path
		} else {
			o.Attach(e)
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, path, nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("group %v: POST %s: %d; want the route's 400", group, path, rec.Code)
		}
	}
}
