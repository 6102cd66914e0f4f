package exampletest

import (
	"slices"
	"strings"
	"testing"

	"github.com/echohf/echohf/echohf"
)

// TestEnv checks that Env drops every variable echohf reads (and one it
// might read later) and those the examples read, keeps the others, listens
// on a free loopback port and lets kv win.
func TestEnv(t *testing.T) {
	read := []string{
		echohf.EnvSpaceID, echohf.EnvSpaceHost, echohf.EnvClientID, echohf.EnvClientSecret,
		echohf.EnvScopes, echohf.EnvProviderURL, echohf.EnvMode, echohf.EnvDisallowMock,
		echohf.EnvRedirectURL, echohf.EnvSessionSecret, echohf.EnvOldSessionSecrets,
		echohf.EnvHFToken, echohf.EnvHFEndpoint,
		"ECHOHF_ADDED_LATER", "HOST", "PORT", "ORG_NAME", "INSTANCE_ID",
	}
	for _, name := range read {
		t.Setenv(name, "from-the-developer")
	}
	t.Setenv("EXAMPLETEST_KEPT", "kept")
	env := Env("ORG_NAME=acme")
	for _, e := range env {
		if strings.HasSuffix(e, "=from-the-developer") {
			t.Errorf("Env kept %s", e)
		}
	}
	for _, want := range []string{"EXAMPLETEST_KEPT=kept", "HOST=127.0.0.1", "PORT=0", "ORG_NAME=acme"} {
		if !slices.Contains(env, want) {
			t.Errorf("Env lacks %s", want)
		}
	}
}
