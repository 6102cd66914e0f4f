package mock_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/echohf/echohf/mock"
)

// hubGet GETs srv's path with token as a Bearer token ("" for none) and returns the status and
// body.
func hubGet(t *testing.T, srv *mock.Server, path, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// whoamiV2 is the part of a whoami-v2 answer the tests read.
type whoamiV2 struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Name     string `json:"name"`
	Fullname string `json:"fullname"`
	Email    string `json:"email"`
	Avatar   string `json:"avatarUrl"`
	Orgs     []struct {
		Type      string `json:"type"`
		ID        string `json:"id"`
		Name      string `json:"name"`
		RoleInOrg string `json:"roleInOrg"`
	} `json:"orgs"`
	Auth struct {
		Type string `json:"type"`
	} `json:"auth"`
}

// TestWhoami: /api/whoami-v2 answers, in the Hub's shape, for a registered personal token and
// for an access token the token endpoint issued, and 401 for anything else.
func TestWhoami(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	srv := newServer(t, mock.Config{Now: clock})
	const pat = "hf_personal_mockuser"
	srv.AddToken(pat, "mockuser")
	tok, _ := login(t, oauthConfig(srv, oauth2.AuthStyleInHeader))
	want := mock.DefaultUser()

	for _, tt := range []struct{ name, token, auth string }{
		{"personal token", pat, "access_token"},
		{"issued access token", tok.AccessToken, "oauth"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := hubGet(t, srv, mock.PathWhoami, tt.token)
			if status != http.StatusOK {
				t.Fatalf("whoami = %d %s; want 200", status, body)
			}
			var w whoamiV2
			if err := json.Unmarshal([]byte(body), &w); err != nil {
				t.Fatal(err)
			}
			if w.Type != "user" || w.ID != want.Sub || w.Name != want.PreferredUsername || w.Fullname != want.Name || w.Avatar != want.Picture || w.Auth.Type != tt.auth {
				t.Errorf("whoami = %+v; want %s (%s), auth %s", w, want.PreferredUsername, want.Sub, tt.auth)
			}
			if len(w.Orgs) != len(want.Orgs) {
				t.Fatalf("orgs = %+v; want %d", w.Orgs, len(want.Orgs))
			}
			for i, o := range w.Orgs {
				if o.Type != "org" || o.ID != want.Orgs[i].Sub || o.Name != want.Orgs[i].PreferredUsername || o.RoleInOrg != want.Orgs[i].RoleInOrg {
					t.Errorf("org %d = %+v; want %+v", i, o, want.Orgs[i])
				}
			}
		})
	}

	before := srv.Requests(mock.EndpointWhoami)
	for _, token := range []string{"", "hf_unknown", tok.RefreshToken} {
		if status, body := hubGet(t, srv, mock.PathWhoami, token); status != http.StatusUnauthorized || !strings.Contains(body, "error") {
			t.Errorf("whoami with %q = %d %s; want 401 with an error", token, status, body)
		}
	}
	if n := srv.Requests(mock.EndpointWhoami) - before; n != 3 {
		t.Errorf("Requests(whoami) grew by %d; want 3", n)
	}

	srv.RemoveToken(pat)
	if status, _ := hubGet(t, srv, mock.PathWhoami, pat); status != http.StatusUnauthorized {
		t.Errorf("whoami with a removed token = %d; want 401", status)
	}
	now = now.Add(mock.DefaultAccessTokenTTL + time.Second)
	if status, _ := hubGet(t, srv, mock.PathWhoami, tok.AccessToken); status != http.StatusUnauthorized {
		t.Errorf("whoami with an expired access token = %d; want 401", status)
	}
}

// TestAddTokenUnknownUser: a token for nobody is a programming error.
func TestAddTokenUnknownUser(t *testing.T) {
	srv := newServer(t, mock.Config{})
	for _, tt := range []struct{ token, user string }{{"hf_x", "nobody"}, {"", "mockuser"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AddToken(%q, %q) did not panic", tt.token, tt.user)
				}
			}()
			srv.AddToken(tt.token, tt.user)
		}()
	}
}

// TestModels: /api/models lists an author's models, private ones only to their author or a
// member of the organization that owns them.
func TestModels(t *testing.T) {
	srv := newServer(t, mock.Config{})
	srv.AddUser(mock.NewUser("stranger"))
	srv.AddToken("hf_mockuser", "mockuser")
	srv.AddToken("hf_stranger", "stranger")
	srv.AddModel(mock.Model{ID: "stranger/solo"})

	tests := []struct {
		name, query, token string
		want               []string
	}{
		{"public of a user", "?author=mockuser", "", []string{"mockuser/tiny-story-writer"}},
		{"own private", "?author=mockuser", "hf_mockuser", []string{"mockuser/tiny-story-writer", "mockuser/private-notes-classifier"}},
		{"another's private", "?author=mockuser", "hf_stranger", []string{"mockuser/tiny-story-writer"}},
		{"org member", "?author=acme-research", "hf_mockuser", []string{"acme-research/vision-base", "acme-research/internal-eval"}},
		{"org non-member", "?author=acme-research", "hf_stranger", []string{"acme-research/vision-base"}},
		{"limit", "?author=acme-research&limit=1", "hf_mockuser", []string{"acme-research/vision-base"}},
		{"every author", "", "", []string{"mockuser/tiny-story-writer", "acme-research/vision-base", "stranger/solo"}},
		{"unknown author", "?author=nobody", "", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := hubGet(t, srv, mock.PathModels+tt.query, tt.token)
			if status != http.StatusOK {
				t.Fatalf("models = %d %s; want 200", status, body)
			}
			var list []struct {
				ObjectID string `json:"_id"`
				ID       string `json:"id"`
			}
			if err := json.Unmarshal([]byte(body), &list); err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, m := range list {
				if len(m.ObjectID) != 24 {
					t.Errorf("model %s: _id %q is not an object id", m.ID, m.ObjectID)
				}
				got = append(got, m.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("models%s = %q; want %q", tt.query, got, tt.want)
			}
		})
	}
	if status, _ := hubGet(t, srv, mock.PathModels, "hf_unknown"); status != http.StatusUnauthorized {
		t.Errorf("models with an unknown token = %d; want 401", status)
	}
	if status, _ := hubGet(t, srv, mock.PathModels+"?limit=-1", ""); status != http.StatusBadRequest {
		t.Errorf("models?limit=-1 = %d; want 400", status)
	}
	none := newServer(t, mock.Config{Models: []mock.Model{}})
	if status, body := hubGet(t, none, mock.PathModels, ""); status != http.StatusOK || strings.TrimSpace(body) != "[]" {
		t.Errorf("models with Config.Models empty = %d %s; want 200 []", status, body)
	}
}

// TestHubFaults: HubStatus and HubDelay apply to the Hub API, not to the OpenID endpoints.
func TestHubFaults(t *testing.T) {
	srv := newServer(t, mock.Config{})
	srv.AddToken("hf_mockuser", "mockuser")
	srv.SetFaults(mock.Faults{HubStatus: http.StatusServiceUnavailable})
	for _, path := range []string{mock.PathWhoami, mock.PathModels} {
		if status, _ := hubGet(t, srv, path, "hf_mockuser"); status != http.StatusServiceUnavailable {
			t.Errorf("%s with HubStatus 503 = %d", path, status)
		}
	}
	login(t, oauthConfig(srv, oauth2.AuthStyleInHeader)) // the provider still works

	srv.SetFaults(mock.Faults{HubDelay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+mock.PathWhoami, nil)
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("whoami with HubDelay answered %d before the client gave up", res.StatusCode)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the client waited %v", d)
	}
}

// TestLastAuthorize: the provider records what the last authorization request asked for,
// prompt and org ids included.
func TestLastAuthorize(t *testing.T) {
	srv := newServer(t, mock.Config{})
	if _, ok := srv.LastAuthorize(); ok {
		t.Fatal("LastAuthorize before any request: ok")
	}
	conf := oauthConfig(srv, oauth2.AuthStyleInHeader, "openid", "profile", "email")
	authorize(t, conf.AuthCodeURL("st", oauth2.SetAuthURLParam("prompt", "consent"), oauth2.SetAuthURLParam("orgIds", "a1,b2")))
	got, ok := srv.LastAuthorize()
	if !ok || got.Prompt != "consent" || !slices.Equal(got.OrgIDs, []string{"a1", "b2"}) ||
		!slices.Equal(got.Scopes, []string{"openid", "profile", "email"}) || got.ClientID != mock.TestClientID || got.RedirectURI != callback {
		t.Errorf("LastAuthorize = %+v, %v", got, ok)
	}
	got.OrgIDs[0] = "changed"
	authorize(t, conf.AuthCodeURL("st"))
	if got, _ := srv.LastAuthorize(); got.Prompt != "" || got.OrgIDs != nil {
		t.Errorf("LastAuthorize after a plain request = %+v; want no prompt and no org ids", got)
	}
}
