package mock_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/echohf/echohf/mock"
)

// In a test, NewServer starts a provider that stops when the test ends.
// (The example is compiled, not run: it needs the test's t.)
func ExampleNewServer() {
	var t *testing.T // the test's t

	srv := mock.NewServer(t, mock.Config{})
	resp, err := http.Get(srv.URL + "/.well-known/openid-configuration")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var d struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		panic(err)
	}
	fmt.Println(d.Issuer == srv.URL, strings.TrimPrefix(d.JWKSURI, srv.URL))
	fmt.Println(srv.Requests(mock.EndpointDiscovery))
}

func ExampleStart() {
	srv, err := mock.Start(mock.Config{
		Users: []mock.User{mock.NewUser("alice")},
		Clients: []mock.Client{{
			ID:           "my-app",
			Secret:       "my-secret",
			RedirectURIs: []string{"http://localhost/oauth/huggingface/callback"},
		}},
	})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	fmt.Println(strings.HasPrefix(srv.URL, "http://127.0.0.1:"))
	// Output: true
}

func ExampleDefaultUser() {
	u := mock.DefaultUser()
	fmt.Println(u.PreferredUsername, u.Email, *u.EmailVerified)
	for _, o := range u.Orgs {
		fmt.Println(o.Name, o.RoleInOrg, o.Plan, o.SecurityRestrictions)
	}
	// Output:
	// mockuser mockuser@example.com true
	// ACME Research admin enterprise [mfa sso]
	// Open Models write team []
	// Reading Club read  []
}

func ExampleProvider_SetFaults() {
	srv, err := mock.Start(mock.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	srv.SetFaults(mock.Faults{JWKSStatus: http.StatusInternalServerError})
	resp, err := http.Get(srv.URL + "/oauth/jwks")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, srv.Requests(mock.EndpointJWKS))
	// Output: 500 1
}
