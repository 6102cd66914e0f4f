package mock_test

import (
	"context"
	"net/url"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/echohf/echohf/mock"
)

// TestConcurrent runs logins while faults, users, clients and keys change (run with -race).
func TestConcurrent(t *testing.T) {
	srv := newServer(t, mock.Config{})
	conf := oauthConfig(srv, oauth2.AuthStyleInHeader)
	const n = 8
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			verifier, nonce := oauth2.GenerateVerifier(), oauth2.GenerateVerifier()
			resp, err := noRedirect.Get(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", nonce)))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if _, err := conf.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier)); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			srv.SetFaults(mock.Faults{WrongNonce: true})
			srv.AddUser(mock.NewUser("bob"))
			_ = srv.SetUser("bob")
			srv.AddClient(mock.Client{ID: "c", Secret: "s"})
			_ = srv.Requests(mock.EndpointToken)
		}()
	}
	srv.RotateKey()
	wg.Wait()
	if _, nonce := login(t, conf); nonce == "" {
		t.Error("no nonce")
	}
}
