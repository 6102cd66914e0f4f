package hfauth

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/echohf/echohf/mock"
)

// TestDefaultMockUser: mock mode's own default user is the user the mock
// provider signs in by default, field for field, so that a page looks the
// same in mock mode and in real mode against the mock provider.
func TestDefaultMockUser(t *testing.T) {
	t.Parallel()
	raw, err := json.Marshal(mock.DefaultUser())
	if err != nil {
		t.Fatal(err)
	}
	want, err := parseUserInfo(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := defaultMockUser(); !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("defaultMockUser() =\n%s\nwant mock.DefaultUser() =\n%s", g, w)
	}
	a, b := defaultMockUser(), defaultMockUser()
	*a.Orgs[0].RoleInOrg = "read"
	if *b.Orgs[0].RoleInOrg != RoleAdmin {
		t.Error("defaultMockUser() results share memory")
	}
}
