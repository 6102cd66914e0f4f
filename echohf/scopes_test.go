package echohf

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/mock"
)

// TestRequireOrgScopeWarning: a RequireOrg guard serving an OAuth whose
// scopes lack read-memberships, and whose logins do not ask for the
// guard's organizations (OrgIDs), logs once, on its first request, that
// members may be refused, naming the guard's organizations and the fix.
// Mock mode and a configuration that can see the organizations log
// nothing.
func TestRequireOrgScopeWarning(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	const acmeID = "909bc5104b96a8d1e097cb94"
	withScopes := func(scopes ...string) Config {
		cfg := realConfig(prov)
		cfg.Scopes = scopes
		return cfg
	}
	withOrgIDs := func(ids ...string) Config {
		cfg := realConfig(prov)
		cfg.OrgIDs = ids
		return cfg
	}
	tests := []struct {
		name string
		cfg  Config
		orgs []string // the guard's
		want bool     // a warning
	}{
		{"openid profile", withScopes("openid", "profile"), []string{"acme-research"}, true},
		{"email is no help", withScopes("openid", "profile", "email", "read-billing"), []string{"acme-research", "open-models"}, true},
		{"read-memberships", withScopes("openid", "profile", "read-memberships"), []string{"acme-research"}, false},
		{"asked for by id on every login", withOrgIDs(acmeID), []string{acmeID}, false},
		{"one org not asked for", withOrgIDs(acmeID), []string{acmeID, "open-models"}, true},
		{"mock mode", Config{Mode: ModeMock}, []string{"acme-research"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			own := &syncBuffer{}
			ok := func(c echo.Context) error { return c.String(http.StatusOK, "ok") }
			a := serveApp(t, tt.cfg, serveOpts{routes: func(e *echo.Echo, o *OAuth) {
				o.Attach(e)
				e.GET("/one", ok, RequireOrg(tt.orgs...))
				e.GET("/two", ok, RequireOrgWithConfig(RequireOrgConfig{Orgs: tt.orgs, Logger: slog.New(slog.NewTextHandler(own, nil))}))
			}})
			for range 3 {
				fetch(t, plainClient(t), a.URL+"/one")
				fetch(t, plainClient(t), a.URL+"/two")
			}
			for _, log := range []struct {
				name string
				out  string
			}{{"the owner's logger", a.logs.String()}, {"the guard's logger", own.String()}} {
				n := strings.Count(log.out, "lack read-memberships")
				switch {
				case !tt.want && n != 0:
					t.Errorf("%s warns:\n%s", log.name, log.out)
				case tt.want && n != 1:
					t.Errorf("%s has %d warnings naming read-memberships; want 1:\n%s", log.name, n, log.out)
				case tt.want && (!strings.Contains(log.out, tt.orgs[0]) || !strings.Contains(log.out, "OrgIDs")):
					t.Errorf("%s: the warning names neither the guard's organizations nor OrgIDs:\n%s", log.name, log.out)
				}
			}
		})
	}
}
