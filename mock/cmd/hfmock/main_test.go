package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/echohf/echohf/echohf"
	"github.com/echohf/echohf/internal/logbuf"
	"github.com/echohf/echohf/mock"
)

// syncBuffer is the tests' goroutine-safe log sink.
type syncBuffer = logbuf.Buffer

func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"-addr", "127.0.0.1:0", "-user", "alice", "-orgs", "org-a, org-b", "-client-id", "cid", "-client-secret", "it's secret", "-access-token-ttl", "90s"}, &out)
	}()

	env := map[string]string{}
	re := regexp.MustCompile(`(?m)^export (\w+)=(.*)$`)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "serving") {
		select {
		case err := <-errc:
			t.Fatalf("run returned early: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no output:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, m := range re.FindAllStringSubmatch(out.String(), -1) {
		env[m[1]] = m[2]
	}
	want := map[string]string{
		"SPACE_ID":            "local/hfmock",
		"OAUTH_CLIENT_ID":     "cid",
		"OAUTH_CLIENT_SECRET": `'it'\''s secret'`,
		"OAUTH_SCOPES":        "'openid profile'",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s=%s; want %s\n%s", k, env[k], v, out.String())
		}
	}
	issuer := env["OPENID_PROVIDER_URL"]
	if !strings.HasPrefix(issuer, "http://127.0.0.1:") {
		t.Fatalf("OPENID_PROVIDER_URL=%q", issuer)
	}
	if env["HF_ENDPOINT"] != issuer {
		t.Errorf("HF_ENDPOINT=%q; want the provider's URL %q", env["HF_ENDPOINT"], issuer)
	}

	// The printed API token is the user's on the fake Hub.
	m := regexp.MustCompile(`Authorization: Bearer (hf_hfmock_\w+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no API token printed:\n%s", out.String())
	}
	req, _ := http.NewRequest(http.MethodGet, issuer+mock.PathWhoami, nil)
	req.Header.Set("Authorization", "Bearer "+m[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var who struct {
		Name string `json:"name"`
	}
	err = json.NewDecoder(resp.Body).Decode(&who)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || who.Name != "alice" {
		t.Errorf("whoami with the printed token = %d %+v (%v); want alice", resp.StatusCode, who, err)
	}

	// The printed client logs in with a localhost callback on any port.
	conf := &oauth2.Config{
		ClientID: "cid", ClientSecret: "it's secret",
		Endpoint:    oauth2.Endpoint{AuthURL: issuer + "/oauth/authorize", TokenURL: issuer + "/oauth/token"},
		RedirectURL: "http://localhost:7860/oauth/huggingface/callback",
		Scopes:      []string{"openid", "profile"},
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	v := oauth2.GenerateVerifier()
	resp, err = noRedirect.Get(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(v)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatalf("exchange: %v (authorize answered %d %s)", err, resp.StatusCode, loc)
	}
	if tok.ExpiresIn != 90 {
		t.Errorf("expires_in = %d; want 90 (-access-token-ttl)", tok.ExpiresIn)
	}
	req, _ = http.NewRequest(http.MethodGet, issuer+"/oauth/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var u mock.User
	err = json.NewDecoder(resp.Body).Decode(&u)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if u.PreferredUsername != "alice" || len(u.Orgs) != 2 || u.Orgs[0].Name != "org-a" || u.Orgs[0].RoleInOrg != "admin" || u.Orgs[1].RoleInOrg != "write" {
		t.Errorf("userinfo = %+v", u)
	}

	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	if resp, err := http.Get(issuer + "/.well-known/openid-configuration"); err == nil {
		resp.Body.Close()
		t.Error("still serving after run returned")
	}
}

// startRun runs hfmock with args until the test ends and returns what it
// printed once serving, with the exported variables as the shell would
// read them.
func startRun(t *testing.T, args ...string) (out string, env map[string]string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var buf syncBuffer
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), &buf) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(buf.String(), "serving") {
		select {
		case err := <-errc:
			errc <- err
			t.Fatalf("run returned early: %v\n%s", err, buf.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no output:\n%s", buf.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	env = map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^export (\w+)=(.*)$`).FindAllStringSubmatch(buf.String(), -1) {
		env[m[1]] = shellUnquote(t, m[2])
	}
	return buf.String(), env
}

// shellUnquote reads a word shellQuote wrote, as a POSIX shell would.
func shellUnquote(t *testing.T, s string) string {
	t.Helper()
	if !strings.HasPrefix(s, "'") {
		return s
	}
	if !strings.HasSuffix(s, "'") || len(s) < 2 {
		t.Fatalf("unbalanced quotes in %s", s)
	}
	return strings.ReplaceAll(s[1:len(s)-1], `'\''`, "'")
}

// TestDefaultClientSecret: the client secret hfmock prints by default is
// at least 32 bytes, so an app started with the printed environment (which
// then signs its sessions with it) logs no short-secret warning.
func TestDefaultClientSecret(t *testing.T) {
	out, env := startRun(t)
	secret := env[echohf.EnvClientSecret]
	if len(secret) < 32 {
		t.Errorf("%s is %d bytes; want at least 32\n%s", echohf.EnvClientSecret, len(secret), out)
	}
	// The printed environment and nothing else of echohf's, whatever the
	// developer's shell holds.
	for _, k := range []string{echohf.EnvSpaceID, echohf.EnvSpaceHost, echohf.EnvClientID, echohf.EnvClientSecret, echohf.EnvScopes,
		echohf.EnvProviderURL, echohf.EnvMode, echohf.EnvDisallowMock, echohf.EnvAcceptBearer, echohf.EnvMockAllowRemote,
		echohf.EnvRedirectURL, echohf.EnvSessionSecret, echohf.EnvOldSessionSecrets, echohf.EnvRefreshBefore,
		echohf.EnvRevalidateEvery, echohf.EnvHFToken, echohf.EnvHFEndpoint} {
		t.Setenv(k, env[k])
	}
	var logs syncBuffer
	o, err := echohf.NewFromEnv(echohf.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("echohf with the printed environment: %v", err)
	}
	defer o.Close()
	if o.Mode() != echohf.ModeReal {
		t.Errorf("echohf with the printed environment runs in %s mode; want real", o.Mode())
	}
	if strings.Contains(logs.String(), "shorter than") || strings.Contains(logs.String(), secret) {
		t.Errorf("echohf with the printed environment warns of a short secret (or logs it):\n%s", logs.String())
	}
}

func TestRunErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-addr", "0.0.0.0:0"},
		{"-addr", "192.0.2.1:5556"},
		{"-nope"},
		{"extra"},
		{"-client-id", ""},
		{"-access-token-ttl", "0s"},
		{"-access-token-ttl", "soon"},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

func TestMockUser(t *testing.T) {
	if u := mockUser("", "", false); u.PreferredUsername != "mockuser" || len(u.Orgs) != 3 {
		t.Errorf("default = %+v", u)
	}
	if u := mockUser("", "", true); len(u.Orgs) != 0 {
		t.Errorf("-orgs= gives orgs %+v", u.Orgs)
	}
}

func TestShellQuote(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"abc", "abc"},
		{"http://127.0.0.1:5556", "http://127.0.0.1:5556"},
		{"", "''"},
		{"a b", "'a b'"},
		{"it's", `'it'\''s'`},
		{"$HOME", "'$HOME'"},
	} {
		if got := shellQuote(tt.in); got != tt.want {
			t.Errorf("shellQuote(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
