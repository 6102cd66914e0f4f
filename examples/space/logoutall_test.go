package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/examples/internal/exampletest"
	"github.com/echohf/echohf/mock"
)

// startRedis starts Debian's redis-server on a free port for the test and
// returns its URL. Without it on PATH the test is skipped, unless
// ECHOHF_REDIS=1 (CI), which makes that a failure.
func startRedis(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("ECHOHF_REDIS") == "1" {
			t.Fatalf("ECHOHF_REDIS=1 but redis-server is not on PATH: %v", err)
		}
		t.Skip("redis-server not on PATH (set ECHOHF_REDIS=1 to make this a failure)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", t.TempDir(), "--save", "", "--appendonly", "no")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer func() { _ = c.Close() }()
	for deadline := time.Now().Add(10 * time.Second); c.Ping(context.Background()).Err() != nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not answer within 10s")
		}
	}
	return "redis://" + addr + "/0"
}

// TestSpaceLogoutAllDevices: two replicas of the Space share a Redis
// (ECHOHF_REDIS_URL); a user signed in in two browsers presses "Log out all
// devices" in one, and the other browser's session ends on the other
// replica too.
func TestSpaceLogoutAllDevices(t *testing.T) {
	t.Parallel()
	srv := mock.NewServer(t, mock.Config{})
	env := append(realEnv(t, srv), "ECHOHF_REDIS_URL="+startRedis(t)+"?prefix=space-test:")
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
