package echohf

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/echohf/echohf/mock"
)

// defaultEnv names the case TestDefaultAttachAuthChild runs in a child
// process, whose package-level Default has not been made yet.
const defaultEnv = "ECHOHF_TEST_DEFAULT_CASE"

// envNames are the variables FromEnv reads.
var envNames = []string{EnvSpaceID, EnvSpaceHost, EnvClientID, EnvClientSecret, EnvScopes, EnvProviderURL,
	EnvMode, EnvDisallowMock, EnvAcceptBearer, EnvRedirectURL, EnvSessionSecret, EnvOldSessionSecrets, EnvHFToken, EnvHFEndpoint,
	EnvRefreshBefore, EnvRevalidateEvery, EnvMockAllowRemote}

// TestDefaultAttachAuth runs the three-line setup (Attach, Auth) configured
// from the environment, each case in a child process with a fresh Default:
// mock mode with no environment, and one error for a bad one, given by
// Default and as the panic of Attach and Auth.
func TestDefaultAttachAuth(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		env  map[string]string
	}{
		{"none", nil},
		{"bad", map[string]string{EnvMode: "garbage", EnvSessionSecret: "abc"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestDefaultAttachAuthChild$", "-test.v", "-test.count=1") //nolint:gosec // G702: this test binary, running one of its own tests
			cmd.Env = append(os.Environ(), defaultEnv+"="+tt.name)
			for _, k := range envNames { // the developer's shell does not count
				cmd.Env = append(cmd.Env, k+"="+tt.env[k])
			}
			out, err := cmd.CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte("--- PASS: TestDefaultAttachAuthChild")) {
				t.Fatalf("child %s: %v\n%s", tt.name, err, out)
			}
		})
	}
}

// TestDefaultAttachAuthChild is TestDefaultAttachAuth's child; outside it,
// it does nothing.
func TestDefaultAttachAuthChild(t *testing.T) {
	switch os.Getenv(defaultEnv) {
	case "none":
		e := echo.New()
		Attach(e)
		e.Use(Auth())
		e.GET("/page", func(c echo.Context) error {
			if info := Info(c); info != nil {
				return c.String(http.StatusOK, "Hello, "+info.UserInfo.PreferredUsername+"!")
			}
			return c.String(http.StatusOK, "Not logged in!")
		})
		srv := httptest.NewServer(e)
		defer srv.Close()
		o, err := Default()
		if err != nil || o.Mode() != ModeMock {
			t.Fatalf("Default() = %v, %v; want the mock-mode instance", o, err)
		}
		if again, _ := Default(); again != o {
			t.Errorf("second Default() = %p; want the first, %p", again, o)
		}
		b := newBrowser(t)
		for _, step := range []struct{ path, want string }{
			{"/page", "Not logged in!"},
			{o.MockLoginURL("/page"), "Hello, " + mock.DefaultUser().PreferredUsername + "!"},
			{LogoutPath + "?_target_url=/page", "Not logged in!"},
		} {
			if status, body := b.get(t, srv.URL+step.path); status != http.StatusOK || body != step.want {
				t.Errorf("GET %s = %d %q; want 200 %q", step.path, status, body, step.want)
			}
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("a second Attach of the default OAuth did not panic")
				}
			}()
			Attach(echo.New())
		}()
	case "bad":
		_, err := Default()
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), EnvMode) || !strings.Contains(err.Error(), EnvSessionSecret) {
			t.Fatalf("Default() error %v; want ErrConfig naming %s and %s", err, EnvMode, EnvSessionSecret)
		}
		if _, again := Default(); !errors.Is(again, err) {
			t.Errorf("second Default error %v; want the first, %v", again, err)
		}
		for name, f := range map[string]func(){"Attach": func() { Attach(echo.New()) }, "Auth": func() { Auth() }} {
			func() {
				defer func() {
					if p, _ := recover().(error); !errors.Is(p, err) {
						t.Errorf("%s panicked with %v; want the Default error", name, p)
					}
				}()
				f()
			}()
		}
	}
}
