// Command hfmock serves a fake Hugging Face OpenID provider on a loopback port, so that an
// echohf app can run its real OAuth flow on a laptop.
//
// Usage:
//
//	go run ./mock/cmd/hfmock [-addr 127.0.0.1:5556] [-user name] [-orgs a,b,c]
//		[-client-id id] [-client-secret secret] [-scopes "openid profile"] [-space-id local/hfmock]
//		[-access-token-ttl 8h]
//
// A short -access-token-ttl (2m, say) shows an app's sessions being refreshed.
//
// It registers a client that accepts any callback on http://localhost, http://127.0.0.1 and
// http://[::1] (any port, any path) and a random API token of the user, prints the environment
// that puts an app in real mode against it (HF_ENDPOINT included, so that bearer tokens are
// checked against its fake Hub) and the token, and serves until interrupted (SIGINT or
// SIGTERM).
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/echohf/echohf/mock"
)

// defaultClientSecret is the client secret hfmock registers unless told
// otherwise. It is fixed, so that an app's sessions (signed with a key
// derived from it, when no ECHOHF_SESSION_SECRET is set) outlive a restart
// of hfmock, and at least 32 bytes long, so that echohf does not warn of a
// short session secret. It guards nothing but a local fake provider.
const defaultClientSecret = "hfmock-client-secret-for-local-development-only" //nolint:gosec // G101: a fixed secret of a local fake

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "hfmock:", err)
		os.Exit(1)
	}
}

// run parses args, starts the provider, prints the environment lines to stdout and serves
// until ctx is done.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("hfmock", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", "127.0.0.1:5556", "loopback `address` to listen on (port 0: any free port)")
	user := fs.String("user", "", "preferred_username of the mocked user (default the mock package's DefaultUser, mockuser)")
	orgs := fs.String("orgs", "", "comma-separated `names` of the user's organizations, replacing the default ones (\"-orgs=\" for none)")
	clientID := fs.String("client-id", "hfmock-client", "OAuth client ID to register")
	clientSecret := fs.String("client-secret", defaultClientSecret, "OAuth client secret to register (at least 32 bytes, or the app warns: it signs its sessions with it)")
	scopes := fs.String("scopes", "openid profile", "value printed for OAUTH_SCOPES")
	spaceID := fs.String("space-id", "local/hfmock", "value printed for SPACE_ID")
	ttl := fs.Duration("access-token-ttl", mock.DefaultAccessTokenTTL, "lifetime of the access tokens issued (a short one shows sessions being refreshed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *clientID == "" {
		return errors.New("-client-id must not be empty")
	}
	orgsSet := false
	fs.Visit(func(f *flag.Flag) { orgsSet = orgsSet || f.Name == "orgs" })

	u := mockUser(*user, *orgs, orgsSet)
	if *ttl <= 0 {
		return errors.New("-access-token-ttl must be positive")
	}
	srv, err := mock.StartAt(*addr, mock.Config{
		AccessTokenTTL: *ttl,
		Users:          []mock.User{u},
		Clients: []mock.Client{{
			ID:           *clientID,
			Secret:       *clientSecret,
			RedirectURIs: mock.LoopbackRedirectURIs(),
		}},
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	token := "hf_hfmock_" + rand.Text() // the user's API token, for bearer requests
	srv.AddToken(token, u.PreferredUsername)

	var names []string
	for _, o := range u.Orgs {
		names = append(names, o.PreferredUsername)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "hfmock: fake Hugging Face OpenID provider at %s\n", srv.URL)
	fmt.Fprintf(&b, "hfmock: user %s, orgs [%s]; client %s accepts any http://localhost callback\n\n", u.PreferredUsername, strings.Join(names, ", "), *clientID)
	b.WriteString("# Paste these in another terminal, then run an example (e.g. go run ./examples/hello):\n")
	for _, kv := range [][2]string{
		{"SPACE_ID", *spaceID},
		{"OAUTH_CLIENT_ID", *clientID},
		{"OAUTH_CLIENT_SECRET", *clientSecret},
		{"OAUTH_SCOPES", *scopes},
		{"OPENID_PROVIDER_URL", srv.URL},
		{"HF_ENDPOINT", srv.URL},
	} {
		fmt.Fprintf(&b, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
	fmt.Fprintf(&b, "# With ECHOHF_ACCEPT_BEARER=1, API calls may send: Authorization: Bearer %s\n", token)
	b.WriteString("\nhfmock: serving; Ctrl-C to stop\n")
	if _, err := io.WriteString(stdout, b.String()); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// mockUser is the DefaultUser, renamed to name if given, with orgs replaced if orgsSet.
func mockUser(name, orgs string, orgsSet bool) mock.User {
	u := mock.DefaultUser()
	if name != "" && name != u.PreferredUsername {
		n := mock.NewUser(name)
		u.Sub, u.Name, u.PreferredUsername, u.Profile, u.Picture = n.Sub, n.Name, n.PreferredUsername, n.Profile, n.Picture
		u.Email = name + "@example.com"
	}
	if orgsSet {
		u.Orgs = nil
		roles := []string{"admin", "write", "contributor", "read"}
		for _, o := range strings.Split(orgs, ",") {
			if o = strings.TrimSpace(o); o != "" {
				org := mock.NewOrg(o)
				org.RoleInOrg = roles[len(u.Orgs)%len(roles)]
				u.Orgs = append(u.Orgs, org)
			}
		}
	}
	return u
}

// shellQuote quotes s for a POSIX shell when it is not a plain word.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@%+=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
