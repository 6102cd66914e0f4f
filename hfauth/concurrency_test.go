package hfauth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/echohf/echohf/mock"
)

// TestConcurrentRequests hammers one app with valid, invalid and missing
// cookies from many goroutines, while logins run; every answer is the one
// its cookie calls for.
func TestConcurrentRequests(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	alice := mock.NewUser("alice")
	bob := mock.NewUser("bob")
	bob.Orgs = []mock.Org{mock.NewOrg("acme")}
	prov.AddUser(alice)
	prov.AddUser(bob)
	cfg := realConfig(prov)
	cfg.SessionCacheSize = 2 // smaller than the sessions in play: evictions happen
	a := newApp(t, cfg)
	name := a.oauth.sessions.Name()

	type sess struct{ user, value, token string }
	var sessions []sess
	for _, u := range []string{"alice", "bob", "alice"} {
		if err := prov.SetUser(u); err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t)
		w := b.mustLogin(t, a)
		sessions = append(sessions, sess{u, b.cookie(t, a.URL, name), w.Token})
	}
	if sessions[0].token == sessions[2].token {
		t.Fatal("two logins share an access token")
	}
	bad := []string{"", "garbage", sessions[0].value[:len(sessions[0].value)-4] + "AAAA", sessions[1].value + "x"}

	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := plainClient(t)
			for i := range 40 {
				var req *http.Request
				var want *sess
				if (g+i)%2 == 0 {
					want = &sessions[(g+i)%len(sessions)]
					req, _ = http.NewRequest(http.MethodGet, a.URL+"/whoami", nil)
					req.Header.Set("Cookie", name+"="+want.value)
				} else {
					req, _ = http.NewRequest(http.MethodGet, a.URL+"/whoami", nil)
					if v := bad[(g+i)%len(bad)]; v != "" {
						req.Header.Set("Cookie", name+"="+v)
					}
				}
				res, err := c.Do(req)
				if err != nil {
					errs <- err
					return
				}
				var w whoamiAnswer
				err = json.NewDecoder(res.Body).Decode(&w)
				res.Body.Close()
				switch {
				case err != nil || res.StatusCode != http.StatusOK:
					errs <- fmt.Errorf("status %d, %w", res.StatusCode, err)
				case want == nil && w.LoggedIn:
					errs <- fmt.Errorf("logged in with a bad cookie")
				case want != nil && (!w.LoggedIn || w.Info.UserInfo.PreferredUsername != want.user || w.Token != want.token):
					errs <- fmt.Errorf("cookie of %s gave %+v", want.user, w)
				}
			}
		}()
	}
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				b := newBrowser(t)
				if status, body := b.login(t, a); status != http.StatusOK {
					errs <- fmt.Errorf("concurrent login = %d %s", status, body)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if n++; n <= 5 {
			t.Error(err)
		}
	}
}
