package hfauth

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/echohf/echohf/mock"
)

// TestRequireOrgScopeWarning: a RequireOrg guard serving an OAuth whose
// scopes lack read-memberships, and whose logins do not ask for the
// guard's organizations (OrgIDs), logs on its first request that members
// may be refused, naming the guard's organizations and the fix, to the
// guard's logger, else the OAuth's. The warning comes once per process:
// a second guard lacking the same scope stays quiet. Mock mode and a
// configuration that can see the organizations log nothing.
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
			a := serveApp(t, tt.cfg, serveOpts{routes: func(mux *http.ServeMux, o *OAuth) {
				o.scopeWarned = &sync.Map{} // this test's own "process"
				mountRoutes(mux, o)
				mux.Handle("GET /one", requireOrg(RequireOrgConfig{Orgs: tt.orgs, Logger: slog.New(slog.NewTextHandler(own, nil))}, okHandler))
				mux.Handle("GET /two", requireOrg(RequireOrgConfig{Orgs: tt.orgs}, okHandler))
			}})
			for range 3 {
				fetch(t, plainClient(t), a.URL+"/one")
				fetch(t, plainClient(t), a.URL+"/two")
			}
			for _, log := range []struct {
				name string
				out  string
				want int
			}{{"the first guard's logger", own.String(), 1}, {"the owner's logger (the second guard's)", a.logs.String(), 0}} {
				if !tt.want {
					log.want = 0
				}
				n := strings.Count(log.out, "lack read-memberships")
				switch {
				case n != log.want:
					t.Errorf("%s has %d warnings naming read-memberships; want %d:\n%s", log.name, n, log.want, log.out)
				case n > 0 && (!strings.Contains(log.out, tt.orgs[0]) || !strings.Contains(log.out, "OrgIDs")):
					t.Errorf("%s: the warning names neither the guard's organizations nor OrgIDs:\n%s", log.name, log.out)
				}
			}
		})
	}
}

// TestScopeWarningOncePerProcess: the OAuths of one process share the
// record of the scope warnings given, so two instances each with a
// RequireOrg guard lacking read-memberships log one warning between them.
// New gives every instance the process's record.
func TestScopeWarningOncePerProcess(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	cfg := realConfig(prov)
	cfg.Scopes = []string{"openid", "profile"}
	process := &sync.Map{} // this test's own "process"
	var apps []*app
	for _, org := range []string{"acme-research", "open-models"} {
		apps = append(apps, serveApp(t, cfg, serveOpts{routes: func(mux *http.ServeMux, o *OAuth) {
			if o.scopeWarned != &scopeWarnings {
				t.Errorf("New gave an OAuth its own record of scope warnings, not the process's")
			}
			o.scopeWarned = process
			mountRoutes(mux, o)
			mux.Handle("GET /members", requireOrg(RequireOrgConfig{Orgs: []string{org}}, okHandler))
			mux.Handle("GET /api/members", requireOrg(RequireOrgConfig{Orgs: []string{org}}, okHandler))
		}}))
	}
	for range 2 {
		for _, a := range apps {
			fetch(t, plainClient(t), a.URL+"/members")
			fetch(t, plainClient(t), a.URL+"/api/members")
		}
	}
	total := 0
	for _, a := range apps {
		total += strings.Count(a.logs.String(), "lack read-memberships")
	}
	if total != 1 {
		t.Errorf("%d warnings naming read-memberships in the logs; want 1 per process:\n%s\n%s", total, apps[0].logs, apps[1].logs)
	}
	if n := strings.Count(apps[0].logs.String(), "lack read-memberships"); n != 1 {
		t.Errorf("the first instance to serve a guard logged %d warnings; want 1", n)
	}
}
