package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/examples/internal/exampletest"
	"github.com/echohf/echohf/internal/redistest"
	"github.com/echohf/echohf/mock"
)

// TestSpaceLogoutAllDevices: two replicas of the Space share a Redis
// (ECHOHF_REDIS_URL); a user signed in in two browsers presses "Log out all
// devices" in one, and the other browser's session ends on the other
// replica too.
func TestSpaceLogoutAllDevices(t *testing.T) {
	t.Parallel()
	srv := mock.NewServer(t, mock.Config{})
	env := append(realEnv(t, srv), "ECHOHF_REDIS_URL="+redistest.New(t).URL()+"?prefix=space-test:")
	one := exampletest.Start(t, bin, append(env, "INSTANCE_ID=replica-1")...)
	two := exampletest.Start(t, bin, append(env, "INSTANCE_ID=replica-2")...)
	first, second := exampletest.NewClient(t), exampletest.NewClient(t)
	for _, c := range []*exampletest.Client{first, second} {
		wantPage(t, c.Get(t, one.URL+"/private", browser), http.StatusOK)
	}
	r := second.Get(t, two.URL+"/private", browser)
	wantPage(t, r, http.StatusOK)
	contains(t, r, `id="logout-everywhere"`)

	r = first.Get(t, one.URL+"/", browser)
	link := href(t, r, "logout-everywhere")
	if !strings.HasPrefix(link, echohf.LogoutPath+"?") || !strings.Contains(link, "everywhere=1") {
		t.Fatalf("Log out all devices links to %q", link)
	}
	r = first.Get(t, one.URL+link, browser)
	contains(t, r, `id="logged-out"`)
	deadline := time.Now().Add(time.Second)
	for {
		r = second.GetNoRedirect(t, two.URL+"/private", browser)
		if r.Status == http.StatusFound && strings.HasPrefix(r.Header.Get("Location"), echohf.LoginPath) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the second browser's session on the other replica still serves /private (%d) a second later; logs:\n%s\n%s",
				r.Status, one.Output(), two.Output())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
