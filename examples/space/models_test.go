package main

import (
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/examples/internal/exampletest"
	"github.com/echohf/echohf/mock"
)

// modelItem matches a model of the models page: its id and its line.
var modelItem = regexp.MustCompile(`<li class="model" data-model="([^"]*)">(.*?)</li>`)

// listed returns the models the page lists, in order, and each one's line.
func listed(r *exampletest.Response) (ids []string, lines map[string]string) {
	lines = map[string]string{}
	for _, m := range modelItem.FindAllStringSubmatch(r.Body, -1) {
		id := html.UnescapeString(m[1])
		ids = append(ids, id)
		lines[id] = m[2]
	}
	return ids, lines
}

// modelsOf returns the ids of the models of author among models that
// pass keep, in order.
func modelsOf(models []mock.Model, author string, keep func(mock.Model) bool) []string {
	var ids []string
	for _, m := range models {
		if strings.HasPrefix(m.ID, author+"/") && keep(m) {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

// TestSpaceModels opens the models page as a signed-in user (real mode, the
// mock provider as the Hub): it lists exactly the user's models, private
// ones included, and survives the Hub failing or refusing the token.
func TestSpaceModels(t *testing.T) {
	srv := mock.NewServer(t, mock.Config{})
	p := exampletest.Start(t, bin, hubEnv(t, srv)...)
	c := exampletest.NewClient(t)
	user := mock.DefaultUser()
	all := func(mock.Model) bool { return true }

	// Logged out, the page sends the browser to sign in, and back.
	r := c.Get(t, p.URL+"/models", browser)
	wantPage(t, r, http.StatusOK)
	if r.URL != p.URL+"/models" || !r.Via(srv.URL+mock.PathAuthorize) {
		t.Fatalf("GET /models logged out landed on %s (via %v); want /models through the provider", r.URL, r.Hops)
	}
	contains(t, r, `id="models-title"`, "@"+user.PreferredUsername, `id="logout"`)
	ids, lines := listed(r)
	if want := modelsOf(mock.DefaultModels(), user.PreferredUsername, all); len(want) == 0 || !slices.Equal(ids, want) {
		t.Errorf("the page lists %q; want the user's models %q", ids, want)
	}
	for _, m := range mock.DefaultModels() {
		line, ok := lines[m.ID]
		if !ok {
			continue
		}
		vis := "public"
		if m.Private {
			vis = "private"
		}
		for _, want := range []string{`<span class="visibility ` + vis + `">` + vis + `</span>`, m.PipelineTag, "♥ " + strconv.Itoa(m.Likes), "↓ " + strconv.Itoa(m.Downloads)} {
			if !strings.Contains(line, want) {
				t.Errorf("model %s: line %q lacks %q", m.ID, line, want)
			}
		}
		if !strings.Contains(line, `href="`+srv.URL+"/"+m.ID+`"`) {
			t.Errorf("model %s: line %q does not link to the model on the Hub", m.ID, line)
		}
	}
	notContains(t, r, `id="models-error"`, "acme-research/")
	if n := srv.Requests(mock.EndpointModels); n != 1 {
		t.Errorf("the Hub's model list was asked %d times; want 1", n)
	}

	// A model added on the Hub shows up; the page reads the Hub each time.
	srv.AddModel(mock.Model{ID: user.PreferredUsername + "/fresh<model>", Likes: 1})
	r = c.Get(t, p.URL+"/models", browser)
	wantPage(t, r, http.StatusOK)
	if ids, _ := listed(r); !slices.Contains(ids, user.PreferredUsername+"/fresh<model>") {
		t.Errorf("after AddModel the page lists %q", ids)
	}
	notContains(t, r, "fresh<model>")

	// The Hub down: an explanation on the page, still signed in.
	srv.SetFaults(mock.Faults{HubStatus: http.StatusServiceUnavailable})
	r = c.Get(t, p.URL+"/models", browser)
	wantPage(t, r, http.StatusBadGateway)
	contains(t, r, `id="models-error"`, "could not list your models", "@"+user.PreferredUsername, `id="logout"`)
	notContains(t, r, `class="model"`, `id="signin"`)
	srv.SetFaults(mock.Faults{})
	r = c.Get(t, p.URL+"/models", browser)
	wantPage(t, r, http.StatusOK)
	notContains(t, r, `id="models-error"`)

	// The Hub refuses the session's token (revoked there): the session is
	// cleared and the page offers to sign in again, back to /models.
	srv.SetFaults(mock.Faults{HubStatus: http.StatusUnauthorized})
	r = c.Get(t, p.URL+"/models", browser)
	wantPage(t, r, http.StatusUnauthorized)
	contains(t, r, "Please sign in", "no longer accepts", `id="signin"`)
	notContains(t, r, `id="username"`, `id="logout"`, `id="models-error"`)
	signin := href(t, r, "signin")
	if signin != echohf.LoginPath+"?_target_url=%2Fmodels" {
		t.Errorf("sign-in link = %q; want one back to /models", signin)
	}
	srv.SetFaults(mock.Faults{})
	if r = c.Get(t, p.URL+"/", browser); !strings.Contains(r.Body, `id="logged-out"`) {
		t.Error("home page after the Hub refused the token is not logged out")
	}
	r = c.Get(t, p.URL+signin, browser)
	wantPage(t, r, http.StatusOK)
	if ids, _ := listed(r); r.URL != p.URL+"/models" || len(ids) == 0 {
		t.Errorf("signing in again landed on %s listing %q; want /models with the models", r.URL, ids)
	}
}

// TestSpaceModelsBearer: a script's token the Hub revokes after Auth
// cached it gets a 401 from the models page rather than a list or a 5xx.
func TestSpaceModelsBearer(t *testing.T) {
	srv := mock.NewServer(t, mock.Config{})
	srv.AddToken("hf_test_mockuser", "mockuser")
	p := exampletest.Start(t, bin, hubEnv(t, srv)...)
	c := exampletest.NewClient(t)
	auth := "Authorization: Bearer hf_test_mockuser"

	r := c.Get(t, p.URL+"/models", auth)
	wantPage(t, r, http.StatusOK)
	if ids, _ := listed(r); !slices.Equal(ids, modelsOf(mock.DefaultModels(), "mockuser", func(mock.Model) bool { return true })) {
		t.Errorf("the page lists %q for the user's token", ids)
	}
	srv.RemoveToken("hf_test_mockuser")
	r = c.Get(t, p.URL+"/models", auth, "Accept: application/json")
	if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, "no longer accepts") {
		t.Errorf("GET /models with a revoked token = %d %s; want 401 JSON", r.Status, r.Body)
	}
}

// TestSpaceModelsMockMode: in mock mode the session has no real token, so
// the Hub is asked anonymously and lists the user's public models only;
// the page says so.
func TestSpaceModelsMockMode(t *testing.T) {
	srv := mock.NewServer(t, mock.Config{})
	p := exampletest.Start(t, bin, echohf.EnvHFEndpoint+"="+srv.URL)
	c := exampletest.NewClient(t)
	r := c.Get(t, p.SignInURL(t)+"&_target_url=/models", browser)
	wantPage(t, r, http.StatusOK)
	public := func(m mock.Model) bool { return !m.Private }
	if ids, _ := listed(r); !slices.Equal(ids, modelsOf(mock.DefaultModels(), "mockuser", public)) {
		t.Errorf("the page lists %q in mock mode; want the public ones", ids)
	}
	contains(t, r, `id="mock-note"`)
}
