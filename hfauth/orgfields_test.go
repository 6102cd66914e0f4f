package hfauth

import (
	"encoding/json"
	"testing"

	"github.com/echohf/echohf/mock"
)

// TestOrgFieldsEndToEnd: the organization fields Hugging Face sends beside
// the role (missingMFA, pendingSSO, resourceGroups) reach Info under their
// wire names, in real mode through userinfo and in mock mode from the
// mocked profile, and survive the session cookie (the second request
// decodes it).
func TestOrgFieldsEndToEnd(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	want := mock.DefaultUser().Orgs[0]
	if want.MissingMFA == nil || want.PendingSSO == nil || len(want.ResourceGroups) == 0 {
		t.Fatalf("mock.DefaultUser's first org %+v lacks the fields: the test is vacuous", want)
	}
	wantRG, _ := json.Marshal(want.ResourceGroups)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"real", realConfig(prov)},
		{"mock", Config{Mode: ModeMock}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, tt.cfg)
			b := newBrowser(t)
			b.mustLogin(t, a)
			for range 2 { // the first request after login, then a cached one
				_, body := b.get(t, a.URL+"/whoami")
				var w struct {
					Info struct {
						User struct {
							Orgs []map[string]json.RawMessage `json:"orgs"`
						} `json:"user_info"`
					} `json:"info"`
				}
				if err := json.Unmarshal([]byte(body), &w); err != nil || len(w.Info.User.Orgs) == 0 {
					t.Fatalf("whoami: %v in %s", err, body)
				}
				org := w.Info.User.Orgs[0]
				for _, f := range []struct{ name, want string }{
					{"missingMFA", "true"},
					{"pendingSSO", "true"},
					{"resourceGroups", string(wantRG)},
				} {
					if got := string(org[f.name]); got != f.want {
						t.Errorf("org %s: %s = %s; want %s", org["preferred_username"], f.name, got, f.want)
					}
				}
				if _, ok := w.Info.User.Orgs[1]["resourceGroups"]; ok {
					t.Errorf("org without resource groups has %s", w.Info.User.Orgs[1]["resourceGroups"])
				}
			}
		})
	}
}

// TestParseOrgFields: the organization fields are read laxly: a field of the
// wrong type is dropped, a resource group that is not an object is skipped,
// and an empty list stays distinct from an absent one.
func TestParseOrgFields(t *testing.T) {
	t.Parallel()
	u, err := parseUserInfo([]byte(`{"sub":"u","orgs":[
		{"sub":"a","missingMFA":false,"pendingSSO":true,"resourceGroups":[{"sub":"g1","name":"vision","role":"write"}]},
		{"sub":"b","missingMFA":"yes","pendingSSO":1,"resourceGroups":{"sub":"g"}},
		{"sub":"c","resourceGroups":[7,"x",null,{"sub":"g2","name":3,"role":"read","extra":1},{"sub":["bad"],"role":false}]},
		{"sub":"d","resourceGroups":[]},
		{"sub":"e","resourceGroups":null}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Orgs) != 5 {
		t.Fatalf("orgs = %+v; want 5", u.Orgs)
	}
	a := u.Orgs[0]
	if a.MissingMFA == nil || *a.MissingMFA || a.PendingSSO == nil || !*a.PendingSSO {
		t.Errorf("org a: missingMFA %v, pendingSSO %v; want false and true", a.MissingMFA, a.PendingSSO)
	}
	if len(a.ResourceGroups) != 1 || a.ResourceGroups[0] != (OAuthResourceGroup{Sub: "g1", Name: "vision", Role: RoleWrite}) {
		t.Errorf("org a: resourceGroups = %+v", a.ResourceGroups)
	}
	b := u.Orgs[1]
	if b.MissingMFA != nil || b.PendingSSO != nil || b.ResourceGroups != nil {
		t.Errorf("org b: mistyped fields kept: %+v", b)
	}
	c := u.Orgs[2]
	if len(c.ResourceGroups) != 2 || c.ResourceGroups[0] != (OAuthResourceGroup{Sub: "g2", Role: RoleRead}) || c.ResourceGroups[1] != (OAuthResourceGroup{}) {
		t.Errorf("org c: resourceGroups = %+v; want g2 (no name) and an empty group", c.ResourceGroups)
	}
	for i, want := range map[int]string{3: "[]", 4: "null"} {
		if got, _ := json.Marshal(u.Orgs[i].ResourceGroups); string(got) != want {
			t.Errorf("org %s: resourceGroups = %s; want %s", u.Orgs[i].Sub, got, want)
		}
	}
}
