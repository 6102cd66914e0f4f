package echohf

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/jwtstore"
	"github.com/echohf/echohf/mock"
)

// TestOldSessionFormLoggedOut: a cookie minted before the wire form
// changed, in the old form or under the old key purpose, is logged out and
// expired, never misread.
func TestOldSessionFormLoggedOut(t *testing.T) {
	t.Parallel()
	prov := mock.NewServer(t, mock.Config{})
	a := newApp(t, realConfig(prov))
	token, err := a.oauth.sealer.Seal([]byte("hf_oauth_" + strings.Repeat("x", 34)))
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour)
	user := userInfoOf(t, mock.DefaultUser())
	// The session as version 1 wrote it: the user as a JSON object.
	v1 := map[string]any{"t": token, "e": exp.Unix(), "sc": "openid profile", "st": "state", "u": user}
	tests := []struct {
		name    string
		purpose string
		claims  any
	}{
		{"old form, old purpose", "echohf/session/v1", v1},
		{"old form, current purpose", purposeSession, v1},
		{"current form, old purpose", "echohf/session/v1", &session{Token: token, Expires: exp.Unix(), User: user}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, err := jwtstore.New[any](jwtstore.Options{
				Name: a.oauth.sessions.Name(), Purpose: tt.purpose, Keys: sessionKeys(a.oauth.cfg), Insecure: true,
			})
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			if err := store.Save(rec, nil, tt.claims, exp); err != nil {
				t.Fatal(err)
			}
			f := fetch(t, plainClient(), a.URL+"/whoami", "Cookie", cookieHeader(rec))
			if f.StatusCode != http.StatusOK || strings.Contains(f.body, `"logged_in":true`) {
				t.Errorf("whoami = %d %s; want 200 logged out", f.StatusCode, f.body)
			}
			if !f.expired(a.oauth.sessions.Name()) {
				t.Errorf("the old cookie is not expired; Set-Cookie %q", f.Header.Values("Set-Cookie"))
			}
		})
	}
}
