package echohf

import (
	"testing"

	"golang.org/x/oauth2"

	"github.com/echohf/echohf/mock"
)

// TestTokenAuthPostOnly signs in against a provider whose token endpoint
// takes client credentials only from the form, as its discovery says.
func TestTokenAuthPostOnly(t *testing.T) {
	prov := mock.NewServer(t, mock.Config{})
	prov.SetFaults(mock.Faults{TokenAuthPost: true})
	a := newApp(t, realConfig(prov))
	b := newBrowser(t)
	b.mustLogin(t, a)
	assertNoSecretsLogged(t, a, b)
}

func TestAuthStyle(t *testing.T) {
	tests := []struct {
		methods []string
		want    oauth2.AuthStyle
	}{
		{nil, oauth2.AuthStyleInHeader},
		{[]string{}, oauth2.AuthStyleInHeader},
		{[]string{"client_secret_basic"}, oauth2.AuthStyleInHeader},
		{[]string{"client_secret_post", "client_secret_basic"}, oauth2.AuthStyleInHeader},
		{[]string{"client_secret_post"}, oauth2.AuthStyleInParams},
		{[]string{"private_key_jwt", "client_secret_post"}, oauth2.AuthStyleInParams},
		{[]string{"private_key_jwt"}, oauth2.AuthStyleInHeader},
		{[]string{"none"}, oauth2.AuthStyleInHeader},
	}
	for _, tt := range tests {
		if got := authStyle(tt.methods); got != tt.want {
			t.Errorf("authStyle(%q) = %v; want %v", tt.methods, got, tt.want)
		}
	}
}
